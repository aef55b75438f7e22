"""Text from the server shown as text: its control characters escaped, so that a status message,
a name or a value can never move the cursor, retitle the terminal or forge a line of output."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """`text` with each control character (newlines included) written as a visible escape."""
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable_lines(text: str) -> str:
    """`printable` line by line: the text's own line breaks kept."""
    return "\n".join(printable(line) for line in text.split("\n"))
