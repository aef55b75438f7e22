"""One small file per bad-input case (fixtures/bad/<case>.yaml): a clear message at the right
place, never a traceback."""

from __future__ import annotations

import builtins
import re
from pathlib import Path

import pytest
import requests

from pwconf.emulator.server import EmulatorServer
from pwconf.manifest import files
from tests.conftest import invoke
from tests.manifest.helpers import BAD, find, run, where

# (fixture, fragment of the message, line, column)
CASES: list[tuple[str, str, int, int]] = [
    # not YAML, not a manifest
    ("not-yaml", "not valid YAML", 3, 1),
    ("top-level-list", "this file holds a list", 1, 1),
    ("top-level-scalar", "this file holds a single value", 1, 1),
    ("empty", "the file is empty", 1, 1),
    ("comments-only", "the file is empty", 1, 1),
    ("binary", "this is a binary file", 3, 1),
    ("not-utf8", "not UTF-8 text (byte 0xe9", 4, 15),
    ("control-character", "the control character U+001B, which YAML does not allow", 3, 19),
    ("two-documents", "holds one YAML document", 3, 1),
    ("tab-indentation", "a tab character is used for indentation", 3, 1),
    # the version line
    ("missing-version", "missing `version: 1`", 1, 1),
    ("wrong-version", "unsupported manifest version 2", 1, 10),
    ("version-as-string", "unsupported manifest version '1'", 1, 10),
    ("version-from-reference", "unsupported manifest version '${env:MANIFEST_VERSION}'", 1, 10),
    # YAML features turned against the loader
    ("duplicate-key", "duplicate key 'Age' (first defined at line 3)", 5, 3),
    ("deep-nesting", "nested more than 100 levels deep", 3, 108),
    ("anchor-cycle", "an alias refers to an anchor that contains it (a cycle)", 2, 7),
    ("alias-bomb", "expands to more than 1,000,000 values", 7, 7),
    ("undefined-alias", "alias *missing names no anchor defined before it", 2, 7),
    ("unsafe-python-tag", "unsupported YAML tag 'tag:yaml.org,2002:python/object/apply", 4, 12),
    ("binary-tag", "read binary data with ${file:...}", 4, 12),
    ("merge-key-not-a-mapping", "a merge key '<<' takes a mapping", 3, 3),
    ("merge-key-brings-unknown-key", "unknown key 'colour' in preset 'other'", 8, 9),
    ("collection-as-key", "a mapping key must be a plain string", 3, 5),
    # unknown keys, wrong types
    ("unknown-top-level-key", "unknown key 'tag' in the top level; did you mean 'tags'?", 2, 1),
    ("unknown-application-key", "unknown key 'titel' in application 'shop'; did you mean", 5, 5),
    ("title-not-a-string", "'title' of application 'shop' must be a string, not the number", 4, 12),
    ("yes-read-as-boolean", "YAML reads yes/no/on/off/true/false as booleans", 4, 12),
    ("section-not-a-mapping", "'tags' must be a mapping, not a list", 2, 7),
    ("tag-without-body", "tag 'Age' must be a mapping, not an empty value", 3, 7),
    ("tag-missing-type", "tag 'Age' is missing 'type'", 3, 3),
    ("tag-unknown-type", "got the string 'int'; did you mean 'integer'?", 3, 15),
    ("credential-not-a-string", "'ios.key_password' of application 'shop' must be a string", 7, 21),
    ("preset-missing-content", "preset 'welcome' of application 'shop' is missing 'content'", 6, 7),
    ("preset-platform-unknown", "item 2 of 'platforms' of preset 'welcome'", 7, 26),
    ("preset-action-type-unknown", "'content.action.type' of preset 'welcome'", 10, 26),
    ("message-language-code-invalid", "key 'english' in 'content.message'", 9, 21),
    ("prune-unknown-kind", "'settings.prune' must be one of", 3, 11),
    # limits
    ("event-name-too-long", "(45 characters); at most 32", 6, 7),
    ("attribute-name-too-long", "(70 characters); at most 64", 8, 11),
    (
        "range-out-of-bounds",
        "'range' of geozone 'flagship' of application 'shop' must be between 50 and 1000",
        13,
        16,
    ),
    ("latitude-out-of-bounds", "must be between -90 and 90, not the number 95.5", 11, 14),
    ("longitude-out-of-bounds", "must be between -180 and 180, not the number -200", 12, 14),
    ("send-rate-out-of-bounds", "must be between 100 and 1000, not the number 5000", 9, 20),
    (
        "expiration-date-invalid",
        "must be a date written YYYY-MM-DD, not the string '2027-13-01'",
        5,
        22,
    ),
    ("application-code-malformed", "must be an application code like ABCDE-12345", 5, 11),
    ("application-handle-malformed", "application handle 'my shop' must start with a letter", 3, 3),
    # references and meaning
    ("application-without-title", "application 'shop' has no title", 3, 3),
    ("duplicate-application-title", "has the same title 'Shop' as application 'shop'", 6, 12),
    ("default-tag-declared", "'Language' is a default tag", 3, 3),
    ("geozone-preset-and-content", "has both `preset:` and `content:`", 10, 7),
    ("geozone-unknown-preset", "uses preset 'welcom'", 15, 17),
    ("geozone-unknown-cluster", "uses cluster 'downtown'", 16, 18),
    ("preset-unknown-segment", "uses segment 'adultz', which is not declared", 7, 18),
    ("preset-unknown-campaign", "uses campaign 'autum-reads', which application 'shop'", 11, 19),
    ("segment-unknown-application", "bound to application 'shopp'", 8, 18),
    # segment expressions: the column points inside the expression
    ("expression-syntax-error", "expected ',' after the tag name, found 'GTE'", 6, 25),
    ("expression-unknown-handle", "unknown application @blog", 7, 30),
    ("expression-unknown-tag", "unknown tag 'age'; declare it under `tags:`", 6, 19),
    ("expression-operator-mismatch", "GTE does not apply; use EQ, NOTEQ, IN, NOTIN, NOTSET", 6, 27),
    ("expression-value-type", "GTE needs a whole number, not the string '18'", 6, 32),
    ("expression-t-on-application-tag", "is application_specific: use AT(@handle", 9, 17),
    ("expression-at-on-account-tag", "is not application_specific: use T(...)", 9, 17),
    ("expression-unknown-platform", "unknown platform 'Tizen'; expected one of iOS", 7, 27),
    ("expression-between-not-a-pair", "BETWEEN needs a list of two values", 6, 35),
    # ${...} values
    (
        "undefined-variable",
        "variable 'ENV_LABEL' is not defined; pass --var ENV_LABEL=VALUE",
        4,
        17,
    ),
    (
        "unset-environment-variable",
        "environment variable 'PWCONF_TEST_UNSET_PASSWORD' is not set",
        7,
        21,
    ),
    (
        "missing-referenced-file",
        "file 'no-such-file.json' (relative to the manifest's directory) does not exist",
        6,
        28,
    ),
    ("unknown-reference", "unknown reference '${secret:title}'", 4, 12),
    ("unterminated-reference", "unterminated '${'", 4, 12),
]


@pytest.mark.parametrize(
    ("fixture", "fragment", "line", "column"), CASES, ids=[case[0] for case in CASES]
)
def test_bad_input_is_reported_at_its_place(
    fixture: str, fragment: str, line: int, column: int
) -> None:
    path = BAD / f"{fixture}.yaml"
    analysis = run([str(path)])
    assert not analysis.valid
    problem = find(analysis.problems, fragment)
    assert problem.position is not None
    assert Path(problem.position.file).name == path.name
    assert where(problem) == (line, column)


def test_a_version_from_a_reference_is_never_resolved_into_the_message() -> None:
    path = BAD / "version-from-reference.yaml"
    analysis = run([str(path)], env={"MANIFEST_VERSION": "hunter2"})
    assert not analysis.valid
    assert all("hunter2" not in problem.message for problem in analysis.problems)


def test_every_fixture_has_a_case() -> None:
    named = {case[0] for case in CASES} | {"huge-file", "unreadable"}
    on_disk = {path.stem for path in BAD.glob("*.yaml")}
    assert on_disk == named
    assert len(on_disk) >= 30


def test_huge_file_is_refused_before_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    # The fixture is small; the limit is lowered so that it counts as huge.
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 100)
    problem = find(run([str(BAD / "huge-file.yaml")]).problems, "manifest files are limited to")
    assert "the file is 3" in problem.message
    assert where(problem) == (1, 1)


def test_a_file_of_more_than_ten_mebibytes_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.write(b"version: 1\n")
        handle.truncate(files.MAX_FILE_BYTES + 1)
    problem = find(run([str(big)]).problems, "limited to 10.0 MiB")
    assert "10.0 MiB" in problem.message


def test_unreadable_file_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    target = str(BAD / "unreadable.yaml")
    real_open = builtins.open

    def refusing_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(file) == target:
            raise PermissionError(13, "Permission denied", file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refusing_open)
    problem = find(run([target]).problems, "cannot read the file: Permission denied")
    assert where(problem) == (1, 1)


def test_missing_path_is_reported_without_position() -> None:
    analysis = run(["no/such/dir"])
    problem = find(analysis.problems, "path 'no/such/dir' does not exist")
    assert problem.position is None


def test_directory_without_manifests_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing to see")
    problem = find(run([str(tmp_path)]).problems, "no manifest files (*.yaml, *.yml) found")
    assert "nothing is ever planned for deletion" in problem.message


# The cases the YAML loader itself refuses: through `pwconf plan` against the emulator, each
# stops with its file:line:col, exit 1, no traceback and not one API call.
LOADER_CASES = [
    case
    for case in CASES
    if case[0]
    in {
        "not-yaml",
        "empty",
        "binary",
        "not-utf8",
        "control-character",
        "two-documents",
        "tab-indentation",
        "duplicate-key",
        "deep-nesting",
        "anchor-cycle",
        "alias-bomb",
        "undefined-alias",
        "unsafe-python-tag",
        "binary-tag",
        "merge-key-not-a-mapping",
        "collection-as-key",
    }
]


def plan_without_calls(account: EmulatorServer, manifest: Path, tmp_path: Path) -> str:
    """`pwconf plan manifest`: asserts exit 1 and an untouched API; returns the output."""
    requests.delete(f"{account.admin_url}/calls", timeout=5)
    result = invoke("plan", manifest, "--state", tmp_path / "state.json")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert requests.get(f"{account.admin_url}/calls", timeout=5).json() == []
    return result.output


@pytest.mark.parametrize(
    ("fixture", "line", "column"),
    [(case[0], case[2], case[3]) for case in LOADER_CASES],
    ids=[case[0] for case in LOADER_CASES],
)
def test_plan_stops_at_the_bad_yaml_before_any_call(
    account: EmulatorServer, tmp_path: Path, fixture: str, line: int, column: int
) -> None:
    path = BAD / f"{fixture}.yaml"
    output = plan_without_calls(account, path, tmp_path)
    assert f"{path.name}:{line}:{column}: error: " in output


def test_a_huge_deeply_nested_flow_is_refused_at_its_line(
    account: EmulatorServer, tmp_path: Path
) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("version: 1\ntags: " + "[" * 200_000 + "]" * 200_000 + "\n")
    output = plan_without_calls(account, deep, tmp_path)
    assert re.search(r"deep\.yaml:2:\d+: error: ", output), output
