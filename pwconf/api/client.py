"""The client: per-method retry policy and typed errors over pooled connections (http.py).

Every method is `POST {base}/{method}` with `{"request": {..., "auth": token}}` and most errors
arrive inside HTTP 200 bodies, so the retry policy lives here (contract §9):

- reads are retried on connection errors, 429 and 500/502/503/504;
- writes always after a connect failure (nothing was sent) or a 429, and after an unknown
  outcome only when idempotent; creates (`create()`) read the entity back before trying again;
- the token never appears in a message, note or repr.
"""

from __future__ import annotations

import email.utils
import enum
import itertools
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from pwconf.api.http import Reply, Timeouts, Transport, TransportFailure
from pwconf.api.settings import MASK, Network
from pwconf.errors import (
    ApiError,
    ArgumentError,
    AuthenticationError,
    BadRequest,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
    RateLimited,
    ServerError,
    TransportError,
)
from pwconf.model import Secret
from pwconf.printable import printable

Kind = Literal["read", "write"]
DEFAULT_TIMEOUTS = Timeouts()
ALREADY_GONE = "already gone"  # the note of a delete that found nothing to delete


@dataclass(frozen=True)
class CallResult:
    """What one call did over all its attempts; also the `result` of the ApiError it raised."""

    method: str
    http_status: int | None
    status_code: int | None
    message: str
    response: Any
    warnings: tuple[str, ...] = ()
    duration: float = 0.0
    attempts: int = 0
    notes: tuple[str, ...] = ()


class _Verdict(enum.Enum):
    SUCCESS = "success"
    FAILED = "failed"  # final: the server answered, retrying changes nothing
    SAFE_RETRY = "safe_retry"  # nothing was done: connect failure or 429
    UNKNOWN = "unknown"  # the request may or may not have taken effect


@dataclass(frozen=True)
class _Outcome:
    """One attempt, classified."""

    verdict: _Verdict
    label: str  # short cause for notes and messages: "HTTP 503", "read timed out"
    error: type[ApiError] = ApiError
    http_status: int | None = None
    status_code: int | None = None
    message: str = ""
    response: Any = None
    retry_after: float | None = None
    hint: str = ""


@dataclass
class _Tracker:
    """Attempts, notes and elapsed time of one logical call."""

    method: str
    started: float = field(default_factory=time.monotonic)
    attempts: int = 0
    notes: list[str] = field(default_factory=list)

    def result(self, outcome: _Outcome, *, extra_note: str = "") -> CallResult:
        if extra_note:
            self.notes.append(extra_note)
        runs = [(text, len(list(run))) for text, run in itertools.groupby(self.notes)]
        warning = outcome.status_code == 200 and outcome.message.startswith("Warnings:")
        return CallResult(
            method=self.method,
            http_status=outcome.http_status,
            status_code=outcome.status_code,
            message=outcome.message,
            response=outcome.response,
            warnings=(outcome.message,) if warning else (),
            duration=time.monotonic() - self.started,
            attempts=self.attempts,
            notes=tuple(text if n == 1 else f"{text} (x{n})" for text, n in runs),
        )


class ApiClient:
    """A thread-safe client for the Pushwoosh JSON API (up to `workers` pooled connections)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        workers: int = 10,
        network: Network | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        max_attempts: int = 5,
        backoff_base: float = 0.25,
        backoff_max: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        # an empty token is left out, so the server answers HTTP 401 "authentication missing"
        self._auth = {"auth": token} if token.strip() else {}
        self.workers = max(1, workers)
        self.max_attempts = max(1, max_attempts)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._transport = Transport(self.base_url, network or Network(), self.workers, timeouts)

    def __repr__(self) -> str:
        return f"ApiClient(base_url={self.base_url!r}, token={MASK!r}, workers={self.workers})"

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._transport.close()

    def account_fingerprint(self, salt: str, url: str | None = None) -> str:
        """Which account a state file belongs to, without the token: an HMAC keyed with the
        state's random salt over the API URL (`url`, default the base URL) and the token."""
        return Secret(f"{url or self.base_url}\n{self._token}").fingerprint(salt)

    def redact(self, text: str) -> str:
        """`text` with the token masked."""
        return text.replace(self._token, MASK) if self._auth else text

    def call(self, method: str, fields: dict[str, Any], *, kind: Kind) -> CallResult:
        """One method call with the retry policy of its kind; raises a typed ApiError."""
        if kind not in ("read", "write"):
            raise ValueError(f"kind must be 'read' or 'write', not {kind!r}")
        retry_unknown = kind == "read" or is_idempotent_write(method)
        return self._run(method, fields, retry_unknown=retry_unknown)

    def delete(self, method: str, fields: dict[str, Any]) -> CallResult:
        """An idempotent delete; an entity already gone is a success noted "already gone",
        its result keeping the server's status (210 or 404) and message."""
        try:
            return self.call(method, fields, kind="write")
        except (ArgumentError, NotFound) as exc:
            result: CallResult | None = getattr(exc, "result", None)
            if result is None or not means_gone(result):
                raise
            return replace(result, notes=(*result.notes, ALREADY_GONE))

    def create(
        self,
        method: str,
        fields: dict[str, Any],
        find_existing: Callable[[], CallResult | None] | None,
    ) -> CallResult:
        """A create never blindly repeated: after an unknown outcome `find_existing()` reads the
        entity back first (found: "outcome confirmed by reading back"; else tried again). Without
        it (createEvent, which has no read) the server refuses a duplicate: its 210 "... already
        exists" after an unknown outcome counts as success, noted "already existed"."""
        return self._run(method, fields, retry_unknown=True, creating=True, find=find_existing)

    def _run(
        self,
        method: str,
        fields: dict[str, Any],
        *,
        retry_unknown: bool,
        creating: bool = False,
        find: Callable[[], CallResult | None] | None = None,
    ) -> CallResult:
        """The one retry loop, until success, a final failure or the attempts run out.
        `creating`: a 210 "already exists" after an unknown outcome means it took effect."""
        track = _Tracker(method)
        body = json.dumps({"request": {**fields, **self._auth}}, separators=(",", ":")).encode()
        after_unknown = False
        while True:
            outcome = self._attempt(method, body, track)
            if outcome.verdict is _Verdict.SUCCESS:
                return track.result(outcome)
            if creating and after_unknown and _already_exists(outcome):  # an attempt took effect
                if find is None:
                    return track.result(outcome, extra_note="already existed")
                if (found := self._read_back(outcome, track, find)) is not None:
                    return found
            if outcome.verdict is _Verdict.FAILED:
                raise self._error(outcome, track)
            if outcome.verdict is _Verdict.UNKNOWN:
                after_unknown = True
                if find is not None:
                    # give a slow server time to finish before reading back
                    note = f"outcome unknown after {outcome.label}"
                    self._sleep(self._delay(outcome, track, note))
                    if (found := self._read_back(outcome, track, find)) is not None:
                        return found
                    if track.attempts >= self.max_attempts:
                        raise self._error(outcome, track)
                    track.notes.append("not found by reading back, so tried again")
                    continue
                if not retry_unknown:
                    why = "the write is not idempotent, so not retried"
                    raise self._error(outcome, track, why_unknown=why)
            if track.attempts >= self.max_attempts:
                if creating and after_unknown and find is None:
                    why = f"gave up after {track.attempts} attempts"
                    raise self._error(outcome, track, why_unknown=why)
                raise self._error(outcome, track)
            self._sleep(self._delay(outcome, track))

    def _attempt(self, method: str, body: bytes, track: _Tracker) -> _Outcome:
        track.attempts += 1
        try:
            outcome = _http_outcome(self._transport.post(method, body))
        except TransportFailure as failure:
            outcome = _transport_outcome(failure)
        message = self.redact(outcome.message)
        return outcome if message == outcome.message else replace(outcome, message=message)

    def _delay(self, outcome: _Outcome, track: _Tracker, note: str = "") -> float:
        """Seconds before the next attempt, noted: Retry-After (capped) if given, else jitter."""
        note = note or f"retried after {outcome.label}"
        if outcome.retry_after is not None:
            delay = min(outcome.retry_after, self.backoff_max)
            note = f"{note} (waited {delay:g}s for Retry-After)"
        else:
            ceiling = min(self.backoff_max, self.backoff_base * 2 ** (track.attempts - 1))
            delay = self._rng.uniform(0.0, ceiling)
        track.notes.append(note)
        return delay

    def _read_back(
        self, outcome: _Outcome, track: _Tracker, find: Callable[[], CallResult | None]
    ) -> CallResult | None:
        try:
            found = find()
        except ApiError as exc:
            why = f"reading back failed: {exc.message}"
            raise self._error(outcome, track, why_unknown=why) from exc
        if found is None:
            return None
        confirmed = _Outcome(
            _Verdict.SUCCESS, "confirmed", http_status=found.http_status, status_code=200,
            message="OK", response=found.response,
        )  # fmt: skip
        return track.result(confirmed, extra_note="outcome confirmed by reading back")

    def _error(self, outcome: _Outcome, track: _Tracker, *, why_unknown: str = "") -> ApiError:
        """The error ending a call: with `why_unknown`, an outcome left unknown; else the
        server's final answer (a FAILED outcome) or, for any other, the attempts run out."""
        method, cls = track.method, outcome.error
        if why_unknown:
            text = f"{method}: outcome unknown after {outcome.label}; {why_unknown}"
            cls = OutcomeUnknown
        elif outcome.verdict is _Verdict.FAILED:
            status = "" if outcome.http_status in (None, 200) else f"HTTP {outcome.http_status}: "
            text = f"{method}: {status}{outcome.message}"
        else:
            text = f"{method} failed after {track.attempts} attempts: {outcome.label}"
        exc = cls(
            self.redact(text),
            method=method,
            status_code=outcome.status_code,
            http_status=outcome.http_status,
            hint=AuthenticationError.hint if refuses_token(outcome) else outcome.hint,
        )
        exc.result = track.result(outcome)  # type: ignore[attr-defined]
        return exc


def is_idempotent_write(method: str) -> bool:
    """update*, delete* and configureApplication may be repeated safely."""
    return method.startswith(("update", "delete")) or method == "configureApplication"


def means_gone(failed: CallResult) -> bool:
    """A delete's failure saying the entity does not exist (§9): body status 404, or 210 "not
    found" unless about the account, the token or access. HTTP 404 (unknown method) is not."""
    if failed.status_code == 404:
        return failed.http_status == 200
    text = failed.message.lower()
    if failed.status_code != 210 or "not found" not in text:
        return False
    return not any(word in text for word in ("account", "access denied", "token"))


def _already_exists(outcome: _Outcome) -> bool:
    return outcome.status_code == 210 and "already exists" in outcome.message.lower()


def refuses_token(outcome: _Outcome | CallResult) -> bool:
    """A 210 saying the API token or its account is not accepted (an HTTP 401 is an
    AuthenticationError of its own)."""
    if outcome.http_status == 401:
        return False
    text = outcome.message.lower()
    return outcome.status_code == 210 and ("api token" in text or "account not found" in text)


_BODY_ERRORS = {210: ArgumentError, 403: PermissionDenied, 404: NotFound}
_HTTP_ERRORS = {
    400: BadRequest, 401: AuthenticationError, 403: PermissionDenied, 404: NotFound,
    429: RateLimited,
}  # fmt: skip
# the HTTP errors retried (any other is final): nothing was done, or the outcome is unknown
_HTTP_RETRIED = {429: _Verdict.SAFE_RETRY, **dict.fromkeys((500, 502, 503, 504), _Verdict.UNKNOWN)}


def _http_outcome(reply: Reply) -> _Outcome:
    """An answer by its HTTP status; one of HTTP 200 (or 210) by the status_code in its body."""
    status = reply.status
    code, message, response = _parse_body(reply.body)
    if status == 210 and code is None:  # [decided] an error some servers carry in the HTTP status
        code, message, response = 210, "", None  # (§11)
    if status == 200 and code is None:
        return _Outcome(
            _Verdict.UNKNOWN, "HTTP 200 without a valid JSON body", ServerError,
            http_status=200, message="invalid response body",
        )  # fmt: skip
    message = message or printable(reply.reason or "HTTP error").strip()
    if status in (200, 210):
        verdict = _Verdict.SUCCESS if code == 200 else _Verdict.FAILED
        if code >= 500:
            verdict = _Verdict.UNKNOWN
        error = _BODY_ERRORS.get(code, ServerError if code >= 500 else ApiError)
        return _Outcome(
            verdict, f"status {code}", error, http_status=status, status_code=code,
            message=message, response=response,
        )  # fmt: skip
    if 300 <= status < 400:
        message = "redirect not followed: the token goes to the configured API URL only"
    verdict = _HTTP_RETRIED.get(status, _Verdict.FAILED)
    error = _HTTP_ERRORS.get(status, ServerError if status >= 500 else ApiError)
    retry_after = None if verdict is _Verdict.FAILED else parse_retry_after(reply.retry_after)
    return _Outcome(
        verdict, f"HTTP {status}", error, http_status=status, status_code=code, message=message,
        retry_after=retry_after,
    )  # fmt: skip


def _parse_body(data: bytes) -> tuple[int | None, str, Any]:
    """The status_code, status_message and response of a JSON body (None, "", None if not)."""
    try:
        body = json.loads(data)
    except ValueError:  # UnicodeDecodeError included
        return None, "", None
    if not isinstance(body, dict):
        return None, "", None
    code, message = body.get("status_code"), body.get("status_message")
    return (
        code if type(code) is int else None,
        printable(message) if isinstance(message, str) else "",
        body.get("response"),
    )


def _transport_outcome(failure: TransportFailure) -> _Outcome:
    # a request that was never sent (no connection) is safe to try again
    verdict = _Verdict.UNKNOWN if failure.sent else _Verdict.SAFE_RETRY
    if failure.final:
        verdict = _Verdict.FAILED
    text = failure.description
    return _Outcome(verdict, text, TransportError, message=text, hint=failure.hint)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None if absent or not
    one of those (`nan`, `inf` and negative numbers included: the backoff applies instead)."""
    if not value:
        return None
    try:
        seconds = float(value)
        return seconds if 0 <= seconds < float("inf") else None
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    when = when.replace(tzinfo=when.tzinfo or UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
