"""The probe: each read method pwconf relies on, asked once (only `get*` and `list*`), its
answer read through the shape pwconf expects (api/shapes.py) and every place it differed noted:
one page of each list, one getApplication and one getPreset of one application (the first listed,
or the one asked for), and one getApplication of a code no account has, to see how an error
answer arrives. The answers kept for a bug report are redacted (see `redact`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pwconf.api.client import CallResult, refuses_token
from pwconf.api.pushwoosh import Pushwoosh, Read, Reads, page_titles
from pwconf.api.settings import MASK
from pwconf.api.shapes import APPLICATION, Difference
from pwconf.errors import (
    ApiError,
    ArgumentError,
    AuthenticationError,
    NotFound,
    TransportError,
    UnreadableAnswer,
)

EXPECTED = "as expected"
DIFFERED = "differed"
UNREADABLE = "unreadable"
FAILED = "failed"
NOT_CALLED = "not called"

UNKNOWN_CODE = "00000-00000"  # an application code no account has, for the error check
LISTED_ITEMS = 3  # items of a list kept in a finding's answer
# getApplication keys whose values pwconf reads (its shape's keys and their other names), and
# the documented icon_url; every other value of that answer is masked.
APPLICATION_KEYS = frozenset({"icon_url", *APPLICATION.keys}).union(
    *(key.aliases for key in APPLICATION.keys.values())
)
CREDENTIAL_KEY = re.compile(
    r"pass|secret|key|token|cert|auth|credential|private|p12|appid|fcm|gcm|apns", re.I
)


@dataclass(frozen=True)
class Finding:
    """What one call showed."""

    label: str  # the method, qualified where it is asked twice: "listFilters (application X)"
    method: str
    request: dict[str, Any]  # the fields sent, the token left out
    outcome: str  # EXPECTED, DIFFERED, UNREADABLE, FAILED or NOT_CALLED
    differences: tuple[str, ...] = ()
    problem: str = ""  # why it could not be read, failed or was not called
    http_status: int | None = None
    answer: Any = None  # the answer's `response`, redacted and shortened

    @property
    def readable(self) -> bool:
        return self.outcome in (EXPECTED, DIFFERED, NOT_CALLED)


@dataclass
class ProbeReport:
    api_url: str
    findings: list[Finding] = field(default_factory=list)
    calls: int = 0

    @property
    def readable(self) -> bool:
        """Every answer could be read (some perhaps as a documented variant)."""
        return all(finding.readable for finding in self.findings)


def probe(api: Pushwoosh, app: str | None = None) -> ProbeReport:
    """Ask each read method once; `app`: the application to read (default: the first listed)."""
    return _Probe(api).run(app)


class _Probe:
    def __init__(self, api: Pushwoosh) -> None:
        self.api = api
        self.redact = api.client.redact
        self.report = ProbeReport(api.client.base_url)

    def run(self, app: str | None) -> ProbeReport:
        page = self.ask(Reads.get_applications(1))
        self.ask(Reads.list_tags())
        if app is None and page:
            app = next(iter(page_titles(page)), None)  # the first application listed
        self.ask_filters(app)
        listing = Reads.list_presets(app)
        per_application = [
            Reads.get_application(app),
            Reads.get_campaigns(app),  # the first page: a plan may lack the methods
            listing,
            Reads.list_clusters(app),
            Reads.list_geozones(app),
        ]
        if app is None:
            why = "the account has no application" if page else "getApplications could not be read"
            for method in [read.method for read in per_application] + ["getPreset"]:
                self.skip(method, why)
        else:
            answers = {read.method: self.ask(read) for read in per_application}
            presets = answers[listing.method]
            if presets is None:
                self.skip("getPreset", "no preset code: listPresets could not be read")
            elif presets[listing.key]:
                first = presets[listing.key][0]
                self.ask(Reads.get_preset(first["code"], listed_row=first))
            else:
                self.skip("getPreset", f"application {app} has no preset")
        self.ask_error_answer()
        return self.report

    def send(
        self, read: Read, label: str, expected: tuple[type[ApiError], ...] = ()
    ) -> CallResult | None:
        """One read call (never anything but a read); an error other than `expected` is
        noted as a failure and gives None."""
        if not read.method.startswith(("get", "list")):
            raise ValueError(f"the probe never calls {read.method}")
        self.report.calls += 1
        try:
            return self.api.send(read)
        except expected:
            raise
        except ApiError as exc:
            # a failure no other call gets past (no connection, a refused token, also when
            # refused in a 210) ends the probe, reported once as the error it is
            result = getattr(exc, "result", None)
            token_refused = result is not None and refuses_token(result)
            if isinstance(exc, TransportError | AuthenticationError) or token_refused:
                raise
            self.note(read, label, FAILED, problem=exc.message, http_status=exc.http_status)
            return None

    def ask(self, read: Read, label: str = "", expected: tuple[type[ApiError], ...] = ()) -> Any:
        """Call a read and note what its answer showed; its checked response, or None."""
        label = label or read.method
        result = self.send(read, label, expected)
        if result is None:
            return None
        answer = redact(result.response, self.redact, application=read.method == "getApplication")
        try:
            checked = read.check(result.response)
        except UnreadableAnswer as exc:
            self.note(read, label, UNREADABLE, problem=exc.message,
                      http_status=result.http_status, answer=answer)  # fmt: skip
            return None
        differences = grouped(checked.differences)
        self.note(read, label, DIFFERED if differences else EXPECTED, differences=differences,
                  http_status=result.http_status, answer=answer)  # fmt: skip
        return checked.response

    def ask_filters(self, app: str | None) -> None:
        """listFilters without `application`; if refused, the same per application (§11)."""
        try:
            self.ask(Reads.list_filters(), expected=(ArgumentError,))
        except ArgumentError as exc:
            refused = (
                f"the call without application was refused ({exc.message}); "
                "pwconf then lists the filters of each application"
            )
            self.note(Reads.list_filters(), "listFilters", DIFFERED, differences=(refused,),
                      http_status=exc.http_status)  # fmt: skip
            if app is not None:
                self.ask(Reads.list_filters(app), f"listFilters (application {app})")

    def ask_error_answer(self) -> None:
        """getApplication of a code no account has: the contract expects HTTP 200 carrying
        status_code 210 (or 404); anything else is noted."""
        read = Reads.get_application(UNKNOWN_CODE)
        label = "getApplication (unknown code)"
        try:
            result = self.send(read, label, (ArgumentError, NotFound))
        except (ArgumentError, NotFound) as exc:
            if exc.http_status == 200:
                self.note(read, label, EXPECTED, http_status=200)
            else:
                how = (f"the error came with HTTP status {exc.http_status} and status_code "
                       f"{exc.status_code} ({exc.message}); read as the same error")  # fmt: skip
                self.note(read, label, DIFFERED, differences=(how,), http_status=exc.http_status)
            return
        if result is not None:
            how = "answered success for an application that does not exist"
            self.note(read, label, DIFFERED, differences=(how,), http_status=200)

    def skip(self, method: str, why: str) -> None:
        self.report.findings.append(Finding(method, method, {}, NOT_CALLED, problem=why))

    def note(self, read: Read, label: str, outcome: str, **details: Any) -> None:
        problem = self.redact(details.pop("problem", ""))
        differences = tuple(self.redact(d) for d in details.pop("differences", ()))
        self.report.findings.append(Finding(
            label, read.method, dict(read.fields), outcome, differences, problem, **details
        ))  # fmt: skip


def grouped(differences: tuple[Difference, ...]) -> tuple[str, ...]:
    """One line per place and kind of difference: list positions and keys the server chooses
    become `[*]`, and a repeat is counted rather than listed again."""
    lines: dict[tuple[str, str], list[Any]] = {}
    for difference in differences:
        key = (re.sub(r'\[(\d+|"[^"]*")\]', "[*]", difference.path), difference.read_as)
        lines.setdefault(key, [difference.found, 0])[1] += 1
    return tuple(
        f"{path}: {found}; read as {read_as}" + (f" (and {n - 1} more like it)" if n > 1 else "")
        for (path, read_as), (found, n) in lines.items()
    )


def redact(value: Any, mask_text: Callable[[str], str], *, application: bool = False) -> Any:
    """`value` fit for a bug report: credential values masked, lists shortened, the token
    masked wherever it appears (`mask_text`). `application`: a getApplication answer, whose
    values pwconf does not read are masked too."""

    def walk(item: Any, in_application: bool = False) -> Any:
        if isinstance(item, dict):
            return {
                key: MASK if _hidden(key, inner, in_application)
                else walk(inner, application and key == "application" and not in_application)
                for key, inner in item.items()
            }  # fmt: skip
        if isinstance(item, list):
            kept = [walk(inner) for inner in item[:LISTED_ITEMS]]
            more = len(item) - LISTED_ITEMS
            return kept + ([f"... {more} more"] if more > 0 else [])
        if isinstance(item, str):
            return mask_text(item)
        return item

    return walk(value)


def _hidden(key: str, value: Any, in_application: bool) -> bool:
    """A value to mask; an empty one is shown: it says the key is empty."""
    if value in (None, "", {}, []) or isinstance(value, bool):
        return False
    return (in_application and key not in APPLICATION_KEYS) or bool(CREDENTIAL_KEY.search(key))
