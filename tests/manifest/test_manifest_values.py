"""${env:...}, ${file:...}, ${var:...}; credentials are secrets from the moment they are read."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pwconf.cli.main import cli
from pwconf.errors import ManifestError, UsageError
from pwconf.manifest import parse_variables
from pwconf.model import Address, Secret
from tests.manifest.conftest import Write
from tests.manifest.helpers import find, run, where

P12 = b"\x30\x82\x0a\xff\xfe fake p12 \x00\x01"
PASSWORD = "s3cr3t-Pa55word"


def app_yaml(ios: str = "") -> str:
    """An application `shop` (title from ${var:ENV}), with `ios` lines appended as given."""
    head = "version: 1\napplications:\n  shop:\n    title: Shop ${var:ENV}\n    sdk_ios: pw\n"
    return head + ios


IOS = """\
    ios:
      key_file: ${file:secrets/shop.p12}
      key_password: ${env:SHOP_PASSWORD}
"""


def test_variables_env_and_files_are_substituted(write: Write) -> None:
    write("secrets/motd.txt", "Hello from a file")
    write(
        "m.yaml",
        """
        version: 1
        applications:
          shop:
            title: ${var:BRAND} ${env:STAGE} ($${not a reference})
            presets:
              welcome:
                platforms: [iOS]
                content: {message: "${file:secrets/motd.txt}"}
        """,
    )
    analysis = run([], {"BRAND": "Shop"}, {"STAGE": "beta"})
    assert analysis.valid, analysis.problems
    entities = analysis.state.entities
    assert entities[Address("application", None, "shop")].attrs["title"] == (
        "Shop beta (${not a reference})"
    )
    preset = entities[Address("preset", "shop", "welcome")]
    assert preset.attrs["content"]["message"] == "Hello from a file"


def test_file_paths_are_relative_to_the_manifest(write: Write) -> None:
    write("apps/secrets/fcm.json", '{"type": "service_account"}')
    write(
        "apps/shop.yaml",
        """
        version: 1
        applications:
          shop:
            title: Shop
            android:
              fcm_service_account: ${file:secrets/fcm.json}
        """,
    )
    analysis = run(["apps"])
    assert analysis.valid, analysis.problems
    app = analysis.state.entities[Address("application", None, "shop")]
    secret = app.attrs["android"]["fcm_service_account"]
    assert isinstance(secret, Secret)
    assert secret.reveal() == '{"type": "service_account"}'
    assert secret.origin == "file:secrets/fcm.json"


def test_credentials_are_secrets_whatever_their_origin(write: Write) -> None:
    write("secrets/shop.p12", P12)
    write("m.yaml", app_yaml(IOS))
    analysis = run([], {"ENV": "x"}, {"SHOP_PASSWORD": PASSWORD})
    assert analysis.valid, analysis.problems
    ios = analysis.state.entities[Address("application", None, "shop")].attrs["ios"]
    assert ios["key_file"].reveal() == P12  # not UTF-8: kept as bytes
    assert ios["key_file"].origin == "file:secrets/shop.p12"
    assert ios["key_password"].reveal() == PASSWORD
    assert ios["key_password"].origin == "env:SHOP_PASSWORD"
    assert ios["gateway"] == "production"


def test_a_literal_credential_is_a_secret_too(write: Write) -> None:
    write(
        "m.yaml",
        app_yaml("    ios: {key_file: abc, key_password: hunter2, gateway: sandbox}\n"),
    )
    analysis = run([], {"ENV": "x"})
    ios = analysis.state.entities[Address("application", None, "shop")].attrs["ios"]
    assert isinstance(ios["key_password"], Secret)
    assert ios["key_password"].origin == "literal"
    assert ios["key_password"].reveal() == "hunter2"


@pytest.mark.parametrize(
    ("title", "fragment", "column"),
    [
        ("Shop ${var:NOPE}", "variable 'NOPE' is not defined", 17),
        ("Shop ${env:NOPE}", "environment variable 'NOPE' is not set", 17),
        ("Shop ${file:nope.txt}", "file 'nope.txt' (relative to the manifest's directory)", 17),
        ("Shop ${file:}", "${file:} needs a path", 17),
        ("Shop ${env:a-b}", "'${env:a-b}' needs a name made of letters", 17),
        ("'Shop ${var:X'", "unterminated '${'", 18),
        ("'x $${y} ${bad}'", "unknown reference '${bad}'", 21),
    ],
)
def test_unresolved_references_are_reported_where_they_are(
    write: Write, title: str, fragment: str, column: int
) -> None:
    write("m.yaml", f"version: 1\napplications:\n  shop:\n    title: {title}\n")
    problem = find(run().problems, fragment)
    assert where(problem) == (4, column)


def test_a_binary_file_is_refused_outside_credentials(write: Write) -> None:
    write("blob.bin", P12)
    write("m.yaml", "version: 1\napplications:\n  shop:\n    title: ${file:blob.bin}\n")
    problem = find(run().problems, "file 'blob.bin' is not UTF-8 text")
    assert where(problem) == (4, 12)


def test_a_binary_file_must_be_the_whole_credential(write: Write) -> None:
    write("k.p12", P12)
    write("m.yaml", app_yaml("    ios: {key_file: 'x${file:k.p12}', key_password: p}\n"))
    find(run([], {"ENV": "x"}).problems, "a binary file can only be the whole value")


def test_an_unresolved_value_is_not_reported_twice(write: Write) -> None:
    write(
        "m.yaml",
        """
        version: 1
        tags:
          Age: {type: integer}
        segments:
          adults:
            expression: T("Age", GTE, ${var:MIN_AGE})
        """,
    )
    problems = run().problems
    assert [p.message for p in problems] == [
        "variable 'MIN_AGE' is not defined; pass --var MIN_AGE=VALUE or a --var-file that sets it"
    ]


# --- secrets never appear in messages ------------------------------------------------------


def test_secret_values_never_appear_in_any_problem(write: Write) -> None:
    write("secrets/shop.p12", b"P12-CONTENT-THAT-MUST-NOT-LEAK")
    write("other.p12", b"OTHER-P12-THAT-MUST-NOT-LEAK")
    write(
        "a.yaml",
        app_yaml(IOS.replace("key_password:", "colour: ${env:SHOP_PASSWORD}\n      key_password:")),
    )
    write(
        "b.yaml",
        """
        version: 1
        applications:
          shop:
            ios:
              key_file: ${file:other.p12}
              key_password: 12345678
              gateway: ${env:SHOP_PASSWORD}
            android:
              fcm_service_account: ["${env:SHOP_PASSWORD}"]
        """,
    )
    problems = run([], {"ENV": "x"}, {"SHOP_PASSWORD": PASSWORD}).problems
    assert len(problems) >= 3
    text = "\n".join(map(str, problems))
    for leaked in (PASSWORD, "P12-CONTENT", "OTHER-P12", "12345678"):
        assert leaked not in text


def test_conflicting_secrets_across_files_are_reported_without_values(write: Write) -> None:
    write("a.yaml", app_yaml("    ios: {key_file: AAA-SECRET, key_password: p1}\n"))
    write(
        "b.yaml",
        "version: 1\napplications:\n  shop:\n    ios: {key_file: BBB-SECRET, key_password: p1}\n",
    )
    problem = find(run([], {"ENV": "x"}).problems, "'ios' differs from the value set at a.yaml:")
    assert "SECRET" not in problem.message
    assert where(problem) == (4, 10)


def test_cli_json_output_holds_no_secret(write: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    write("m.yaml", app_yaml("    ios: {key_file: ${env:K}, key_password: [x], gateway: nope}\n"))
    monkeypatch.setenv("K", "TOP-SECRET-KEY")
    result = CliRunner().invoke(cli, ["validate", "--json", "--var", "ENV=x"])
    assert result.exit_code == 1
    assert "TOP-SECRET-KEY" not in result.output
    assert json.loads(result.output)["valid"] is False


# --- parse_variables ------------------------------------------------------------------------


def test_var_files_then_options_later_ones_win(write: Write) -> None:
    write("vars/base.yaml", "ENV: staging\nPORT: 8080\nDEBUG: true\nRATIO: 0.5\n")
    write("vars/override.yaml", "ENV: production\n")
    variables = parse_variables(
        ["DEBUG=false", "EMPTY=", "EQ=a=b"], ["vars/base.yaml", "vars/override.yaml"]
    )
    assert variables == {
        "ENV": "production",
        "PORT": "8080",
        "DEBUG": "false",
        "RATIO": "0.5",
        "EMPTY": "",
        "EQ": "a=b",
    }


@pytest.mark.parametrize("option", ["NOEQUALS", "=value", "1ABC=x", "A B=x"])
def test_malformed_var_options(option: str) -> None:
    with pytest.raises(UsageError, match="--var expects NAME=VALUE"):
        parse_variables([option], [])


def test_var_file_problems_have_positions(write: Write) -> None:
    write("vars.yaml", "GOOD: 1\nBAD: [1, 2]\nbad-name: x\n")
    with pytest.raises(ManifestError) as caught:
        parse_variables([], ["vars.yaml", "missing.yaml"])
    messages = {str(problem) for problem in caught.value.problems}
    assert "vars.yaml:2:6: error: variable 'BAD' must be a string, number or boolean" in messages
    assert any("bad-name" in message and "vars.yaml:3:1" in message for message in messages)
    assert "error: variables file 'missing.yaml' does not exist" in messages


def test_var_file_must_be_a_mapping(write: Write) -> None:
    write("vars.yaml", "- A\n- B\n")
    with pytest.raises(ManifestError, match="a variables file is a mapping"):
        parse_variables([], ["vars.yaml"])


def test_an_empty_var_file_defines_nothing(write: Write) -> None:
    write("vars.yaml", "# nothing yet\n")
    assert parse_variables([], ["vars.yaml"]) == {}


def test_every_unresolved_reference_of_a_value_is_reported(write: Write) -> None:
    write("m.yaml", "version: 1\napplications:\n  shop:\n    title: ${var:A}-${env:B}\n")
    problems = run().problems
    assert [(p.message.split(";")[0], where(p)) for p in problems] == [
        ("variable 'A' is not defined", (4, 12)),
        ("environment variable 'B' is not set (referenced as ${env:B})", (4, 21)),
    ]
