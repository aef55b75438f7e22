"""Text from the server is shown as text: no control character reaches the terminal raw."""

from __future__ import annotations

import pytest

from pwconf.model import Address
from pwconf.plan import Action, Change, FieldChange, Note, Plan
from pwconf.render import render_markdown, render_text

HOSTILE = "\x1b]0;pwned\x07\x1b[2J"


def _plan() -> Plan:
    change = Change(
        Address("tag", None, f"Evil{HOSTILE}"),
        Action.UPDATE,
        f"differs {HOSTILE}",
        before={"type": HOSTILE},
        after={"type": "string"},
        fields=[FieldChange("type", HOSTILE, "string")],
    )
    return Plan(
        changes=[change],
        unmanaged={"tags": [f"bad{HOSTILE}"]},
        notes=[Note(None, f"note {HOSTILE}")],
    )


@pytest.mark.parametrize("render", [lambda p: render_text(p, color=False), render_markdown])
def test_names_reasons_values_and_notes_are_escaped(render) -> None:
    out = render(_plan())
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]0;pwned\\x07" in out or "\\u001b]0;pwned\\u0007" in out


def test_colour_codes_are_pwconf_own_only() -> None:
    out = render_text(_plan(), color=True)
    assert "\x1b]0;" not in out and "\x1b[2J" not in out
