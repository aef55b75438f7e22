"""A tiny raw-HTTP client for the emulator's tests.

Deliberately not pwconf's client: the emulator is checked against the contract by plain HTTP, so
a bug in pwconf's client can not hide one in the emulator.
"""

from __future__ import annotations

from typing import Any

import requests

from pwconf.emulator.server import EmulatorServer

OMIT = object()  # as ``auth``: send no auth at all
SERVER_TOKEN = object()  # as ``auth``: the server's own token
OVER_PLAN = (
    "Warnings: You have exceeded the number of active devices allowed on your current "
    "subscription plan."
)


class Api:
    """POSTs ``{"request": ...}`` to the emulator and checks the answer's envelope."""

    def __init__(self, server: EmulatorServer, session: requests.Session) -> None:
        self.server = server
        self.session = session

    def call(self, method: str, auth: Any = SERVER_TOKEN, **fields: Any) -> requests.Response:
        request = dict(fields)
        if auth is SERVER_TOKEN:
            request["auth"] = self.server.token
        elif auth is not OMIT:
            request["auth"] = auth
        return self.session.post(f"{self.server.url}/{method}", json={"request": request},
                                 timeout=10)

    def ok(self, method: str, **fields: Any) -> Any:
        """The ``response`` of a call that must succeed."""
        answer = self.call(method, **fields)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["status_code"] == 200, body
        assert body["status_message"] in ("OK", OVER_PLAN), body
        return body["response"]

    def error(self, method: str, **fields: Any) -> str:
        """The message of a call that must fail with HTTP 200 and a 210 body."""
        answer = self.call(method, **fields)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["status_code"] == 210, body
        assert body["response"] is None
        return body["status_message"]

    def admin(self, verb: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(verb, f"{self.server.admin_url}/{path}", timeout=10, **kwargs)

    # -- shortcuts for setting the scene -------------------------------------------------------
    def new_app(self, title: str = "App") -> str:
        return self.ok("createApplication", title=title)["application"]

    def new_preset(self, app: str, name: str = "Welcome", **extra: Any) -> str:
        self.ok("createPreset", applicationCode=app, name=name,
                content={"message": "Hello"}, segmentation={"platforms": [1, 3]}, **extra)
        presets = self.ok("listPresets", application=app)["presets"]
        return next(p["code"] for p in presets if p["name"] == name)
