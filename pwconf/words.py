"""How every output counts things: `1 problem`, `2 problems`, `10,000 changes`."""

from __future__ import annotations


def counted(count: int, noun: str) -> str:
    """`count` with thousands separators and the noun in the right number."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def duration(seconds: float) -> str:
    """`0.4s`, `42s`, `3m 07s`, `1h 02m`: precise when short, readable when long."""
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"
