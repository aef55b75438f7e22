"""The published schema is the one pwconf validates with, and every example passes it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator

from pwconf.manifest import schema as schema_module
from pwconf.manifest.loader import load_document
from tests.manifest.helpers import EXAMPLES, ROOT

PUBLISHED = ROOT / "schemas" / "pwconf.schema.json"
PACKAGED = ROOT / "pwconf" / "schema" / "pwconf.schema.json"
EXAMPLE_FILES = sorted(
    path for path in EXAMPLES.rglob("*.yaml") if "vars" not in path.relative_to(EXAMPLES).parts
)
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")
DRAFT7_UNKNOWN = {
    "unevaluatedProperties",
    "unevaluatedItems",
    "prefixItems",
    "dependentRequired",
    "dependentSchemas",
    "$dynamicRef",
    "$dynamicAnchor",
    "$anchor",
    "minContains",
    "maxContains",
    "$vocabulary",
}


def published() -> dict[str, Any]:
    return json.loads(PUBLISHED.read_text(encoding="utf-8"))


def example_data(path: Path) -> Any:
    return load_document(str(path), str(path), path.read_text(encoding="utf-8")).data


def test_the_package_copy_is_the_published_schema_byte_for_byte() -> None:
    assert PACKAGED.read_bytes() == PUBLISHED.read_bytes()


def test_pwconf_validates_with_the_published_schema() -> None:
    assert schema_module.load_schema() == published()
    assert schema_module.validator().schema == published()
    assert schema_module.validator().format_checker is not None


def test_the_schema_is_valid_for_draft_2020_12_and_draft_07() -> None:
    Draft202012Validator.check_schema(published())
    Draft7Validator.check_schema(published())


def test_the_schema_keeps_to_what_draft_07_editors_understand() -> None:
    keywords: set[str] = set()
    refs: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            keywords.update(node)
            if "$ref" in node:
                refs.append(node["$ref"])
            for key, value in node.items():
                if key not in ("properties", "$defs"):
                    visit(value)
                else:
                    for sub in value.values():
                        visit(sub)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(published())
    assert not keywords & DRAFT7_UNKNOWN
    defs = published()["$defs"]
    assert refs and all(ref.startswith("#/$defs/") and ref[8:] in defs for ref in refs)
    for kind in ("tag", "segment", "application", "event", "preset", "geozone_cluster", "geozone"):
        assert kind in defs


def test_there_are_examples() -> None:
    names = {path.relative_to(EXAMPLES).parts[0] for path in EXAMPLE_FILES}
    assert {"quickstart", "multi-env"} <= names


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_every_example_starts_with_the_modeline_to_the_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = MODELINE.match(first)
    assert match, first
    assert (path.parent / match.group(1)).resolve() == PUBLISHED.resolve()


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_every_example_passes_the_schema_in_both_drafts(path: Path) -> None:
    data = example_data(path)
    strict = Draft202012Validator(published(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert list(strict.iter_errors(data)) == []
    editor = Draft7Validator(published(), format_checker=Draft7Validator.FORMAT_CHECKER)
    assert list(editor.iter_errors(data)) == []
