"""The lines of a plan before formatting, shared by the text and Markdown renderers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pwconf.plan import Action
from pwconf.printable import printable


class Role(StrEnum):
    HEADER = "header"  # `  + tag.Age (reason)`
    FIELD = "field"  # `      type: "string" -> "integer"`
    VALUE = "value"  # `        - "a long value"`: one line of a value shown on several lines
    DATA_LOSS = "data-loss"  # `      ! data loss: ...`
    PLAIN = "plain"  # headings, legend, unmanaged, notes, summary


@dataclass(frozen=True)
class PlanLine:
    """One line of a plan, before formatting. `marker` is a trailing comment such as
    ` # forces replacement`, kept apart for colouring. `sign` is for VALUE lines: "-" (before),
    "+" (after), " " (text on both sides or created) or "" (the end of a heredoc)."""

    text: str
    role: Role = Role.PLAIN
    action: Action | None = None
    marker: str = ""
    sign: str = ""

    def __post_init__(self) -> None:
        # names, reasons and notes may come from the server: never a control character raw
        object.__setattr__(self, "text", printable(self.text))
