"""The `account` fixture of the per-kind tests: one application on a loopback emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kind_account import APP, Account

from pwconf.api.client import ApiClient
from pwconf.api.pushwoosh import Pushwoosh
from pwconf.emulator.server import EmulatorServer
from pwconf.kinds import CONTAINER, REGISTRY
from pwconf.kinds.base import ApplyContext, LiveView
from pwconf.model import Address, DesiredState, Entity
from pwconf.state import State


@pytest.fixture
def account() -> Iterator[Account]:
    with EmulatorServer(host="127.0.0.1", port=0, seed=3) as server:
        client = ApiClient(server.url, server.token, workers=2, sleep=lambda _: None)
        api = Pushwoosh(client)
        code = api.create_application("Shop").response["application"]
        view = LiveView()
        view.learn_application(APP, code)
        desired = DesiredState()
        app = Address(CONTAINER, None, APP)
        desired.entities[app] = Entity(app, REGISTRY[CONTAINER].from_manifest({"title": "Shop"}))
        yield Account(api, ApplyContext(view, {}, State(None)), desired)
