"""The probe's report: differences grouped by place, answers redacted for a bug report."""

from __future__ import annotations

from pwconf.api.shapes import Difference
from pwconf.probe import grouped, redact

TOKEN = "tok-0123456789"


def mask(text: str) -> str:
    return text.replace(TOKEN, "***")


def test_repeated_differences_are_one_line_with_a_count() -> None:
    differences = tuple(
        Difference(f"response.tags[{i}].type", f'the string "{i}"', "a whole number")
        for i in range(3)
    ) + (Difference('response.applications["A-1"]', "x", "y"),)
    assert grouped(differences) == (
        'response.tags[*].type: the string "0"; read as a whole number (and 2 more like it)',
        "response.applications[*]: x; read as y",
    )


def test_credentials_unread_application_values_and_the_token_are_masked() -> None:
    answer = {"application": {
        "title": "Shop", "ios_sdk": "x7077", "adm_cid": "", "ios_apple_appid": "x6162",
        "android_gcm_api_key": "x41", "push_settings": {"anything": 1},
        "providers": {"ios": True},
    }}  # fmt: skip
    shown = redact(answer, mask, application=True)["application"]
    assert shown == {
        "title": "Shop", "ios_sdk": "x7077", "adm_cid": "", "ios_apple_appid": "***",
        "android_gcm_api_key": "***", "push_settings": "***", "providers": {"ios": True},
    }  # fmt: skip


def test_lists_are_shortened_and_secrets_masked_in_any_answer() -> None:
    answer = {"presets": [{"name": f"p{i}", "note": f"uses {TOKEN}"} for i in range(5)],
              "private_key": {"n": 1}}  # fmt: skip
    shown = redact(answer, mask)
    assert shown["presets"][:3] == [{"name": f"p{i}", "note": "uses ***"} for i in range(3)]
    assert shown["presets"][3:] == ["... 2 more"]
    assert shown["private_key"] == "***"
