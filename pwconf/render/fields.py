"""The lines of one field of a change, never cut: a reviewer must see every difference.

`path = value` for a create, `path: before -> after` otherwise, when that fits on a line. Text of
several lines is a heredoc, and a change to it a line diff, as in Terraform:

      description: <<-EOT
          unchanged line
        - old line
        + new line
        EOT

Any other long value is shown in full, before above after, so that the two line up.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

from pwconf.plan import Action, FieldChange
from pwconf.render.lines import PlanLine, Role
from pwconf.render.values import display_value
from pwconf.words import counted

INLINE_CHARS = 80  # `path: before -> after` longer than this is shown on several lines
CONTEXT_LINES = 3  # unchanged lines shown around each changed part of a text
HEREDOC_START, HEREDOC_END = "<<-EOT", "EOT"
FORCES_REPLACEMENT = " # forces replacement"


def created_field_lines(path: str, value: Any) -> list[PlanLine]:
    """`path = value`, or the text as a heredoc when it has several lines."""
    create = Action.CREATE
    if isinstance(value, str) and "\n" in value and _visible(value):
        return [
            PlanLine(f"{path} = {HEREDOC_START}", Role.FIELD, create),
            *_values(value.split("\n"), " ", create),
            PlanLine(HEREDOC_END, Role.VALUE, create),
        ]
    return [PlanLine(f"{path} = {display_value(value)}", Role.FIELD, create)]


def changed_field_lines(field: FieldChange, action: Action) -> list[PlanLine]:
    """One line when short; a line diff of texts of several lines; else both values in full."""
    path, before, after = field.path, field.before, field.after
    marker = FORCES_REPLACEMENT if field.forces_replacement else ""
    texts = isinstance(before, str) and isinstance(after, str)
    if texts and ("\n" in before or "\n" in after) and _visible(before) and _visible(after):
        return [
            PlanLine(f"{path}: {HEREDOC_START}", Role.FIELD, action, marker),
            *_line_diff(before.split("\n"), after.split("\n"), action),
            PlanLine(HEREDOC_END, Role.VALUE, action),
        ]
    before_text, after_text = display_value(before), display_value(after)
    inline = f"{path}: {before_text} -> {after_text}"
    if len(inline) <= INLINE_CHARS:
        return [PlanLine(inline, Role.FIELD, action, marker)]
    return [
        PlanLine(f"{path}:", Role.FIELD, action, marker),
        PlanLine(before_text, Role.VALUE, action, sign="-"),
        PlanLine(after_text, Role.VALUE, action, sign="+"),
    ]


def _visible(text: str) -> bool:
    """No control character (a tab, a carriage return) and no trailing blank to miss."""
    return all(line.isprintable() and line == line.rstrip() for line in text.split("\n"))


def _line_diff(before: list[str], after: list[str], action: Action) -> list[PlanLine]:
    """The changed lines with CONTEXT_LINES around them; the other unchanged lines counted."""
    lines: list[PlanLine] = []
    shown_up_to = 0  # lines of `before` accounted for so far
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    for group in matcher.get_grouped_opcodes(CONTEXT_LINES):
        lines += _hidden(group[0][1] - shown_up_to, action)
        for tag, b_start, b_end, a_start, a_end in group:
            if tag == "equal":
                lines += _values(before[b_start:b_end], " ", action)
            else:
                lines += _values(before[b_start:b_end], "-", action)
                lines += _values(after[a_start:a_end], "+", action)
        shown_up_to = group[-1][2]
    return lines + _hidden(len(before) - shown_up_to, action)


def _hidden(count: int, action: Action) -> list[PlanLine]:
    hidden = [f"# ({counted(count, 'unchanged line')} hidden)"] if count > 0 else []
    return _values(hidden, " ", action)


def _values(texts: list[str], sign: str, action: Action) -> list[PlanLine]:
    return [PlanLine(text, Role.VALUE, action, sign=sign) for text in texts]
