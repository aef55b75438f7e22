"""ApiClient over real loopback HTTP against a scripted server: classification and retries."""

from __future__ import annotations

import random
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from pwconf.api.client import ApiClient, CallResult, is_idempotent_write, parse_retry_after
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _assert_no_token(exc: BaseException, token: str) -> None:
    texts = [str(exc), repr(exc), exc.message if isinstance(exc, ApiError) else ""]
    result = getattr(exc, "result", None)
    texts += [repr(result), *(result.notes if result else ())]
    cause = exc.__cause__
    while cause is not None:
        texts += [str(cause), repr(cause)]
        cause = cause.__cause__
    assert all(token not in text for text in texts)


# ---- success and the request on the wire ------------------------------------------------


def test_success_sends_auth_in_body_and_returns_call_result(scripted, make_client, token):
    scripted.script("getApplications", scripted.ok({"applications": {}, "page": 1, "total": 1}))
    result = make_client(scripted.url).call("getApplications", {"page": 1}, kind="read")
    assert isinstance(result, CallResult)
    assert (result.method, result.http_status, result.status_code) == ("getApplications", 200, 200)
    assert result.response == {"applications": {}, "page": 1, "total": 1}
    assert result.attempts == 1 and result.warnings == () and result.notes == ()
    assert result.duration >= 0
    (call,) = scripted.calls
    assert call.request == {"page": 1, "auth": token}
    assert call.headers["Content-Type"] == "application/json"


def test_warning_on_200_is_success_with_warning(scripted, make_client):
    text = "Warnings: You have reached the subscriber limit. Push Message will be sent to 1 random"
    scripted.script("createMessage", scripted.ok({"Messages": ["A"]}, message=text))
    result = make_client(scripted.url).call("createMessage", {}, kind="write")
    assert result.status_code == 200 and result.warnings == (text,)


def test_kind_must_be_read_or_write(scripted, make_client):
    with pytest.raises(ValueError):
        make_client(scripted.url).call("listTags", {}, kind="delete")  # type: ignore[arg-type]


# ---- failures that are not retried ------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "error", "status_code", "http_status"),
    [
        (("status", 210, "Tag already exists"), ArgumentError, 210, 200),
        (("status", 403, "Quota exceeded"), PermissionDenied, 403, 200),
        (("status", 404, "Preset not found"), NotFound, 404, 200),
        (("http", 400, "Malformed request"), BadRequest, 400, 400),
        (("http", 401, "Authentication failed"), AuthenticationError, 401, 401),
        (("http", 403, "Token restrictions forbid this operation."), PermissionDenied, 403, 403),
        (("http", 404, "Unknown method"), NotFound, 404, 404),
    ],
)
def test_failures_raise_typed_errors_once(
    scripted, make_client, reply, error, status_code, http_status
):
    builder, code, message = reply
    scripted.script("addTag", getattr(scripted, builder)(code, message))
    with pytest.raises(error) as info:
        make_client(scripted.url).call("addTag", {"tag": {"name": "x"}}, kind="read")
    exc = info.value
    assert exc.method == "addTag"
    assert (exc.status_code, exc.http_status) == (status_code, http_status)
    assert message in exc.message
    assert exc.result.message == message  # verbatim
    assert exc.result.attempts == 1 and len(scripted.calls) == 1


def test_http_401_says_to_check_the_token(scripted, make_client):
    scripted.script("listTags", scripted.http(401))
    with pytest.raises(AuthenticationError) as info:
        make_client(scripted.url).call("listTags", {}, kind="read")
    assert "PUSHWOOSH_API_TOKEN" in info.value.hint


def test_unknown_token_210_carries_token_hint(scripted, make_client):
    scripted.script("listTags", scripted.status(210, "Invalid API Token: Account not found"))
    with pytest.raises(ArgumentError) as info:
        make_client(scripted.url).call("listTags", {}, kind="read")
    assert "PUSHWOOSH_API_TOKEN" in info.value.hint


# ---- reads: retries ---------------------------------------------------------------------


def test_read_retried_on_5xx_then_succeeds(scripted, make_client, sleeps):
    scripted.script("listTags", scripted.http(503), scripted.http(502), scripted.ok({"tags": []}))
    result = make_client(scripted.url).call("listTags", {}, kind="read")
    assert result.attempts == 3 and result.response == {"tags": []}
    assert result.notes == ("retried after HTTP 503", "retried after HTTP 502")
    assert len(sleeps.delays) == 2


def test_read_gives_up_after_max_attempts_with_clear_message(scripted, make_client, sleeps):
    scripted.default = lambda method, request: scripted.http(503)
    client = make_client(scripted.url, max_attempts=5)
    with pytest.raises(ServerError) as info:
        client.call("getApplications", {}, kind="read")
    assert str(info.value) == "getApplications failed after 5 attempts: HTTP 503"
    assert info.value.http_status == 503 and info.value.result.attempts == 5
    assert info.value.result.notes == ("retried after HTTP 503 (x4)",)
    assert len(scripted.calls) == 5 and len(sleeps.delays) == 4


def test_backoff_is_exponential_with_full_jitter(scripted, make_client, sleeps):
    scripted.default = lambda method, request: scripted.http(500)
    client = make_client(
        scripted.url, max_attempts=6, backoff_base=0.5, backoff_max=3.0, rng=random.Random(7)
    )
    with pytest.raises(ServerError):
        client.call("listTags", {}, kind="read")
    ceilings = [0.5, 1.0, 2.0, 3.0, 3.0]
    assert len(sleeps.delays) == 5
    assert all(0 <= d <= c for d, c in zip(sleeps.delays, ceilings, strict=True))


def test_429_honours_retry_after(scripted, make_client, sleeps):
    limited = scripted.http(429, "Too many requests", **{"Retry-After": "2"})
    scripted.script("listTags", limited, limited, scripted.ok({"tags": []}))
    result = make_client(scripted.url).call("listTags", {}, kind="read")
    assert sleeps.delays == [2.0, 2.0]
    assert result.attempts == 3
    assert result.notes == ("retried after HTTP 429 (waited 2s for Retry-After) (x2)",)


def test_503_retry_after_is_honoured(scripted, make_client, sleeps):
    scripted.script("listTags", scripted.http(503, **{"Retry-After": "4"}), scripted.ok())
    make_client(scripted.url).call("listTags", {}, kind="read")
    assert sleeps.delays == [4.0]


def test_retry_after_is_capped_by_backoff_max(scripted, make_client, sleeps):
    limited = scripted.http(429, **{"Retry-After": "120"})
    scripted.script("listTags", limited, scripted.ok())
    make_client(scripted.url, backoff_max=1.5).call("listTags", {}, kind="read")
    assert sleeps.delays == [1.5]


def test_429_past_budget_is_rate_limited(scripted, make_client, sleeps):
    scripted.default = lambda m, r: scripted.http(429, **{"Retry-After": "1"})
    with pytest.raises(RateLimited) as info:
        make_client(scripted.url, max_attempts=3).call("listTags", {}, kind="read")
    assert str(info.value) == "listTags failed after 3 attempts: HTTP 429"
    assert sleeps.delays == [1.0, 1.0]


def test_read_retried_after_dropped_connection(scripted, make_client):
    scripted.script("listTags", scripted.DROP, scripted.ok({"tags": []}))
    result = make_client(scripted.url).call("listTags", {}, kind="read")
    assert result.attempts == 2 and "connection dropped" in result.notes[0]


def test_read_retried_after_read_timeout(scripted, make_client):
    scripted.script("listTags", scripted.Reply(200, {}, delay=0.6), scripted.ok({"tags": []}))
    result = make_client(scripted.url, read_timeout=0.2).call("listTags", {}, kind="read")
    assert result.attempts == 2 and result.notes == ("retried after read timed out",)


def test_invalid_json_body_is_a_server_fault(scripted, make_client):
    scripted.default = lambda m, r: scripted.Reply(200, b"<html>oops</html>")
    with pytest.raises(ServerError) as info:
        make_client(scripted.url, max_attempts=2).call("listTags", {}, kind="read")
    assert "without a valid JSON body" in str(info.value)


def test_connection_refused_is_transport_error_after_budget(make_client, sleeps):
    client = make_client(f"http://127.0.0.1:{_free_port()}/json/1.3", max_attempts=3)
    with pytest.raises(TransportError) as info:
        client.call("listTags", {}, kind="read")
    assert str(info.value).startswith("listTags failed after 3 attempts: could not connect")
    assert "Connection refused" in str(info.value)
    assert len(sleeps.delays) == 2 and info.value.__cause__ is None


# ---- writes ---------------------------------------------------------------------------------


def test_is_idempotent_write():
    assert is_idempotent_write("updateApplication") and is_idempotent_write("deleteTag")
    assert is_idempotent_write("configureApplication")
    assert not is_idempotent_write("createFilter") and not is_idempotent_write("addTag")


def test_non_idempotent_write_is_not_retried_after_5xx(scripted, make_client, sleeps):
    scripted.script("createFilter", scripted.http(500))
    with pytest.raises(OutcomeUnknown) as info:
        make_client(scripted.url).call("createFilter", {"name": "f"}, kind="write")
    assert len(scripted.calls) == 1 and sleeps.delays == []
    assert info.value.http_status == 500 and "outcome unknown" in str(info.value)


def test_non_idempotent_write_is_not_retried_after_drop(scripted, make_client):
    scripted.script("addTag", scripted.DROP)
    with pytest.raises(OutcomeUnknown):
        make_client(scripted.url).call("addTag", {"tag": {"name": "t"}}, kind="write")
    assert len(scripted.calls) == 1


def test_write_is_retried_after_429(scripted, make_client, sleeps):
    scripted.script("addTag", scripted.http(429, **{"Retry-After": "3"}), scripted.ok())
    result = make_client(scripted.url).call("addTag", {"tag": {}}, kind="write")
    assert result.attempts == 2 and sleeps.delays == [3.0]


def test_write_is_retried_after_connect_failure(make_client):
    client = make_client(f"http://127.0.0.1:{_free_port()}/json/1.3", max_attempts=2)
    with pytest.raises(TransportError) as info:
        client.call("createFilter", {"name": "f"}, kind="write")
    assert info.value.result.attempts == 2  # nothing was sent, so retrying is safe


def test_idempotent_write_is_retried_after_5xx(scripted, make_client):
    scripted.script("updateApplication", scripted.http(504), scripted.ok())
    result = make_client(scripted.url).call("updateApplication", {"title": "x"}, kind="write")
    assert result.attempts == 2


# ---- delete -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [("status", 210, "Tag not found"), ("status", 404, "Preset not found")],
)
def test_delete_of_missing_entity_is_already_gone(scripted, make_client, reply):
    builder, code, message = reply
    scripted.script("deleteTag", getattr(scripted, builder)(code, message))
    result = make_client(scripted.url).delete("deleteTag", {"tag": {"name": "t"}})
    assert result.notes == ("already gone",)
    assert result.status_code == code and result.message == message


@pytest.mark.parametrize(
    "message",
    ["Access denied or application not found", "Invalid API Token: Account not found"],
)
def test_delete_refused_for_access_problems(scripted, make_client, message):
    scripted.script("deleteTag", scripted.status(210, message))
    with pytest.raises(ArgumentError):
        make_client(scripted.url).delete("deleteTag", {"tag": {"name": "t"}})


def test_delete_http_404_is_not_gone(scripted, make_client):
    scripted.script("deleteTagz", scripted.http(404, "Unknown method"))
    with pytest.raises(NotFound):
        make_client(scripted.url).delete("deleteTagz", {})


def test_delete_retried_after_5xx_then_gone(scripted, make_client):
    scripted.script("deleteFilter", scripted.http(500), scripted.status(210, "Filter not found"))
    result = make_client(scripted.url).delete("deleteFilter", {"name": "f"})
    assert result.attempts == 2 and result.notes == ("retried after HTTP 500", "already gone")


# ---- create -----------------------------------------------------------------------------


def _found(response: object) -> CallResult:
    return CallResult("listX", 200, 200, "OK", response)


def test_create_lost_response_is_read_back_not_repeated(scripted, make_client):
    scripted.script("createFilter", scripted.DROP)
    reads: list[int] = []

    def find() -> CallResult:
        reads.append(1)
        return _found({"name": "f"})

    result = make_client(scripted.url).create("createFilter", {"name": "f"}, find)
    assert len(scripted.calls_to("createFilter")) == 1 and reads == [1]
    assert result.response == {"name": "f"} and result.status_code == 200
    assert result.notes == (
        "outcome unknown after connection dropped: Remote end closed connection without response",
        "outcome confirmed by reading back",
    )


def test_create_not_found_after_5xx_is_tried_again(scripted, make_client):
    scripted.script("addTag", scripted.http(503), scripted.ok({"result": True}))
    result = make_client(scripted.url).create("addTag", {"tag": {}}, lambda: None)
    assert len(scripted.calls_to("addTag")) == 2 and result.response == {"result": True}
    assert result.notes == (
        "outcome unknown after HTTP 503",
        "not found by reading back, so tried again",
    )


def test_create_gives_up_after_budget(scripted, make_client):
    scripted.default = lambda m, r: scripted.http(500)
    with pytest.raises(ServerError) as info:
        make_client(scripted.url, max_attempts=3).create("addTag", {}, lambda: None)
    assert str(info.value) == "addTag failed after 3 attempts: HTTP 500"
    assert len(scripted.calls) == 3


def test_create_read_back_failure_is_outcome_unknown(scripted, make_client):
    scripted.script("addTag", scripted.http(500))

    def find() -> CallResult:
        raise ServerError("listTags failed after 5 attempts: HTTP 503", method="listTags")

    with pytest.raises(OutcomeUnknown) as info:
        make_client(scripted.url).create("addTag", {}, find)
    assert "reading back failed" in str(info.value) and len(scripted.calls) == 1


def test_create_without_read_already_exists_on_retry_is_success(scripted, make_client):
    scripted.script("createEvent", scripted.DROP, scripted.status(210, "Event already exists"))
    result = make_client(scripted.url).create("createEvent", {"name": "e"}, None)
    assert result.notes[-1] == "already existed" and result.attempts == 2


def test_create_without_read_already_exists_first_time_is_error(scripted, make_client):
    scripted.script("createEvent", scripted.status(210, "Event already exists"))
    with pytest.raises(ArgumentError):
        make_client(scripted.url).create("createEvent", {"name": "e"}, None)


def test_create_without_read_exhausted_is_outcome_unknown(scripted, make_client):
    scripted.default = lambda m, r: scripted.http(502)
    with pytest.raises(OutcomeUnknown):
        make_client(scripted.url, max_attempts=2).create("createEvent", {"name": "e"}, None)


def test_create_retried_after_429_without_read_back(scripted, make_client):
    scripted.script("addTag", scripted.http(429, **{"Retry-After": "1"}), scripted.ok())
    reads: list[int] = []
    make_client(scripted.url).create("addTag", {}, lambda: reads.append(1))
    assert reads == [] and len(scripted.calls) == 2


# ---- the token never shows --------------------------------------------------------------


def test_token_masked_in_errors_and_reprs(scripted, make_client, token):
    scripted.script("listTags", scripted.status(210, f"Bad token {token}"))
    client = make_client(scripted.url)
    with pytest.raises(ArgumentError) as info:
        client.call("listTags", {}, kind="read")
    _assert_no_token(info.value, token)
    assert "***" in str(info.value)
    assert token not in repr(client) and token not in str(client)


def test_token_absent_from_transport_errors(make_client, token):
    client = make_client(f"http://127.0.0.1:{_free_port()}/json/1.3", max_attempts=1)
    with pytest.raises(TransportError) as info:
        client.call("addTag", {"tag": {}}, kind="write")
    _assert_no_token(info.value, token)


# ---- concurrency ------------------------------------------------------------------------


def test_sixteen_threads_share_one_client(scripted, make_client):
    seen: set[str] = set()
    lock = threading.Lock()

    def answer(method, request):
        with lock:
            seen.add(threading.current_thread().name)
        return scripted.ok({"echo": request["n"]})

    scripted.default = answer
    client = make_client(scripted.url, workers=16)
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda n: client.call("getX", {"n": n}, kind="read"), range(64)))
    assert [r.response["echo"] for r in results] == list(range(64))
    assert len(seen) > 1  # the calls really ran side by side


# ---- Retry-After parsing ----------------------------------------------------------------


def test_parse_retry_after():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("0.5") == 0.5
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_client_repr_masks_token(token):
    client = ApiClient("https://api.example.com/json/1.3/", token)
    try:
        assert repr(client) == (
            "ApiClient(base_url='https://api.example.com/json/1.3', token='***', workers=10)"
        )
    finally:
        client.close()
