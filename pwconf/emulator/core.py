"""The pure core of the emulator: one Pushwoosh API call in, one answer out, no I/O.

``Emulator(store).handle(method, request) -> (http_status, body, extra_headers)`` answers every
method of the wire contract (§1-§8a); the clock and the calendar are injected so the createMessage
window and filter expiry can be tested without waiting. Checks run in this order, and the first
problem found is the one reported:

1. unknown method (HTTP 404), request not an object (HTTP 400);
2. ``auth``: absent HTTP 401; empty, blank or not a string 210 ``API token or application or
   account is not set``; unknown 210 ``Invalid API Token: Account not found``; of a deleted
   account 210 ``Account not found``;
3. createMessage only: the 600-a-minute window (HTTP 429 with ``Retry-After``);
4. a suspended account: 210 ``Suspended account can not use device filtration`` for createFilter
   and listFilters, ``Account has been suspended`` for every write (all but get* and list*);
5. the method's application: missing 210 ``API token or application is not set``
   (``applicationCode`` for createPreset; createMessage: ``No application or group code
   given``); outside a restricted token HTTP 403; unknown 210 ``Application not found`` for
   get/update/delete/configureApplication, ``Access denied or application not found`` for the
   others; suspended 210 ``Application suspended`` except for getApplication(s),
   deleteApplication and the filter methods;
6. the method's own fields: 210 ``Missing required field: <path>``, ``Invalid <path>: <why>``,
   ``Invalid filter_expression at position N: <problem>``, or naming the entity (``Tag already
   exists``, ``Preset not found``...); createPreset without platforms: ``Please select at least
   one platform``.

[decided] These triggers, where the contract names only the message; and restricted tokens read
account-wide lists (getApplications, listTags, listFilters without ``application``) but creating
or deleting applications, tags or filters is HTTP 403 ``Token restrictions forbid this
operation.``
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pwconf.emulator import answer_shapes
from pwconf.emulator.applications import ApplicationMethods
from pwconf.emulator.fields import (
    ApiError,
    Call,
    Fields,
    Result,
    body,
    fail,
    http_error,
    json_list,
    json_object,
    localized,
    platform_ids,
    string,
)
from pwconf.emulator.presets import PresetMethods
from pwconf.emulator.store import Store

MESSAGES_PER_MINUTE = 600  # createMessage limit [doc]
OVER_PLAN_WARNING = (
    "Warnings: You have exceeded the number of active devices allowed on your current "
    "subscription plan."
)
SUBSCRIBER_LIMIT_WARNING = (
    "Warnings: You have reached the subscriber limit. Push Message will be sent to 1 random "
    "device only"
)
_SEND_DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")


@dataclass(frozen=True)
class _Method:
    handler: Callable[[Emulator, Call], Any]
    writes: bool = False


class Emulator(ApplicationMethods, PresetMethods):
    """Answers API calls over a :class:`Store`. Thread-safe: each call holds ``store.lock``."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], dt.date] = dt.date.today,
        shapes: Iterable[str] = (),
    ) -> None:
        self.store = store
        self.clock = clock
        self.today = today
        self.shapes = answer_shapes.check_shapes(shapes)
        self._message_times: dict[str, deque[float]] = {}

    def reset_rate_limits(self) -> None:
        with self.store.lock:
            self._message_times.clear()

    def handle(self, method: str, request: Any) -> Result:
        """Answer one call: ``(http_status, body, extra_headers)``."""
        spec = METHODS.get(method)
        if spec is None:
            return http_error(404, f"Unknown method: {method}")
        if not isinstance(request, dict):
            return http_error(400, "Malformed request: 'request' must be a JSON object")
        try:
            with self.store.lock:
                call = self._authenticate(request)
                if method == "createMessage":
                    self._count_message_call(call.account.id)
                if call.account.suspended and method in ("createFilter", "listFilters"):
                    fail("Suspended account can not use device filtration")
                if call.account.suspended and spec.writes:
                    fail("Account has been suspended")
                response = spec.handler(self, call)
                if spec.writes:
                    self.store.mark_changed()
                if self.shapes:
                    code = call.request.get("application")
                    app = call.account.applications.get(code) if isinstance(code, str) else None
                    response = answer_shapes.reshape(self.shapes, method, response, app)
        except ApiError as error:
            if answer_shapes.HTTP_210_ERRORS in self.shapes and error.status_code == 210:
                error.http_status = 210
            return error.result()
        message = "OK"
        if call.account.over_plan:
            message = SUBSCRIBER_LIMIT_WARNING if method == "createMessage" else OVER_PLAN_WARNING
        return 200, body(200, message, response), {}

    def _authenticate(self, request: dict[str, Any]) -> Call:
        if "auth" not in request:
            raise ApiError(
                "Authentication failed: request.auth (the server API token) is missing", 401
            )
        auth = request["auth"]
        if not isinstance(auth, str) or not auth.strip():
            fail("API token or application or account is not set")
        token = self.store.tokens.get(auth)
        if token is None:
            fail("Invalid API Token: Account not found")
        account = self.store.accounts.get(token.account_id)
        if account is None:
            fail("Account not found")
        return Call(request, account, token)

    def _count_message_call(self, account_id: str) -> None:
        """Sliding one-minute window of createMessage calls per account [doc: 600 a minute]."""
        now = self.clock()
        times = self._message_times.setdefault(account_id, deque())
        while times and times[0] <= now - 60:
            times.popleft()
        if len(times) >= MESSAGES_PER_MINUTE:
            retry_after = max(1, math.ceil(times[0] + 60 - now))
            # [decided] past the limit: HTTP 429 with Retry-After in whole seconds.
            raise ApiError(
                f"Too many requests: createMessage is limited to {MESSAGES_PER_MINUTE} a minute",
                429, {"Retry-After": str(retry_after)},
            )
        times.append(now)

    # -- messages (§1) -------------------------------------------------------------------------
    def create_message(self, call: Call) -> Any:
        if call.has("application"):
            call.application()
        elif call.has("applications_group"):
            # Groups are not modelled: a restricted token can not be checked against one.
            call.get("applications_group", string)
            call.unrestricted()
        else:
            fail("No application or group code given")
        notifications = call.get("notifications", json_list)
        for index, notification in enumerate(notifications):
            path = f"notifications[{index}]"
            _check_notification(Fields(json_object(notification, path), f"{path}."))
        return {"Messages": [self.store.new_message_code() for _ in notifications]}


def _check_notification(notification: Fields) -> None:
    send_date = notification.get("send_date")
    path = f"{notification.prefix}send_date"
    if send_date != "now":
        if not isinstance(send_date, str) or not _SEND_DATE.match(send_date):
            fail(f"Invalid {path}: expected now or YYYY-MM-DD HH:mm")
        try:
            dt.datetime.strptime(send_date, "%Y-%m-%d %H:%M")
        except ValueError:
            fail(f"Invalid {path}: not a calendar date and time")
    notification.get("content", localized)
    notification.get("platforms", platform_ids, default=None)


# The contract's methods, each answered by the Emulator method of its snake_case name.
# [decided] all but get* and list* are writes, refused to a suspended account.
METHODS: dict[str, _Method] = {
    name: _Method(
        getattr(Emulator, re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()),
        writes=not name.startswith(("get", "list")),
    )
    for name in (
        "createApplication", "updateApplication", "deleteApplication", "getApplication",
        "getApplications", "configureApplication", "addTag", "deleteTag", "listTags",
        "createEvent", "createFilter", "listFilters", "deleteFilter", "createPreset",
        "listPresets", "getPreset", "deletePreset", "createCampaign", "getCampaigns",
        "deleteCampaign", "addGeoZoneCluster", "listGeoZoneClusters", "deleteGeoZoneCluster",
        "addGeoZone", "updateGeoZone", "deleteGeoZone", "listGeoZones", "createMessage",
    )
}
