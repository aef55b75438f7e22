"""The Terraform-style text plan.

    Actions: + create, ~ update in place, -/+ replace (delete, then create), - destroy

    # application "shop"

      ~ application.shop (title differs)
          title: "Shop" -> "Shop EU"

    -/+ preset.shop.welcome (platforms cannot be updated)
          platforms: ["iOS"] -> ["iOS", "Android"] # forces replacement

    Plan: 0 to add, 1 to change, 1 to replace, 0 to destroy.

Values are never cut: long ones and text of several lines are shown on several lines
(`render.fields`). The plan is first built as `PlanLine` values (what a line says and which
change it belongs to), then formatted: as text, optionally coloured, here; as a GitHub ```diff
block in `markdown`.
"""

from __future__ import annotations

from collections.abc import Iterable

import click

from pwconf.kinds import CONTAINER, KIND_BY_PLURAL, KIND_ORDER, PLURALS, kind_label
from pwconf.model import Address
from pwconf.plan import Action, Change, FieldChange, Plan
from pwconf.render.fields import changed_field_lines, created_field_lines
from pwconf.render.lines import BODY_INDENT, PlanLine, Role, value_line_text
from pwconf.render.values import flatten
from pwconf.render.words import counted

ACTION_LABELS: dict[Action, str] = {
    Action.CREATE: "create",
    Action.UPDATE: "update in place",
    Action.REPLACE: "replace (delete, then create)",
    Action.DELETE: "destroy",
}
ACTION_COLORS: dict[Action, str] = {
    Action.CREATE: "green",
    Action.UPDATE: "yellow",
    Action.REPLACE: "magenta",
    Action.DELETE: "red",
}
FORCES_REPLACEMENT = " # forces replacement"
CHANGED_OUTSIDE = "changed outside pwconf"
DELETED_OUTSIDE = "deleted outside pwconf"
ACCOUNT_WIDE = "# account-wide"
UNMANAGED_NAMES_SHOWN = 10
NO_CHANGES = "No changes. The account matches the manifests."

SYMBOL_WIDTH = 3  # "-/+" is the widest symbol; others are right-aligned under it
VALUE_COLORS = {"-": "red", "+": "green"}


def render_text(plan: Plan, *, color: bool = False) -> str:
    """The whole plan as text, without a trailing newline. ANSI colours only when `color`."""
    return "\n".join(format_line(line, color=color) for line in plan_lines(plan))


def plan_lines(plan: Plan) -> list[PlanLine]:
    """Legend and changes, unmanaged objects, notes and the closing summary line."""
    sections = [
        change_section_lines(shown_changes(plan)),
        unmanaged_lines(plan.unmanaged),
        note_lines(plan),
        closing_lines(plan),
    ]
    return _join_sections(section for section in sections if section)


def shown_changes(plan: Plan) -> list[Change]:
    """The changes worth a block: all of them but stray no-ops."""
    return [change for change in plan.changes if change.action is not Action.NOOP]


def change_section_lines(changes: list[Change]) -> list[PlanLine]:
    """The legend of the symbols used, then the changes grouped by application."""
    if not changes:
        return []
    lines = [legend_line(changes)]
    for heading, group in group_changes(changes):
        lines += [PlanLine(""), PlanLine(heading)]
        for change in group:
            lines += [PlanLine(""), *change_lines(change)]
    return lines


def legend_line(changes: Iterable[Change]) -> PlanLine:
    used = {change.action for change in changes}
    entries = [
        f"{action.symbol} {label}" for action, label in ACTION_LABELS.items() if action in used
    ]
    return PlanLine("Actions: " + ", ".join(entries))


def group_changes(changes: list[Change]) -> list[tuple[str, list[Change]]]:
    """(heading, changes) per application and one for account-wide kinds, by first appearance."""
    groups: dict[str | None, list[Change]] = {}
    for change in changes:
        groups.setdefault(application_of(change.address), []).append(change)
    return [(group_heading(app), group) for app, group in groups.items()]


def application_of(address: Address) -> str | None:
    """The handle of the application an entity belongs to (its own, for an application)."""
    if address.kind == CONTAINER:
        return address.name
    return address.app


def group_heading(app: str | None) -> str:
    return ACCOUNT_WIDE if app is None else f'# application "{app}"'


def change_lines(change: Change) -> list[PlanLine]:
    """The block of one change: header, data-loss warning, then fields."""
    lines = [header_line(change)]
    if change.data_loss:
        lines.append(data_loss_line(change))
    lines += field_lines(change)
    return lines


def header_line(change: Change) -> PlanLine:
    text = str(change.address)
    if change.reason:
        text += f" ({change.reason})"
    marker = f" # {drift_marker(change)}" if shows_drift_marker(change) else ""
    return PlanLine(text, Role.HEADER, change.action, marker)


def drift_marker(change: Change) -> str:
    """What happened outside pwconf: a create of what it had applied means it was deleted."""
    return DELETED_OUTSIDE if change.action is Action.CREATE else CHANGED_OUTSIDE


def shows_drift_marker(change: Change) -> bool:
    """Drift is marked unless the reason already says so."""
    return change.drift and drift_marker(change) not in change.reason


def data_loss_line(change: Change) -> PlanLine:
    kind = kind_label(change.address.kind)
    text = f"! data loss: what Pushwoosh stores for this {kind} is deleted and cannot be restored"
    return PlanLine(text, Role.DATA_LOSS, change.action)


def field_lines(change: Change) -> list[PlanLine]:
    """Every attribute of a create; the changed fields of an update or replace; none of a delete."""
    if change.action is Action.CREATE:
        return [
            line
            for path, value in flatten(change.after or {})
            for line in created_field_lines(path, value, change.action)
        ]
    if change.action is Action.DELETE:
        return []
    return [line for field in change.fields for line in changed_lines(field, change.action)]


def changed_lines(field: FieldChange, action: Action) -> list[PlanLine]:
    marker = FORCES_REPLACEMENT if field.forces_replacement else ""
    return changed_field_lines(field.path, field.before, field.after, action, marker)


def unmanaged_lines(unmanaged: dict[str, list[str]]) -> list[PlanLine]:
    """One line per kind of live objects left alone, and how to have them deleted."""
    kinds = [kind for kind in kinds_in_order(unmanaged) if unmanaged[kind]]
    if not kinds:
        return []
    lines = [PlanLine(unmanaged_line(kind, unmanaged[kind])) for kind in kinds]
    example = ", ".join(plural_of(kind) for kind in kinds)
    hint = f"  (add the kind to settings.prune to delete them, e.g. prune: [{example}])"
    return [*lines, PlanLine(hint)]


def unmanaged_line(kind: str, names: list[str]) -> str:
    return f"Unmanaged: {unmanaged_summary(kind, names)}"


def unmanaged_summary(kind: str, names: list[str]) -> str:
    """`3 tags not in the manifests, left alone: A, B, C`."""
    noun = plural_of(kind) if len(names) != 1 else singular_of(kind)
    noun = noun.replace("_", " ")
    return f"{len(names):,} {noun} not in the manifests, left alone: {name_list(names)}"


def name_list(names: list[str], shown: int = UNMANAGED_NAMES_SHOWN) -> str:
    """`A, B, C`, or the first `shown` names and `and N more`."""
    text = ", ".join(names[:shown])
    if len(names) > shown:
        text += f" and {len(names) - shown:,} more"
    return text


def plural_of(kind: str) -> str:
    return PLURALS.get(kind, kind)


def singular_of(kind: str) -> str:
    return KIND_BY_PLURAL.get(kind, kind)


def kinds_in_order(unmanaged: dict[str, list[str]]) -> list[str]:
    """Known kinds (singular or plural keys) in dependency order, then any others by name."""

    def rank(kind: str) -> tuple[int, str]:
        singular = singular_of(kind)
        known = singular in KIND_ORDER
        return (KIND_ORDER.index(singular) if known else len(KIND_ORDER), kind)

    return sorted(unmanaged, key=rank)


def note_lines(plan: Plan) -> list[PlanLine]:
    if not plan.notes:
        return []
    lines = [PlanLine("Notes:")]
    for note in plan.notes:
        where = f"{note.address}: " if note.address is not None else ""
        lines.append(PlanLine(f"  - {where}{note.message}"))
    return lines


def closing_lines(plan: Plan) -> list[PlanLine]:
    if not shown_changes(plan):
        return [PlanLine(NO_CHANGES), PlanLine(unchanged_sentence(plan.unchanged))]
    return [PlanLine(summary_sentence(plan))]


def summary_sentence(plan: Plan) -> str:
    counts = plan.summary()
    return (
        f"Plan: {counts['add']:,} to add, {counts['change']:,} to change, "
        f"{counts['replace']:,} to replace, {counts['destroy']:,} to destroy."
    )


def unchanged_sentence(unchanged: int) -> str:
    return f"{counted(unchanged, 'managed object')} unchanged."


def format_line(line: PlanLine, *, color: bool = False) -> str:
    """A line as plain or ANSI-coloured text."""
    if line.role is Role.HEADER:
        action = line.action or Action.NOOP
        symbol = _style(action.symbol.rjust(SYMBOL_WIDTH), action, color)
        return f"{symbol} {line.text}{_style_marker(line.marker, color)}"
    if line.role is Role.DATA_LOSS:
        return BODY_INDENT + (click.style(line.text, fg="red", bold=True) if color else line.text)
    if line.role is Role.FIELD:
        return f"{BODY_INDENT}{line.text}{_style_marker(line.marker, color)}"
    if line.role is Role.VALUE:
        text = value_line_text(line)
        fg = VALUE_COLORS.get(line.sign)
        return click.style(text, fg=fg) if color and fg else text
    return line.text


def _style(text: str, action: Action | None, color: bool) -> str:
    if not color or action not in ACTION_COLORS:
        return text
    return click.style(text, fg=ACTION_COLORS[action], bold=True)


def _style_marker(marker: str, color: bool) -> str:
    if not color or not marker:
        return marker
    fg = "red" if marker == FORCES_REPLACEMENT else "yellow"
    return click.style(marker, fg=fg)


def _join_sections(sections: Iterable[list[PlanLine]]) -> list[PlanLine]:
    """Sections separated by one empty line."""
    lines: list[PlanLine] = []
    for section in sections:
        if lines:
            lines.append(PlanLine(""))
        lines += section
    return lines
