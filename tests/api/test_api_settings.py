"""resolve_settings: base URL rules and where the token comes from."""

from __future__ import annotations

import pytest

from pwconf.api.settings import DEFAULT_API_URL, ApiSettings, is_loopback, resolve_settings
from pwconf.errors import UsageError

TOKEN = "tok-ABCDEFGHIJ"


def test_defaults_and_token_from_env():
    settings = resolve_settings(None, None, env={"PUSHWOOSH_API_TOKEN": TOKEN})
    assert settings == ApiSettings(DEFAULT_API_URL, TOKEN)


def test_api_url_from_env_and_argument_wins():
    env = {"PUSHWOOSH_API_TOKEN": TOKEN, "PUSHWOOSH_API_URL": "https://env.example/json/1.3/"}
    assert resolve_settings(None, None, env=env).base_url == "https://env.example/json/1.3"
    chosen = resolve_settings("https://arg.example/json/1.3", None, env=env)
    assert chosen.base_url == "https://arg.example/json/1.3"


def test_token_from_file_is_stripped(tmp_path):
    path = tmp_path / "token"
    path.write_text(f"  {TOKEN}\n")
    assert resolve_settings(None, str(path), env={}).token == TOKEN


def test_env_token_wins_over_file(tmp_path):
    path = tmp_path / "token"
    path.write_text("from-file")
    assert resolve_settings(None, str(path), env={"PUSHWOOSH_API_TOKEN": TOKEN}).token == TOKEN


def test_blank_env_token_falls_back_to_file(tmp_path):
    path = tmp_path / "token"
    path.write_text(TOKEN)
    assert resolve_settings(None, str(path), env={"PUSHWOOSH_API_TOKEN": "  "}).token == TOKEN


def test_missing_token_says_what_to_set():
    with pytest.raises(UsageError) as info:
        resolve_settings(None, None, env={})
    text = f"{info.value} {info.value.hint}"
    assert "PUSHWOOSH_API_TOKEN" in text and "--token-file" in text


def test_missing_and_empty_token_files(tmp_path):
    with pytest.raises(UsageError, match="cannot read the token file"):
        resolve_settings(None, str(tmp_path / "absent"), env={})
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(UsageError, match="is empty"):
        resolve_settings(None, str(empty), env={})


@pytest.mark.parametrize(
    "url",
    ["http://api.pushwoosh.com/json/1.3", "http://10.0.0.1:8080/json/1.3", "ftp://x/json"],
)
def test_plain_http_to_non_loopback_refused(url):
    with pytest.raises(UsageError):
        resolve_settings(url, None, env={"PUSHWOOSH_API_TOKEN": TOKEN})


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/json/1.3",
        "http://127.1.2.3/json/1.3",
        "http://localhost:9/json/1.3",
        "http://[::1]:9/json/1.3",
    ],
)
def test_plain_http_to_loopback_allowed(url):
    assert resolve_settings(url, None, env={"PUSHWOOSH_API_TOKEN": TOKEN}).base_url == url


def test_credentials_in_url_refused():
    with pytest.raises(UsageError):
        resolve_settings("https://user:pw@api.example/json/1.3", None, env={"x": "y"})


def test_is_loopback():
    assert is_loopback("LOCALHOST") and is_loopback("::1") and is_loopback("127.255.0.1")
    assert not is_loopback("localhost.example.com") and not is_loopback("128.0.0.1")


def test_repr_masks_token():
    settings = ApiSettings("https://api.pushwoosh.com/json/1.3", TOKEN)
    assert TOKEN not in repr(settings) and TOKEN not in str(settings)
    assert "***" in repr(settings)


@pytest.mark.parametrize(
    "url", ["https://api.example.com:99999/json/1.3", "http://u:p@[::1", "https://[::1/json"]
)
def test_an_api_url_that_cannot_be_read_is_a_usage_error(url):
    with pytest.raises(UsageError) as info:
        resolve_settings(url, None, {"PUSHWOOSH_API_TOKEN": "t0k3n-value"})
    assert "API URL" in info.value.message and "p@" not in info.value.message


def test_a_bad_setting_stops_the_cli_before_any_call(tmp_path, monkeypatch):
    from tests.conftest import invoke

    (tmp_path / "m.yaml").write_text("version: 1\ntags:\n  Age: {type: integer}\n")
    monkeypatch.setenv("PUSHWOOSH_API_TOKEN", "t0k3n-value")
    monkeypatch.setenv("PUSHWOOSH_API_URL", "https://api.example.com/json/1.3")
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    result = invoke("plan", tmp_path / "m.yaml", "--state", tmp_path / "s.json")
    assert result.exit_code == 1
    assert "SSL_CERT_FILE" in result.output and "Traceback" not in result.output
