"""pwconf: manage a Pushwoosh account declaratively."""

__version__ = "0.1.0"
