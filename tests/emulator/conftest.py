"""Fixtures for the emulator's tests: a live server on a free loopback port and a raw client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from emulator_client import Api

from pwconf.emulator.server import EmulatorServer


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0) as srv:
        yield srv


@pytest.fixture
def api(server: EmulatorServer) -> Iterator[Api]:
    with requests.Session() as session:
        yield Api(server, session)


@pytest.fixture
def app(api: Api) -> str:
    return api.new_app("Main")
