"""Reading manifests into the desired state (manifest format version 1).

    files ─read─▶ text ─loader + values─▶ data (${...} resolved, secrets wrapped) + positions
          ─schema─▶ shape checked ─build─▶ merged DesiredState ─checks─▶ references, expressions

Every stage collects problems instead of stopping, so one run reports them all."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from pwconf.errors import NOWHERE, ManifestError, Problem, UsageError
from pwconf.kinds import REGISTRY
from pwconf.manifest.build import Builder
from pwconf.manifest.files import FileProblem, ManifestFile, discover, display_path, read_text
from pwconf.manifest.loader import YamlProblem, load_document
from pwconf.manifest.positions import Document
from pwconf.manifest.schema import validate_document
from pwconf.manifest.values import NAME_RE, Interpolator
from pwconf.model import DesiredState

__all__ = ["Analysis", "analyse", "load_desired", "parse_variables"]


@dataclass
class Analysis:
    """What `validate` reports: the state built so far and every problem."""

    state: DesiredState
    problems: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems


def load_desired(
    paths: list[str], variables: Mapping[str, str], env: Mapping[str, str]
) -> DesiredState:
    """The desired state of the manifests under `paths`; raises ManifestError with every problem."""
    analysis = analyse(paths, variables, env)
    if not analysis.valid:
        raise ManifestError(analysis.problems)
    return analysis.state


def analyse(paths: list[str], variables: Mapping[str, str], env: Mapping[str, str]) -> Analysis:
    """The manifests under `paths` (default: the current directory), problems sorted by place."""
    var_files = variables.files if isinstance(variables, Variables) else frozenset()
    files, problems = discover(paths, skip=var_files)
    builder = Builder()
    for manifest in files:
        problems.extend(_add_file(manifest, Interpolator(variables, env), builder))
    state = builder.finish([manifest.display for manifest in files])
    problems += builder.problems
    for kind in REGISTRY.values():
        problems += [*kind.pointer_problems(builder), *kind.check(builder)]
    return Analysis(state, sorted(problems, key=lambda p: (p.position or NOWHERE, p.message)))


def _add_file(
    manifest: ManifestFile, interpolator: Interpolator, builder: Builder
) -> list[Problem]:
    """Read and resolve, validate and build one file; its Document is dropped on return."""
    try:
        text = read_text(manifest.path)
        document = load_document(manifest.display, manifest.path, text, interpolator.resolve)
        _check_version(document)
    except FileProblem as exc:
        return [exc.at(manifest.display)]
    found = validate_document(document)  # entities with problems are left out of the build
    builder.add(document, interpolator.failed_paths | {path for path, _ in found})
    return [*interpolator.problems, *(problem for _, problem in found)]


def _check_version(document: Document) -> None:
    """Raises YamlProblem unless the file's data is a mapping with a supported version."""
    data = document.data
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise YamlProblem(
            f"a manifest is a mapping that starts with `version: 1`, but this file holds {kind}",
            document.values[()],
        )
    version = data.get("version", 1)
    if version != 1 or isinstance(version, bool):
        raise YamlProblem(
            f"unsupported manifest version {version!r}; this pwconf reads `version: 1`",
            document.values[("version",)],
        )


# --- variables ----------------------------------------------------------------------------


class Variables(dict[str, str]):
    """NAME → value for ${var:NAME}, and the real paths of the var files they were read from: a
    folder's manifests never include them (Terraform never reads a -var-file as configuration)."""

    files: frozenset[str] = frozenset()


def parse_variables(var_options: list[str], var_files: list[str]) -> dict[str, str]:
    """Variables for ${var:NAME}: var files in order, then --var options (later ones win).
    Raises UsageError for a malformed --var, ManifestError for var-file problems."""
    variables = Variables()
    variables.files = frozenset(os.path.realpath(path) for path in var_files)
    problems: list[Problem] = []
    for var_file in var_files:
        _read_var_file(var_file, variables, problems)
    if problems:
        raise ManifestError(problems)
    for option in var_options:
        name, sep, value = option.partition("=")
        if not sep or not NAME_RE.fullmatch(name):
            raise UsageError(
                f"--var expects NAME=VALUE (NAME made of letters, digits and '_'), got {option!r}"
            )
        variables[name] = value
    return variables


def _read_var_file(path: str, variables: dict[str, str], problems: list[Problem]) -> None:
    """A YAML mapping of NAME: value (strings, numbers or booleans); an empty file defines none."""
    if not os.path.exists(path):
        problems.append(Problem(f"variables file {path!r} does not exist"))
        return
    display = display_path(path)
    try:
        document = load_document(display, path, read_text(path))
    except FileProblem as exc:
        if not exc.message.startswith("the file is empty"):
            problems.append(exc.at(display))
        return
    if not isinstance(document.data, dict):
        problems.append(Problem("a variables file is a mapping of NAME: value", document.where(())))
        return
    for name, value in document.data.items():
        if not NAME_RE.fullmatch(name):
            message = f"variable name {name!r} must be letters, digits and '_'"
            problems.append(Problem(message, document.key_where((name,))))
        elif isinstance(value, bool):
            variables[name] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            variables[name] = str(value)
        else:
            message = f"variable {name!r} must be a string, number or boolean"
            problems.append(Problem(message, document.where((name,))))
