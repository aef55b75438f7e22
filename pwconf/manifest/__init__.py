"""Reading manifests into the desired state (manifest format version 1).

    files ─read─▶ text ─loader─▶ data + positions ─values─▶ ${...} resolved, secrets wrapped
          ─schema─▶ shape checked ─build─▶ merged DesiredState ─checks─▶ references, expressions

Every stage collects problems instead of stopping, so one run reports them all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from pwconf.errors import ManifestError, Position, Problem, UsageError
from pwconf.manifest.build import Builder, Source
from pwconf.manifest.checks import CheckContext, check_state
from pwconf.manifest.files import (
    FileProblem,
    ManifestFile,
    discover,
    display_path,
    problem_at,
    read_text,
)
from pwconf.manifest.loader import YamlProblem, load_document
from pwconf.manifest.positions import Document
from pwconf.manifest.schema import validate_document
from pwconf.manifest.values import NAME_RE, Interpolator
from pwconf.model import DesiredState

__all__ = ["Analysis", "analyse", "load_desired", "parse_variables"]


@dataclass
class Analysis:
    """What `validate` reports: the state built so far, every problem, the files read."""

    state: DesiredState
    problems: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(problem.severity == "error" for problem in self.problems)


def load_desired(
    paths: list[str],
    variables: Mapping[str, str],
    env: Mapping[str, str] = os.environ,
) -> DesiredState:
    """The desired state of the manifests under `paths` (default: the current directory).

    Raises ManifestError with every problem found, sorted by file, line and column.
    """
    analysis = analyse(paths, variables, env)
    if not analysis.valid:
        raise ManifestError(analysis.problems)
    return analysis.state


def analyse(
    paths: list[str],
    variables: Mapping[str, str],
    env: Mapping[str, str] = os.environ,
) -> Analysis:
    return _analyse(paths, variables, env)


def _analyse(paths: list[str], variables: Mapping[str, str], env: Mapping[str, str]) -> Analysis:
    var_files = variables.files if isinstance(variables, Variables) else frozenset()
    files, problems = discover(list(paths), skip=var_files)
    interpolator = Interpolator(variables, env)
    builder = Builder()
    for manifest in files:
        problems.extend(_add_file(manifest, interpolator, builder))
    built = builder.finish([manifest.display for manifest in files])
    problems.extend(built.problems)
    context = CheckContext(built.broken, built.expressions, built.locate)
    problems.extend(check_state(built.state, context))
    return Analysis(built.state, sorted(problems, key=_problem_order))


def _add_file(
    manifest: ManifestFile, interpolator: Interpolator, builder: Builder
) -> list[Problem]:
    """Read, resolve, validate and build one file; its Document is dropped on return."""
    document, problems = _read(manifest.path, manifest.display)
    if document is None:
        return problems
    problems.extend(interpolator.resolve_document(document))
    result = validate_document(document)
    problems.extend(result.problems)
    builder.add(Source(document, result.error_paths | interpolator.failed_paths))
    return problems


def _read(path: str, display: str) -> tuple[Document | None, list[Problem]]:
    """A file as a Document whose data is a mapping with a supported version."""
    document, problems = _load(path, display)
    if document is None:
        return None, problems
    data = document.data
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        message = (
            f"a manifest is a mapping that starts with `version: 1`, but this file holds {kind}"
        )
        return None, [Problem(message, document.where(()))]
    version = data.get("version", 1)
    if version != 1 or isinstance(version, bool):
        message = f"unsupported manifest version {version!r}; this pwconf reads `version: 1`"
        return None, [Problem(message, document.where(("version",)))]
    return document, []


def _load(
    path: str, display: str, *, empty_ok: bool = False
) -> tuple[Document | None, list[Problem]]:
    """The file parsed, or the problem that stopped it (none for an empty file if empty_ok)."""
    try:
        return load_document(display, path, read_text(path)), []
    except FileProblem as exc:
        return None, [problem_at(display, exc)]
    except YamlProblem as exc:
        if empty_ok and exc.message.startswith("the file is empty"):
            return None, []
        return None, [Problem(exc.message, Position(display, exc.line, exc.column))]


def _problem_order(problem: Problem) -> tuple[str, int, int, str]:
    position = problem.position
    if position is None:
        return ("", 0, 0, problem.message)
    return (position.file, position.line, position.column, problem.message)


# --- variables ----------------------------------------------------------------------------


class Variables(dict[str, str]):
    """NAME → value for ${var:NAME}, and the var files they were read from (real paths).

    A var file inside a manifest folder is not read as a manifest when that folder is walked,
    as Terraform never reads a -var-file as configuration: `--var-file manifests/staging.yaml`
    works like `--var-file vars/staging.yaml`.
    """

    def __init__(self, files: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.files = files


def parse_variables(var_options: list[str], var_files: list[str]) -> dict[str, str]:
    """Variables for ${var:NAME}: var files in order, then --var options (later ones win).

    A var file is a YAML mapping of NAME: value (strings, numbers or booleans).
    Raises UsageError for a malformed --var, ManifestError for var-file problems.
    """
    variables = Variables(frozenset(os.path.realpath(path) for path in var_files))
    problems: list[Problem] = []
    for var_file in var_files:
        variables.update(_read_var_file(var_file, problems))
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


def _read_var_file(path: str, problems: list[Problem]) -> dict[str, str]:
    display = display_path(path)
    if not os.path.exists(path):
        problems.append(Problem(f"variables file {path!r} does not exist"))
        return {}
    document, file_problems = _read_var_document(path, display)
    problems.extend(file_problems)
    if document is None:
        return {}
    variables: dict[str, str] = {}
    for name, value in document.data.items():
        where = document.key_where((name,))
        if not NAME_RE.fullmatch(name):
            problems.append(
                Problem(f"variable name {name!r} must be letters, digits and '_'", where)
            )
        elif isinstance(value, bool):
            variables[name] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            variables[name] = str(value)
        else:
            problems.append(
                Problem(
                    f"variable {name!r} must be a string, number or boolean",
                    document.where((name,)),
                )
            )
    return variables


def _read_var_document(path: str, display: str) -> tuple[Document | None, list[Problem]]:
    document, problems = _load(path, display, empty_ok=True)
    if document is None:
        return None, problems
    if not isinstance(document.data, dict):
        message = "a variables file is a mapping of NAME: value"
        return None, [Problem(message, document.where(()))]
    return document, []
