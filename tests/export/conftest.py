"""Fixtures of the export tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pwconf.api.client import ApiClient
from pwconf.api.pushwoosh import Pushwoosh
from pwconf.emulator.server import EmulatorServer


@pytest.fixture
def api(emulator: EmulatorServer) -> Iterator[Pushwoosh]:
    """pwconf's own client on the test's emulator, for seeding it."""
    client = ApiClient(emulator.url, emulator.token, workers=4)
    try:
        yield Pushwoosh(client)
    finally:
        client.close()
