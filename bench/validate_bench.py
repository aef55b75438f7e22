"""Time `pwconf validate` on a large generated set of manifests.

    python bench/validate_bench.py [--files 500] [--entities 20000]

Generates `files` manifest files holding `entities` entities in a temporary directory (ten
applications, tags of every type, segments with expressions, events, presets, geozone clusters
and geozones, all cross-referenced and valid), then times `load_desired` in this process and
`pwconf validate` in a subprocess (interpreter start and imports included). Target: < 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 5.0
APPS = 10
TAG_TYPES = ("integer", "string", "list", "date", "boolean", "decimal", "version")
TAG_VALUES = {
    "integer": "GTE, 18",
    "string": 'EQ, "gold"',
    "list": 'IN, ["a", "b"]',
    "date": 'GTE, "30 days ago"',
    "boolean": "EQ, true",
    "decimal": "BETWEEN, [1.5, 9.5]",
    "version": 'GTE, "1.2.3"',
}
# Share of each kind among the entities (applications come on top: ten of them).
SHARES = {
    "tag": 0.10,
    "segment": 0.20,
    "event": 0.15,
    "preset": 0.25,
    "geozone_cluster": 0.05,
    "geozone": 0.25,
}


def _entities(total: int) -> list[tuple[str, int]]:
    counts = {kind: max(APPS, int(total * share)) for kind, share in SHARES.items()}
    counts["geozone"] += total - sum(counts.values())
    return [(kind, index) for kind, count in counts.items() for index in range(count)]


def _tag(index: int) -> tuple[str, str]:
    tag_type = TAG_TYPES[index % len(TAG_TYPES)]
    return f"Tag {index}", tag_type


def _segment_text(index: int, tags: int) -> str:
    name, tag_type = _tag(index % tags)
    app = index % APPS
    expression = f'A(@app{app}, ["iOS", "Android"]) * T("{name}", {TAG_VALUES[tag_type]})'
    return f"  segment-{index}:\n    expression: {expression}\n"


def _app_entity_text(kind: str, index: int, counts: dict[str, int]) -> str:
    if kind == "event":
        return (
            f"      Event {index}:\n        description: Event number {index}\n"
            "        track_revenue: true\n        attributes: {amount: price, sku: string}\n"
        )
    if kind == "preset":
        segment = index % counts["segment"]
        return (
            f"      preset-{index}:\n        segment: segment-{segment}\n"
            "        platforms: [iOS, Android]\n        content:\n"
            "          message: {en: Welcome, de: Willkommen}\n          title: Shop\n"
            "        send_rate: 500\n"
        )
    if kind == "geozone_cluster":
        return f"      cluster-{index}: {{cooldown: 3600}}\n"
    app_presets = counts["preset"] // APPS
    app_clusters = counts["geozone_cluster"] // APPS
    preset = (index // APPS % app_presets) * APPS + index % APPS
    cluster = (index // APPS % app_clusters) * APPS + index % APPS
    return (
        f"      zone-{index}:\n        lat: {40 + index % 40 / 100}\n        lng: -74.006\n"
        f"        range: 200\n        cooldown: 3600\n        preset: preset-{preset}\n"
        f"        cluster: cluster-{cluster}\n"
    )


SECTIONS = {
    "event": "events",
    "preset": "presets",
    "geozone_cluster": "geozone_clusters",
    "geozone": "geozones",
}


def generate(directory: Path, files: int = 500, entities: int = 20000) -> dict[str, int]:
    """Write the manifests; returns the number of entities of each kind."""
    plan = _entities(entities - APPS)
    counts: dict[str, int] = {}
    for kind, _ in plan:
        counts[kind] = counts.get(kind, 0) + 1
    per_file: list[list[tuple[str, int]]] = [[] for _ in range(files)]
    for position, entity in enumerate(plan):
        per_file[position % files].append(entity)
    for number, items in enumerate(per_file):
        titled = [app for app in range(APPS) if app % files == number]
        text = _file_text(titled, items, counts)
        (directory / f"manifest-{number:04d}.yaml").write_text(text, encoding="utf-8")
    counts["application"] = APPS
    return counts


def _file_text(titled: list[int], items: list[tuple[str, int]], counts: dict[str, int]) -> str:
    """One manifest: its share of the entities, and the titles of the applications in `titled`."""
    parts = ["version: 1\n"]
    tags = [i for kind, i in items if kind == "tag"]
    if tags:
        parts.append("tags:\n")
        for index in tags:
            name, tag_type = _tag(index)
            parts.append(f"  {name}: {{type: {tag_type}}}\n")
    segments = [i for kind, i in items if kind == "segment"]
    if segments:
        parts.append("segments:\n")
        parts.extend(_segment_text(index, counts["tag"]) for index in segments)
    by_app: dict[int, list[tuple[str, int]]] = {}
    for kind, index in items:
        if kind in SECTIONS:
            by_app.setdefault(index % APPS, []).append((kind, index))
    for app in titled:
        by_app.setdefault(app, [])
    if by_app:
        parts.append("applications:\n")
    for app, entries in sorted(by_app.items()):
        parts.append(f"  app{app}:\n")
        if app in titled:
            parts.append(f"    title: Application {app}\n")
        for kind, section in SECTIONS.items():
            chosen = [index for k, index in entries if k == kind]
            if chosen:
                parts.append(f"    {section}:\n")
                parts.extend(_app_entity_text(kind, index, counts) for index in chosen)
    return "".join(parts)


def run(files: int = 500, entities: int = 20000) -> dict[str, object]:
    """Generate, validate in-process and through the CLI; returns the figures."""
    from pwconf.manifest import load_desired

    with tempfile.TemporaryDirectory(prefix="pwconf-bench-") as tmp:
        directory = Path(tmp)
        started = time.perf_counter()
        counts = generate(directory, files, entities)
        generate_seconds = time.perf_counter() - started

        started, started_cpu = time.perf_counter(), time.process_time()
        state = load_desired([str(directory)], {}, {})
        load_seconds = time.perf_counter() - started
        load_cpu_seconds = time.process_time() - started_cpu

        children_cpu = _children_cpu_seconds()
        started = time.perf_counter()
        completed = subprocess.run(
            [*_pwconf_command(), "validate", str(directory)],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": _repo_path()},
            check=False,
        )
        cli_seconds = time.perf_counter() - started
        cli_cpu_seconds = _children_cpu_seconds() - children_cpu
    return {
        "files": files,
        "entities": sum(counts.values()),
        "entities_loaded": len(state.entities),
        "counts": counts,
        "generate_seconds": round(generate_seconds, 3),
        "load_desired_seconds": round(load_seconds, 3),
        "load_desired_cpu_seconds": round(load_cpu_seconds, 3),
        "cli_validate_seconds": round(cli_seconds, 3),
        "cli_validate_cpu_seconds": round(cli_cpu_seconds, 3),
        "cli_exit_code": completed.returncode,
        "cli_output": completed.stdout.strip().splitlines()[-1:] or completed.stderr.strip(),
        "target_seconds": TARGET_SECONDS,
        "within_target": cli_seconds < TARGET_SECONDS and completed.returncode == 0,
    }


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _pwconf_command() -> list[str]:
    """The installed `pwconf` script beside this interpreter, else the same entry point."""
    script = Path(sys.executable).parent / "pwconf"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from pwconf.cli.main import main; main()"]


def _repo_path() -> str:
    return str(Path(__file__).resolve().parent.parent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--entities", type=int, default=20000)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    figures = run(args.files, args.entities)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{figures['entities']} entities in {figures['files']} files")
    print(
        f"  load_desired (in process):     {figures['load_desired_seconds']:.2f} s"
        f"  (CPU {figures['load_desired_cpu_seconds']:.2f} s)"
    )
    print(
        f"  pwconf validate (subprocess):  {figures['cli_validate_seconds']:.2f} s"
        f"  (CPU {figures['cli_validate_cpu_seconds']:.2f} s)"
    )
    print(
        f"  target:                        < {TARGET_SECONDS:.0f} s  ->  "
        f"{'OK' if figures['within_target'] else 'MISSED'}"
    )
    print(f"  validate said: {figures['cli_output']}")


if __name__ == "__main__":
    sys.path.insert(0, _repo_path())
    main()
