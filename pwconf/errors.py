"""The one error hierarchy of pwconf: every error raised on purpose derives from PwconfError;
only the CLI turns them into text and exit codes."""

from __future__ import annotations

from dataclasses import dataclass


class PwconfError(Exception):
    """Base class: a problem pwconf can explain to the user."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        if hint:
            self.hint = hint


@dataclass(frozen=True, order=True, slots=True)
class Position:
    """A place in a manifest file; line and column are 1-based. Positions sort by file, line
    and column: the order of the fields."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    @property
    def file_line(self) -> str:
        return f"{self.file}:{self.line}"


NOWHERE = Position("", 0, 0)  # before every place in a file, when sorted


@dataclass(frozen=True)
class Problem:
    """One validation problem, reported with every other one of the same run."""

    message: str
    position: Position | None = None

    def __str__(self) -> str:
        where = f"{self.position}: " if self.position else ""
        return f"{where}error: {self.message}"


class ManifestError(PwconfError):
    """The manifests are not valid; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0] if problems else Problem("invalid manifests")
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{first}{more}")


class UsageError(PwconfError):
    """The command line or environment is not usable as given."""


class StateError(PwconfError):
    """The state file or a saved plan cannot be used."""


class PlanRefused(PwconfError):
    """A safety rule refuses the plan or its application."""


class ApiError(PwconfError):
    """A Pushwoosh call failed; carries the method and the status."""

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        status_code: int | None = None,
        http_status: int | None = None,
        hint: str = "",
    ) -> None:
        super().__init__(message, hint=hint)
        self.method = method
        self.status_code = status_code
        self.http_status = http_status


class ArgumentError(ApiError):
    """Status 210: Pushwoosh rejected an argument; the message says which."""


class PermissionDenied(ApiError):
    """Status 403 (in the body or over HTTP): permission, quota or token restriction."""


class NotFound(ApiError):
    """Status 404: the entity or method does not exist."""


class AuthenticationError(ApiError):
    """HTTP 401: the token is missing or wrong."""

    hint = "check PUSHWOOSH_API_TOKEN (or --token-file)"


class BadRequest(ApiError):
    """HTTP 400: the request was malformed."""


class RateLimited(ApiError):
    """HTTP 429 past the retry budget."""


class ServerError(ApiError):
    """HTTP 5xx past the retry budget."""


class TransportError(ApiError):
    """The connection failed or timed out past the retry budget."""


class OutcomeUnknown(ApiError):
    """A write was sent but its outcome could not be established."""


class UnreadableAnswer(ApiError):
    """An answer pwconf cannot read without guessing: nothing is planned from it."""

    hint = (
        "nothing was planned from this answer; run `pwconf probe --json` and attach its output "
        "to a bug report"
    )

    def __init__(self, method: str, path: str, expected: str, found: str) -> None:
        super().__init__(
            f"{method}: cannot read the answer at {path}: expected {expected}, found {found}",
            method=method,
            status_code=200,
        )
