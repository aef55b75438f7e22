"""`pwconf probe`: check that the account's answers have the shapes pwconf reads (read-only)."""

from __future__ import annotations

import dataclasses
import json
import sys

import click

from pwconf import __version__
from pwconf.cli.options import account_options, color_option, reports_errors, use_color
from pwconf.printable import printable
from pwconf.probe import DIFFERED, EXPECTED, NOT_CALLED, ProbeReport, probe
from pwconf.runner import ConnectOptions, connect
from pwconf.words import counted

JSON_FORMAT_VERSION = 1
OUTCOME_COLOR = {EXPECTED: "green", DIFFERED: "yellow", NOT_CALLED: "white"}


@click.command("probe")
@account_options
@click.option(
    "--app",
    "app_code",
    metavar="CODE",
    help="The application whose lists to read (default: the first getApplications lists).",
)
@click.option("--json", "as_json", is_flag=True, help="The findings as JSON, for a bug report.")
@color_option
@reports_errors
def probe_cmd(
    app_code: str | None, as_json: bool, no_color: bool, connection: ConnectOptions
) -> None:
    """Call each read method pwconf relies on, once, and say where an answer differed from
    the shape pwconf expects. Makes no write call. Exit 1 if an answer could not be read."""
    with connect(connection, []) as conn:
        report = probe(conn.api, app_code)
    if as_json:
        click.echo(json.dumps(report_json(report), indent=2, sort_keys=True))
    else:
        click.echo(report_text(report, use_color(no_color)))
    sys.exit(0 if report.readable else 1)


def report_text(report: ProbeReport, color: bool) -> str:
    width = max(len(finding.label) for finding in report.findings) + 2
    lines = [f"Probed {report.api_url}: {counted(report.calls, 'read call')}, no write.", ""]
    for finding in report.findings:
        outcome = finding.outcome
        if color:
            outcome = click.style(outcome, fg=OUTCOME_COLOR.get(outcome, "red"), bold=True)
        problem = f": {printable(finding.problem)}" if finding.problem else ""
        lines.append(f"  {finding.label.ljust(width)}{outcome}{problem}")
        lines += [f"      {printable(line)}" for line in finding.differences]
    lines += ["", *_summary(report)]
    return "\n".join(lines)


def _summary(report: ProbeReport) -> list[str]:
    differed = [f for f in report.findings if f.outcome == DIFFERED]
    if not report.readable:
        failed = [f for f in report.findings if not f.readable]
        return [
            f"{counted(len(failed), 'answer')} could not be read or the call failed: plan and "
            "apply stop there, before planning anything.",
            "Send the output of `pwconf probe --json` with a bug report (credentials and the "
            "token are masked in it; review it first).",
        ]
    if differed:
        return [
            f"Every answer could be read; {len(differed)} differed from the shape pwconf "
            "expects and were read as shown (README: Answers pwconf accepts).",
            "Please send the output of `pwconf probe --json` with a note, so that pwconf can "
            "expect what the service really answers.",
        ]
    return ["Every answer had the shape pwconf expects."]


def report_json(report: ProbeReport) -> dict:
    return {
        "format_version": JSON_FORMAT_VERSION,
        "pwconf_version": __version__,
        "api_url": report.api_url,
        "calls": report.calls,
        "readable": report.readable,
        "methods": [dataclasses.asdict(finding) for finding in report.findings],
    }
