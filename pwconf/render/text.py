"""The Terraform-style text plan.

    Actions: + create, ~ update in place, -/+ replace (delete, then create), - destroy

    # application "shop"

      ~ application.shop (title differs)
          title: "Shop" -> "Shop EU"

    -/+ preset.shop.welcome (platforms cannot be updated)
          platforms: ["iOS"] -> ["iOS", "Android"] # forces replacement

    Plan: 0 to add, 1 to change, 1 to replace, 0 to destroy.

The plan is built as `PlanLine`s, then formatted: here as text, in `markdown` as a ```diff block.
"""

from __future__ import annotations

import click

from pwconf.kinds import KIND_BY_PLURAL, application_of, kind_label
from pwconf.plan import Action, Change, Plan
from pwconf.render.fields import FORCES_REPLACEMENT, changed_field_lines, created_field_lines
from pwconf.render.lines import PlanLine, Role
from pwconf.render.values import flatten
from pwconf.words import counted

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
DATA_LOSS = "! data loss: what Pushwoosh stores for this {kind} is deleted and cannot be restored"
UNMANAGED_NAMES_SHOWN = 10
NO_CHANGES = "No changes. The account matches the manifests."

BODY_INDENT = " " * 6
VALUE_INDENT = BODY_INDENT + "  "
SYMBOL_WIDTH = 3  # "-/+" is the widest symbol; others are right-aligned under it
VALUE_COLORS = {"-": "red", "+": "green"}


def render_text(plan: Plan, *, color: bool = False) -> str:
    """The whole plan as text, without a trailing newline. ANSI colours only when `color`."""
    sections = [
        change_section_lines(plan.changes),
        unmanaged_lines(plan.unmanaged),
        note_lines(plan),
        [PlanLine(sentence) for sentence in closing_sentences(plan)],
    ]
    texts = ("\n".join(format_line(line, color=color) for line in lines) for lines in sections)
    return "\n\n".join(filter(None, texts))


def change_section_lines(changes: list[Change]) -> list[PlanLine]:
    """The legend of the symbols used, then the changes by application (account-wide together)."""
    if not changes:
        return []
    used = {change.action for change in changes}
    legend = [f"{act.symbol} {label}" for act, label in ACTION_LABELS.items() if act in used]
    lines = [PlanLine("Actions: " + ", ".join(legend))]
    groups: dict[str | None, list[Change]] = {}
    for change in changes:
        groups.setdefault(application_of(change.address), []).append(change)
    for app, group in groups.items():
        heading = "# account-wide" if app is None else f'# application "{app}"'
        lines += [PlanLine(""), PlanLine(heading)]
        for change in group:
            lines += [PlanLine(""), *change_lines(change)]
    return lines


def change_lines(change: Change) -> list[PlanLine]:
    """Header, data-loss warning, then every attribute of a create or the changed fields."""
    header = str(change.address) + (f" ({change.reason})" if change.reason else "")
    drift = drift_marker(change)
    lines = [PlanLine(header, Role.HEADER, change.action, f" # {drift}" if drift else "")]
    if change.data_loss:
        text = DATA_LOSS.format(kind=kind_label(change.address.kind))
        lines.append(PlanLine(text, Role.DATA_LOSS, change.action))
    if change.action is Action.CREATE:
        for path, value in flatten(change.after or {}):
            lines += created_field_lines(path, value)
    elif change.action is not Action.DELETE:
        for field in change.fields:
            lines += changed_field_lines(field, change.action)
    return lines


def drift_marker(change: Change) -> str:
    """Drift's marker (a create then means a delete outside pwconf), unless the reason has it."""
    marker = f"{'deleted' if change.action is Action.CREATE else 'changed'} outside pwconf"
    return marker if change.drift and marker not in change.reason else ""


def unmanaged_lines(unmanaged: dict[str, list[str]]) -> list[PlanLine]:
    """One line per kind of live objects left alone, and how to have them deleted."""
    summaries, prune = unmanaged_summaries(unmanaged)
    if not summaries:
        return []
    hint = f"  (add the kind to settings.prune to delete them, e.g. {prune})"
    return [*(PlanLine(f"Unmanaged: {summary}") for summary in summaries), PlanLine(hint)]


def unmanaged_summaries(unmanaged: dict[str, list[str]]) -> tuple[list[str], str]:
    """`13 tags not in the manifests, left alone: T0, ..., T9 and 3 more` for each kind with
    unmanaged objects, in the planner's order, and the `prune: [tags]` that deletes them."""
    kinds = [kind for kind, names in unmanaged.items() if names]
    summaries = []
    for kind in kinds:
        names = unmanaged[kind]
        shown = ", ".join(names[:UNMANAGED_NAMES_SHOWN])
        if len(names) > UNMANAGED_NAMES_SHOWN:
            shown += f" and {len(names) - UNMANAGED_NAMES_SHOWN:,} more"
        label = kind_label(KIND_BY_PLURAL[kind], len(names))
        summaries.append(f"{len(names):,} {label} not in the manifests, left alone: {shown}")
    return summaries, f"prune: [{', '.join(kinds)}]"


def note_lines(plan: Plan) -> list[PlanLine]:
    if not plan.notes:
        return []
    lines = [PlanLine("Notes:")]
    for note in plan.notes:
        where = f"{note.address}: " if note.address is not None else ""
        lines.append(PlanLine(f"  - {where}{note.message}"))
    return lines


def closing_sentences(plan: Plan) -> list[str]:
    """The plan's counts; with no changes, that there are none and how many are unchanged."""
    if not plan.changes:
        return [NO_CHANGES, f"{counted(plan.unchanged, 'managed object')} unchanged."]
    counts = plan.summary()
    return [
        f"Plan: {counts['add']:,} to add, {counts['change']:,} to change, "
        f"{counts['replace']:,} to replace, {counts['destroy']:,} to destroy."
    ]


def format_line(line: PlanLine, *, color: bool = False) -> str:
    if line.role is Role.HEADER:
        assert line.action is not None  # a header is a change's first line
        symbol = line.action.symbol.rjust(SYMBOL_WIDTH)
        if color:
            symbol = click.style(symbol, fg=ACTION_COLORS[line.action], bold=True)
        return f"{symbol} {line.text}{_style_marker(line.marker, color)}"
    if line.role is Role.DATA_LOSS:
        return BODY_INDENT + (click.style(line.text, fg="red", bold=True) if color else line.text)
    if line.role is Role.FIELD:
        return f"{BODY_INDENT}{line.text}{_style_marker(line.marker, color)}"
    if line.role is Role.VALUE:
        sign = f"{line.sign} " if line.sign else ""  # in column 8, the text from column 10
        text = f"{VALUE_INDENT}{sign}{line.text}".rstrip()
        fg = VALUE_COLORS.get(line.sign)
        return click.style(text, fg=fg) if color and fg else text
    return line.text


def _style_marker(marker: str, color: bool) -> str:
    if not color or not marker:
        return marker
    return click.style(marker, fg="red" if marker == FORCES_REPLACEMENT else "yellow")
