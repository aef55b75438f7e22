"""The benchmark's generator writes valid, cross-referenced manifests of the size asked for."""

from __future__ import annotations

from pathlib import Path

from bench.validate_bench import generate
from pwconf.manifest import load_desired


def test_generated_manifests_are_valid_and_complete(tmp_path: Path) -> None:
    counts = generate(tmp_path, files=7, entities=300)
    state = load_desired([str(tmp_path)], {}, {})
    assert sum(counts.values()) == 300
    assert state.counts() == {kind: counts.get(kind, 0) for kind in state.counts()}
    assert len(state.files) == 7
