"""Plain helpers for the manifest tests (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

from pwconf.errors import Problem
from pwconf.manifest import Analysis, analyse

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BAD = FIXTURES / "bad"
EXAMPLES = ROOT / "examples"


def run(
    paths: list[str] | None = None,
    variables: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
) -> Analysis:
    """Analyse without any real environment variable leaking in."""
    return analyse(paths or [], variables or {}, env or {})


def find(problems: list[Problem], fragment: str) -> Problem:
    """The first problem whose message holds `fragment`; fails listing every problem otherwise."""
    for problem in problems:
        if fragment in problem.message:
            return problem
    listing = "\n".join(map(str, problems)) or "(no problems)"
    raise AssertionError(f"no problem mentions {fragment!r}; got:\n{listing}")


def where(problem: Problem) -> tuple[int, int]:
    assert problem.position is not None, str(problem)
    return problem.position.line, problem.position.column
