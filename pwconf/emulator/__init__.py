"""The Pushwoosh API emulator: a second, independent implementation of the wire contract.

It imports nothing of pwconf but its atomic file writing (no model, parser or client), so a
misreading of the contract there is not mirrored here. ``store`` holds the data, ``core`` answers
calls (pure), ``segments`` checks filter expressions, ``faults`` injects failures and ``server``
serves it all on loopback HTTP.
"""

from pwconf.emulator.server import EmulatorError, EmulatorServer

__all__ = ["EmulatorError", "EmulatorServer"]
