"""The Pushwoosh API client: settings, transport with retry policy, and one function per method."""

from pwconf.api.client import ApiClient, CallResult
from pwconf.api.pushwoosh import Pushwoosh
from pwconf.api.settings import DEFAULT_API_URL, ApiSettings, resolve_settings

__all__ = [
    "DEFAULT_API_URL",
    "ApiClient",
    "ApiSettings",
    "CallResult",
    "Pushwoosh",
    "resolve_settings",
]
