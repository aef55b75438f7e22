"""The Markdown plan, for pull-request comments and `$GITHUB_STEP_SUMMARY`: the summary, a
table of the changes, the text plan as a ```diff block in <details>, unmanaged objects and notes.

GitHub refuses comments over 65,536 characters and drops a step summary over 1 MiB. When the
document would exceed `limit`, only the first changes are shown, whole, and a note says so.
"""

from __future__ import annotations

import bisect
import re

from pwconf.plan import Action, Change, Plan
from pwconf.printable import printable
from pwconf.render.lines import PlanLine, Role
from pwconf.render.text import (
    ACTION_LABELS,
    SYMBOL_WIDTH,
    change_section_lines,
    closing_sentences,
    drift_marker,
    format_line,
    unmanaged_summaries,
)
from pwconf.render.values import shorten

GITHUB_COMMENT_LIMIT = 65_000  # GitHub's hard limit is 65,536; leave room for a wrapper
TITLE = "### pwconf plan"
MAX_REASON_CHARS = 200
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!~])")


def render_markdown(plan: Plan, *, limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """The plan as GitHub Markdown of at most `limit` characters, without a trailing newline."""
    changes = plan.changes

    def too_long(count: int) -> bool:
        return len(markdown_document(plan, changes[:count], total=len(changes))) > limit

    # Doubling the leading changes shown until too many: no document built holds more than
    # twice the changes that fit, however long the plan.
    most = 1
    while most < len(changes) and not too_long(most):
        most *= 2
    if most >= len(changes):
        full = markdown_document(plan, changes)
        if len(full) <= limit:
            return full
    if too_long(0):  # title, summary and the note alone, cut if even they are too long
        minimal = [TITLE, _summary_paragraph(plan), truncation_note(0, len(changes))]
        return "\n\n".join(minimal)[:limit]
    # the most leading changes that fit: fewer than `most`, or than all of them
    shown = bisect.bisect_left(range(1, min(most, len(changes))), True, key=too_long)
    return markdown_document(plan, changes[:shown], total=len(changes))


def markdown_document(plan: Plan, changes: list[Change], total: int | None = None) -> str:
    """The document showing `changes`; with `total`, a note that only some of them are shown."""
    parts = [TITLE, _summary_paragraph(plan)]
    if changes:
        parts += [changes_table(changes), details_block(changes)]
    parts += [unmanaged_markdown(plan.unmanaged), notes_markdown(plan)]
    if total is not None:
        parts.append(truncation_note(len(changes), total))
    return "\n\n".join(part for part in parts if part)


def truncation_note(shown: int, total: int) -> str:
    return (
        f"_Plan truncated: {shown:,} of {total:,} changes shown; "
        "run pwconf plan locally for the full plan._"
    )


def changes_table(changes: list[Change]) -> str:
    rows = ["| Action | Address | Reason |", "|---|---|---|"]
    for change in changes:
        label = ACTION_LABELS[change.action].split(" (")[0]
        action = f"{code(change.action.symbol)} {label}"
        rows.append(f"| {action} | {code(str(change.address))} | {_reason_cell(change)} |")
    return "\n".join(rows)


def details_block(changes: list[Change]) -> str:
    body = "\n".join(diff_line(line) for line in change_section_lines(changes))
    fence = "`" * max(3, _longest_backtick_run(body) + 1)
    return "\n".join(
        ["<details><summary>Full plan</summary>", "", f"{fence}diff", body, fence, "", "</details>"]
    )


def diff_line(line: PlanLine) -> str:
    """A plan line with its action symbol in column 0, as GitHub's diff highlighting expects."""
    if line.role is Role.HEADER:
        assert line.action is not None  # a header is a change's first line
        return f"{line.action.symbol.ljust(SYMBOL_WIDTH)} {line.text}{line.marker}"
    if line.role is Role.PLAIN:
        return f" {line.text}" if line.text else ""
    return _diff_char(line) + format_line(line)[1:]


def _diff_char(line: PlanLine) -> str:
    """`-` for data loss and what goes, `+` for what comes, `~` for a changed field."""
    if line.role is Role.DATA_LOSS:
        return "-"
    if line.sign in ("-", "+"):
        return line.sign
    if line.action is Action.CREATE:
        return "+"
    return "~" if line.role is Role.FIELD else " "


def unmanaged_markdown(unmanaged: dict[str, list[str]]) -> str:
    summaries, prune = unmanaged_summaries(unmanaged)
    if not summaries:
        return ""
    heading = f"**Unmanaged** (add the kind to `settings.prune` to delete them, e.g. `{prune}`):"
    return "\n".join([heading, "", *(f"- {escape(summary)}" for summary in summaries)])


def notes_markdown(plan: Plan) -> str:
    if not plan.notes:
        return ""
    lines = ["**Notes:**", ""]
    for note in plan.notes:
        where = f"{code(str(note.address))}: " if note.address is not None else ""
        lines.append(f"- {where}{escape(note.message)}")
    return "\n".join(lines)


def escape(text: str) -> str:
    """Text safe in a Markdown paragraph or table cell: one line, special characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", printable(" ".join(text.splitlines())))


def code(text: str) -> str:
    """An inline code span that survives backticks in the text and sits inside a table."""
    text = printable(" ".join(text.splitlines())).replace("|", "\\|")
    ticks = "`" * (_longest_backtick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _summary_paragraph(plan: Plan) -> str:
    first, *rest = closing_sentences(plan)
    return " ".join([f"**{first}**", *rest])


def _reason_cell(change: Change) -> str:
    reason = escape(shorten(change.reason, MAX_REASON_CHARS))
    data_loss = "**data loss**" if change.data_loss else ""
    return "; ".join(filter(None, [reason, data_loss, drift_marker(change)]))


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)
