"""Which account a state file belongs to, workspaces, and the lock as the CLI shows them."""

from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path

import pytest

from pwconf.emulator.server import EmulatorServer
from pwconf.lock import acquire, lock_path
from tests.conftest import EXAMPLES, invoke
from tests.e2e.test_e2e_apply import written

PRODUCTION_TOKEN = "production-token-0123456789"


@pytest.fixture
def two_accounts(account: EmulatorServer) -> EmulatorServer:
    """The emulator's default account is staging (its token is in the environment); a second
    account, production, answers to PRODUCTION_TOKEN on the same URL."""
    account.store.add_account("production", tokens=[PRODUCTION_TOKEN])
    return account


@pytest.fixture
def multi_env(tmp_path: Path) -> Path:
    target = tmp_path / "multi-env"
    shutil.copytree(EXAMPLES / "multi-env", target)
    return target


def env_args(folder: Path, env: str, *extra: str) -> list[str]:
    return [str(folder / "manifests"), "--var-file", str(folder / "vars" / f"{env}.yaml"), *extra]


def writes(server: EmulatorServer) -> list[str]:
    return [c["method"] for c in written(server)]


def test_one_state_file_for_two_accounts_is_refused_in_one_line(
    two_accounts: EmulatorServer, multi_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staged = invoke("apply", *env_args(multi_env, "staging"), "--auto-approve")
    assert staged.exit_code == 0, staged.output
    before_writes = len(writes(two_accounts))

    monkeypatch.setenv("PUSHWOOSH_API_TOKEN", PRODUCTION_TOKEN)
    for command in (["plan"], ["apply", "--auto-approve"]):
        refused = invoke(*command, *env_args(multi_env, "production"))
        assert refused.exit_code == 1
        (line,) = refused.stderr.splitlines()
        assert "is the state of another Pushwoosh account" in line
        assert "--state FILE" in line and "--workspace NAME" in line
        assert PRODUCTION_TOKEN not in refused.output
        assert "Plan:" not in refused.stdout
    assert writes(two_accounts)[before_writes:] == []
    state = (multi_env / "manifests" / ".pwconf-state.json").read_text()
    assert PRODUCTION_TOKEN not in state and two_accounts.token not in state


def test_workspaces_keep_one_state_per_account(
    two_accounts: EmulatorServer, multi_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifests = multi_env / "manifests"
    staged = invoke(
        "apply", *env_args(multi_env, "staging", "--workspace", "staging", "--auto-approve")
    )
    assert staged.exit_code == 0, staged.output
    monkeypatch.setenv("PUSHWOOSH_API_TOKEN", PRODUCTION_TOKEN)
    monkeypatch.setenv("PWCONF_WORKSPACE", "production")
    produced = invoke("apply", *env_args(multi_env, "production"), "--auto-approve")
    assert produced.exit_code == 0, produced.output

    assert (manifests / ".pwconf-state.staging.json").is_file()
    assert (manifests / ".pwconf-state.production.json").is_file()
    assert not (manifests / ".pwconf-state.json").exists()
    clean = invoke("plan", *env_args(multi_env, "production"), "--detailed-exitcode")
    assert clean.exit_code == 0, clean.output

    # The wrong workspace for this token is refused, not planned.
    wrong = invoke("plan", *env_args(multi_env, "production", "--workspace", "staging"))
    assert wrong.exit_code == 1
    assert "another Pushwoosh account" in wrong.stderr

    # Staging renames its application: an update of the same application, not a new one.
    monkeypatch.setenv("PUSHWOOSH_API_TOKEN", two_accounts.token)
    monkeypatch.setenv("PWCONF_WORKSPACE", "staging")
    renamed = invoke(
        "plan", *env_args(multi_env, "staging", "--var", "APP_TITLE=Shop (stage)"), "--json"
    )
    assert renamed.exit_code == 0, renamed.output
    changes = json.loads(renamed.stdout)["changes"]
    assert [(c["address"], c["actions"]) for c in changes] == [("application.shop", ["update"])]


def test_the_same_account_under_another_token_is_recognised_by_its_applications(
    account: EmulatorServer, multi_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = invoke("apply", *env_args(multi_env, "staging"), "--auto-approve")
    assert first.exit_code == 0, first.output
    default = account.store.default_account_id
    account.store.add_token(default, "ci-token-0123456789")

    monkeypatch.setenv("PUSHWOOSH_API_TOKEN", "ci-token-0123456789")
    again = invoke("plan", *env_args(multi_env, "staging"), "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert "its applications are in this account" in again.stderr
    state = json.loads((multi_env / "manifests" / ".pwconf-state.json").read_text())
    assert len(state["accounts"]) == 1  # a plain plan writes nothing

    applied = invoke("apply", *env_args(multi_env, "staging"), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    state = json.loads((multi_env / "manifests" / ".pwconf-state.json").read_text())
    assert len(state["accounts"]) == 2  # recorded by the lock holder: no note next time
    quiet = invoke("plan", *env_args(multi_env, "staging"))
    assert "its applications" not in quiet.stderr


def test_state_and_workspace_together_are_refused_before_any_call(
    account: EmulatorServer, multi_env: Path
) -> None:
    result = invoke("plan", *env_args(multi_env, "staging", "--workspace", "x", "--state", "s"))
    assert result.exit_code == 1
    assert "give one of them" in result.stderr
    assert account.journal.entries() == []


# --- the lock through the CLI ---------------------------------------------------------------


def test_a_plain_plan_never_needs_the_lock_but_plan_out_and_apply_do(
    account: EmulatorServer, multi_env: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    args = [*env_args(multi_env, "staging"), "--state", str(state)]
    held = acquire(state, "pwconf apply")
    try:
        plain = invoke("plan", *args, "--detailed-exitcode")
        assert plain.exit_code == 2, plain.output
        for command in (["plan", "--out", str(tmp_path / "p.plan")], ["apply", "--auto-approve"]):
            refused = invoke(*command, *args)
            assert refused.exit_code == 1
            holder = f"`pwconf apply` (pid {os.getpid()} on {socket.gethostname()}, since"
            assert holder in refused.stderr
            assert "--lock-timeout" in refused.stderr
    finally:
        held.release()
    assert writes(account) == []
    assert not (tmp_path / "p.plan").exists()


def test_force_unlock_removes_a_lock_left_on_another_host(
    account: EmulatorServer, multi_env: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    holder = {"host": "ci-runner-7", "pid": 4242, "command": "pwconf apply", "started": "x"}
    lock_path(state).write_text(json.dumps(holder))
    args = [*env_args(multi_env, "staging"), "--state", str(state)]

    refused = invoke("apply", *args, "--auto-approve")
    assert refused.exit_code == 1
    assert "`pwconf apply` (pid 4242 on ci-runner-7, since x)" in refused.stderr
    assert "pwconf force-unlock" in refused.stderr

    unlocked = invoke("force-unlock", "--state", str(state))
    assert unlocked.exit_code == 0
    assert "Removed the lock of `pwconf apply` (pid 4242 on ci-runner-7" in unlocked.stdout
    assert invoke("force-unlock", "--state", str(state)).stdout.endswith("is not locked.\n")

    applied = invoke("apply", *args, "--auto-approve")
    assert applied.exit_code == 0, applied.output
