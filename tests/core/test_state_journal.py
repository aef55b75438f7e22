"""The state file and its journal: records survive a crash, are folded in once, and a state
file refuses an account it does not belong to."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pwconf.errors import StateError, UsageError
from pwconf.state import (
    Journal,
    State,
    journal_path,
    read_journal,
    state_path,
)


def recorded(state: State) -> list[str]:
    """The application codes the state recorded."""
    return list(state.recorded("applications").values())


def crashed_apply(path: Path) -> State:
    """A state that journaled a bit of everything and then stopped without saving."""
    state = State.load(path)
    state.start_journal()
    state.record("applications", "shop", value="AAAAA-11111")
    state.record("events", "AAAAA-11111", "Purchase", value="d1")
    sealed = {"fcm_service_account": "hmac-sha256:x"}
    state.record("credentials", "AAAAA-11111", "android", value=sealed)
    state.record("tags", "Plan", value={"user_specific": True})
    state.record("tags", "Old", value={"user_specific": False})
    state.forget(("tags", "Old"))
    state.record_applied("tag.Plan", "d2")
    state.record_applied_many([("tag.Age", "d3"), ("segment.adults", "d4")])
    state.sync_journal()
    state._journal.close()  # the process is gone: no save, the journal stays
    return state


def test_a_crash_loses_no_record_and_the_next_load_sees_them_all(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    before = crashed_apply(path)

    after = State.load(path)

    assert after.salt == before.salt  # saved when the journal started: it seals credentials
    assert after.recorded("applications") == {"shop": "AAAAA-11111"}
    assert after.recorded("events") == {"AAAAA-11111": {"Purchase": "d1"}}
    assert after.recorded("credentials")["AAAAA-11111"]["android"] == {
        "fcm_service_account": "hmac-sha256:x"
    }
    assert after.recorded("tags") == {"Plan": {"user_specific": True}}
    assert after.applied == {"tag.Plan": "d2", "tag.Age": "d3", "segment.adults": "d4"}
    assert journal_path(path).exists()  # reading never removes it: only a lock holder does


def test_the_holder_of_the_lock_folds_the_journal_into_the_file_then_removes_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.json"
    crashed_apply(path)

    State.load(path).save_pending()

    assert not journal_path(path).exists()
    on_disk = json.loads(path.read_text())
    assert on_disk["events"] == {"AAAAA-11111": {"Purchase": "d1"}}
    assert State.load(path).recorded("tags") == {"Plan": {"user_specific": True}}


def test_starting_an_apply_after_a_crash_folds_the_old_journal_and_opens_a_new_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.json"
    crashed_apply(path)
    old_id, _ = read_journal(journal_path(path))

    state = State.load(path)
    state.start_journal()
    state.record("events", "AAAAA-11111", "Refund", value="d5")
    state.sync_journal()

    new_id, records = read_journal(journal_path(path))
    assert new_id != old_id
    assert records == [["record", "events", "AAAAA-11111", "Refund", "d5"]]
    assert json.loads(path.read_text())["journal_folded"] == old_id
    state.save()
    assert not journal_path(path).exists()
    assert State.load(path).recorded("events")["AAAAA-11111"] == {"Purchase": "d1", "Refund": "d5"}


def test_a_journal_already_in_the_file_is_not_replayed(tmp_path: Path) -> None:
    # A crash between rewriting the file and removing the journal leaves both.
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"format_version": 1, "salt": "s", "journal_folded": "abc"}))
    journal = journal_path(path)
    journal.write_text('{"journal":"abc"}\n["record","tags","Plan",{"user_specific":true}]\n')
    assert State.load(path).recorded("tags") == {}

    journal.write_text('{"journal":"def"}\n["record","tags","Plan",{"user_specific":true}]\n')
    assert State.load(path).recorded("tags") == {"Plan": {"user_specific": True}}


def test_a_last_line_cut_short_is_left_out(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    journal_path(path).write_text(
        '{"journal":"abc"}\n["record","tags","A",{"user_specific":true}]\n["record","tags","B",{"user_spe'
    )
    assert State.load(path).recorded("tags") == {"A": {"user_specific": True}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '{"journal":"abc"}\nnot json\n["record","tags","A",{"user_specific":true}]\n',
            "damaged at line 2",
        ),
        ('{"journal":"abc"}\n["rename_everything","x"]\n', "does not know"),
        ('{"journal":"abc"}\n["record","tags"]\n', "malformed record"),
        ('{"journal":"abc"}\n["tag"]\n', "malformed record"),
        ('["record","tags","A",{"user_specific":true}]\n', "not a pwconf state journal"),
    ],
)
def test_a_damaged_journal_is_an_error_not_a_guess(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "state.json"
    journal_path(path).write_text(body)
    with pytest.raises(StateError, match=message):
        State.load(path)


def test_workers_finishing_together_share_one_fsync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = Journal(tmp_path / "j")
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    for n in range(5):
        journal.append(["tag", f"T{n}", False])
    for _ in range(5):
        journal.sync()  # the first makes all five durable; the rest have nothing to do
    assert len(synced) == 1
    journal.close()


# --- the account ----------------------------------------------------------------------------


def test_a_new_state_takes_the_account_it_is_first_used_with(tmp_path: Path) -> None:
    state = State.load(tmp_path / "state.json")
    assert (
        state.claim_account(
            "fp-staging", live_app_codes={"S-1"}, recorded_app_codes=recorded(state)
        )
        is None
    )
    state.save()
    assert State.load(tmp_path / "state.json").accounts == ["fp-staging"]
    assert State.load(tmp_path / "state.json").claim_account("fp-staging", set(), ()) is None


def test_another_account_is_refused_in_one_line_naming_the_way_out(tmp_path: Path) -> None:
    state = State(tmp_path / "state.json", {"accounts": ["fp-staging"]})
    state.record("applications", "shop", value="S-1")
    with pytest.raises(StateError) as refused:
        state.claim_account(
            "fp-production", live_app_codes={"P-1"}, recorded_app_codes=recorded(state)
        )
    message = refused.value.message
    assert "another Pushwoosh account" in message
    assert "--state FILE" in message and "--workspace NAME" in message
    assert "\n" not in message and not refused.value.hint


def test_an_account_without_applications_yet_is_told_apart_by_the_fingerprint(
    tmp_path: Path,
) -> None:
    state = State(tmp_path / "state.json", {"accounts": ["fp-staging"]})
    with pytest.raises(StateError, match="another Pushwoosh account"):
        state.claim_account(
            "fp-production", live_app_codes=set(), recorded_app_codes=recorded(state)
        )


def test_another_token_for_the_same_account_is_recognised_by_its_applications(
    tmp_path: Path,
) -> None:
    state = State(tmp_path / "state.json", {"accounts": ["fp-laptop"]})
    state.record("applications", "shop", value="S-1")
    note = state.claim_account(
        "fp-ci", live_app_codes={"S-1", "X-9"}, recorded_app_codes=recorded(state)
    )
    assert note is not None and "taken as this account's state" in note
    assert state.accounts == ["fp-laptop", "fp-ci"]


def test_a_state_from_before_fingerprints_is_checked_by_its_applications(tmp_path: Path) -> None:
    old = State(tmp_path / "state.json", {"applications": {"shop": "S-1"}})
    with pytest.raises(StateError):
        old.claim_account("fp", live_app_codes={"P-1"}, recorded_app_codes=recorded(old))
    assert old.claim_account("fp", live_app_codes={"S-1"}, recorded_app_codes=recorded(old)) is None


def test_the_fingerprint_never_holds_the_token_and_depends_on_the_salt() -> None:
    from pwconf.api.client import ApiClient

    token = "SECRET-TOKEN-0123456789"
    with ApiClient("https://api.example.com/json/1.3", token) as client:
        first = client.account_fingerprint("salt-1")
        assert token not in first and "SECRET" not in first
        assert first == client.account_fingerprint("salt-1")
        assert first != client.account_fingerprint("salt-2")
        assert first != client.account_fingerprint("salt-1", "https://other.example.com")
    with ApiClient("https://api.example.com/json/1.3", token + "x") as other:
        assert other.account_fingerprint("salt-1") != first


# --- workspaces -----------------------------------------------------------------------------


def test_a_workspace_names_its_own_state_file(tmp_path: Path) -> None:
    folder = [str(tmp_path)]
    assert (
        state_path(folder, None, emulator=False, workspace="prod")
        == tmp_path / ".pwconf-state.prod.json"
    )
    assert (
        state_path(folder, None, emulator=False, workspace=None) == tmp_path / ".pwconf-state.json"
    )
    assert (
        state_path(folder, None, emulator=True, workspace="ci")
        == tmp_path / ".pwconf-emulator-state.ci.json"
    )


@pytest.mark.parametrize("name", ["../prod", "a/b", ".hidden", "a b", "-x"])
def test_a_workspace_name_is_letters_digits_dash_underscore(name: str) -> None:
    with pytest.raises(UsageError, match="--workspace"):
        state_path([], None, emulator=False, workspace=name)


def test_state_and_workspace_together_are_a_usage_error() -> None:
    with pytest.raises(UsageError, match="give one of them"):
        state_path([], "s.json", emulator=False, workspace="prod")


def test_a_journal_cut_short_before_its_first_line_is_removed_by_the_next_apply(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.json"
    journal_path(path).write_text('{"jour')
    state = State.load(path)
    state.start_journal()  # neither refused as "another process" nor replayed
    state.record("tags", "A", value={"user_specific": False})
    state.save()
    assert State.load(path).recorded("tags") == {"A": {"user_specific": False}}
    assert not journal_path(path).exists()


def test_forgetting_several_entries_is_one_journal_record(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = State.load(path)
    state.start_journal()
    state.record("applications", "shop", value="S-1")
    state.record("events", "S-1", "Purchase", value="d1")
    state.forget(("applications", "shop"), ("events", "S-1"))
    state.sync_journal()

    _, records = read_journal(journal_path(path))
    assert records[-1] == ["forget", [["applications", "shop"], ["events", "S-1"]]]
    assert state.recorded("applications") == {} and state.recorded("events") == {}


def test_what_is_read_of_the_records_is_a_copy(tmp_path: Path) -> None:
    state = State(tmp_path / "state.json")
    state.record("events", "S-1", "Purchase", value="d1")
    state.recorded("events")["S-1"]["Refund"] = "d2"  # a reader cannot change the state
    assert state.recorded("events", "S-1") == {"Purchase": "d1"}
    assert state.recorded("events", "X-9") is None


def test_a_journal_of_an_older_pwconf_is_replayed_after_an_upgrade(tmp_path: Path) -> None:
    """pwconf up to stop 18 named each kind's operation; its crash journal loses nothing."""
    path = tmp_path / "state.json"
    journal_path(path).write_text(
        '{"journal":"old"}\n'
        '["application","shop","S-1"]\n["application","news","N-1"]\n'
        '["event","S-1","Purchase","d1"]\n["event","N-1","Read","d2"]\n'
        '["credentials","N-1","ios",{"key_password":"hmac-sha256:x"}]\n'
        '["tag","Plan",true]\n["tag","Old",false]\n["forget_tag","Old"]\n'
        '["forget_application","N-1"]\n'
        '["record","tags","Gone",{"user_specific":false}]\n["forget","tags","Gone"]\n'
    )
    state = State.load(path)
    assert state.recorded("applications") == {"shop": "S-1"}
    assert state.recorded("events") == {"S-1": {"Purchase": "d1"}}
    assert state.recorded("credentials") == {}
    assert state.recorded("tags") == {"Plan": {"user_specific": True}}


def test_a_section_that_is_not_an_object_is_an_error_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"format_version": 1, "salt": "s", "events": []}))
    with pytest.raises(StateError, match="damaged: events"):
        State.load(path)
    assert json.loads(path.read_text())["events"] == []  # left as it was
