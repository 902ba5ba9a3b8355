"""The journal: calls are appended durably and replayed into the state a user sees in `cpictl ids`."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from cpictl.protocol.catalogue import CloudIdChanges, cloud_id_changes, get_method
from cpictl.protocol.kinds import CloudIdKind
from cpictl.store import CloudIdStore, StoreError, default_journal_path

VM, DISK, STEMCELL = CloudIdKind.VM, CloudIdKind.DISK, CloudIdKind.STEMCELL
CPI = ["/var/vcap/jobs/dummy_cpi/bin/cpi"]


def call(store: CloudIdStore, method: str, arguments: list, result, api_version: int = 2, **kwargs) -> None:
    changes = cloud_id_changes(get_method(method), arguments, result, api_version, True)
    store.record(method=method, request_id="cpi-123456", target=CPI, changes=changes, api_version=api_version,
                 **kwargs)


@pytest.fixture
def store(tmp_path: Path) -> CloudIdStore:
    return CloudIdStore(tmp_path / "sessions" / "default.jsonl")


def lines(store: CloudIdStore) -> list[dict]:
    return [json.loads(line) for line in store.path.read_text().splitlines()]


def test_a_created_vm_is_on_disk_with_its_call_details(store: CloudIdStore) -> None:
    call(store, "create_vm", ["agent-1", "sc-1", {}, {}, [], {}], ["vm-1", {"net": {"ip": "10.0.0.5"}}],
         extras={"agent_id": "agent-1", "networks": {"net": {"ip": "10.0.0.5"}}}, stemcell_api_version=2)

    [line] = lines(store)
    assert line["v"] == 1 and line["event"] == "created" and line["kind"] == "vm" and line["cid"] == "vm-1"
    assert line["method"] == "create_vm" and line["request_id"] == "cpi-123456" and line["target"] == CPI
    assert line["time"].endswith("Z") and line["agent_id"] == "agent-1" and line["stemcell_api_version"] == 2

    record = store.replay().get("vm-1")
    assert record.status == "live" and record.agent_id == "agent-1" and record.networks["net"]["ip"] == "10.0.0.5"
    assert record.as_dict()["kind"] == "vm" and record.as_dict()["created_at"] == line["time"]


def test_journal_and_directories_are_private(store: CloudIdStore) -> None:
    call(store, "create_disk", [1024, {}, None], "disk-1")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700


def test_live_is_newest_first_and_latest_per_kind(store: CloudIdStore) -> None:
    for n in (1, 2, 3):
        call(store, "create_disk", [1024, {}, None], f"disk-{n}")
    call(store, "create_stemcell", ["/tmp/image", {}], "sc-1")
    state = store.replay()
    assert [r.cid for r in state.live(DISK)] == ["disk-3", "disk-2", "disk-1"]
    assert [r.cid for r in state.live()] == ["sc-1", "disk-3", "disk-2", "disk-1"]
    assert state.latest("disk").cid == "disk-3" and state.latest(VM) is None


def test_delete_ends_a_record_and_deleting_a_vm_detaches_its_disks(store: CloudIdStore) -> None:
    call(store, "create_vm", ["a", "sc", {}, {}, [], {}], ["vm-1", {}])
    call(store, "create_disk", [1024, {}, "vm-1"], "disk-1")
    call(store, "attach_disk", ["vm-1", "disk-1"], "/dev/sdc", extras={"disk_hint": "/dev/sdc"})
    state = store.replay()
    assert state.get("disk-1").attached_to == "vm-1" and state.get("disk-1").disk_hint == "/dev/sdc"
    assert [d.cid for d in state.attached_disks("vm-1")] == ["disk-1"]

    call(store, "delete_vm", ["vm-1"], None)
    state = store.replay()
    vm, disk = state.get("vm-1"), state.get("disk-1")
    assert vm.status == "deleted" and vm.deleted_by == "delete_vm" and vm.deleted_at
    assert disk.status == "live" and disk.attached_to is None
    assert [r.cid for r in state.live()] == ["disk-1"]
    assert [r.cid for r in state.records] == ["vm-1", "disk-1"]  # history is kept


def test_detach_clears_the_attachment(store: CloudIdStore) -> None:
    call(store, "create_disk", [1024, {}, None], "disk-1")
    call(store, "attach_disk", ["vm-x", "disk-1"], {"path": "/dev/sdc"})
    call(store, "detach_disk", ["vm-x", "disk-1"], None)
    assert store.replay().get("disk-1").attached_to is None
    assert [line["event"] for line in lines(store)] == ["created", "attached", "detached"]


def test_update_disk_replacing_a_disk_is_deleted_old_plus_created_new(store: CloudIdStore) -> None:
    call(store, "create_disk", [1024, {}, None], "disk-old")
    call(store, "update_disk", ["disk-old", 2048, {}], "disk-new")
    state = store.replay()
    assert state.get("disk-old").status == "deleted" and state.get("disk-new").status == "live"
    assert state.latest(DISK).cid == "disk-new"


def test_calls_that_change_nothing_append_nothing(store: CloudIdStore) -> None:
    store.record(method="has_vm", request_id=None, target=CPI, changes=CloudIdChanges())
    assert not store.path.exists()


def test_deleting_an_id_created_elsewhere_is_remembered_but_not_owned(store: CloudIdStore) -> None:
    call(store, "delete_disk", ["disk-foreign"], None)
    call(store, "attach_disk", ["vm-1", "disk-other"], "/dev/sdc")  # never created here: not tracked
    state = store.replay()
    assert state.get("disk-foreign").status == "deleted" and state.get("disk-foreign").method is None
    assert state.get("disk-other") is None and state.live() == []


def test_the_same_cid_created_twice_while_live_is_a_warning(store: CloudIdStore) -> None:
    call(store, "create_disk", [1024, {}, None], "disk-1")
    call(store, "create_disk", [1024, {}, None], "disk-1")
    state = store.replay()
    assert len(state.records) == 1 and state.records[0].is_live
    assert any("created again while still live" in w and "line 2" in w for w in state.warnings)


def test_kinds_keep_separate_namespaces(store: CloudIdStore) -> None:
    call(store, "create_vm", ["a", "sc", {}, {}, [], {}], ["1", {}])
    call(store, "create_disk", [1024, {}, None], "1")
    call(store, "delete_disk", ["1"], None)
    state = store.replay()
    assert state.get("1", VM).is_live and not state.get("1", DISK).is_live
    assert state.get("1").kind is VM  # without a kind, the live one wins


def test_forget_stops_tracking_a_live_id(store: CloudIdStore) -> None:
    call(store, "create_disk", [1024, {}, None], "disk-1")
    assert store.forget("disk-1") is True
    assert store.forget("disk-1") is False  # nothing live left to forget
    assert store.forget("no-such-disk") is False
    record = store.replay().get("disk-1")
    assert record.status == "forgotten" and record.deleted_by == "forgotten"
    assert store.replay().live() == []


def test_record_event_gone_and_imported(store: CloudIdStore) -> None:
    store.record_event("imported", VM, "vm-9", method="create_vm", target="by hand", agent_id="agent-9")
    state = store.replay()
    assert state.get("vm-9").imported and state.get("vm-9").agent_id == "agent-9"
    store.record_event("gone", VM, "vm-9", method="has_vm")
    assert store.replay().get("vm-9").status == "gone"
    with pytest.raises(ValueError, match="unknown journal event"):
        store.record_event("exploded", VM, "vm-9")
    with pytest.raises(StoreError, match="empty"):
        store.record_event("gone", VM, "")


def test_torn_last_line_is_reported_skipped_and_repaired_by_the_next_append(store: CloudIdStore) -> None:
    call(store, "create_disk", [1024, {}, None], "disk-1")
    call(store, "create_disk", [1024, {}, None], "disk-2")
    with store.path.open("ab") as journal:  # a crash in the middle of writing line 3
        journal.write(b'{"v":1,"event":"created","kind":"disk","cid":"disk-3","met')

    state = CloudIdStore(store.path).replay()
    assert [r.cid for r in state.live()] == ["disk-2", "disk-1"]
    assert state.warnings == [f"line 3 of {store.path} is torn (crash mid-write?); skipped"]

    call(store, "create_disk", [1024, {}, None], "disk-4")
    raw = store.path.read_bytes().split(b"\n")
    assert raw[2].endswith(b'"met') and json.loads(raw[3])["cid"] == "disk-4"
    state = CloudIdStore(store.path).replay()
    assert [r.cid for r in state.live()] == ["disk-4", "disk-2", "disk-1"]
    assert state.warnings == [f"line 3 of {store.path} is not valid JSON (torn by a crash?); skipped"]


def test_lines_that_are_not_entries_are_warnings_not_errors(store: CloudIdStore) -> None:
    call(store, "create_disk", [1024, {}, None], "disk-1")
    with store.path.open("a") as journal:
        journal.write('[1, 2]\n{"v": 2, "event": "created"}\n{"v":1,"event":"created","kind":"router","cid":"r"}\n'
                      '\xff\n')
    state = store.replay()
    assert [r.cid for r in state.records] == ["disk-1"]
    assert len(state.warnings) == 4 and "line 2 " in state.warnings[0] and "line 5 " in state.warnings[3]


def test_replay_is_reused_until_the_file_changes(store: CloudIdStore) -> None:
    call(store, "create_disk", [1024, {}, None], "disk-1")
    first = store.replay()
    assert store.replay() is first
    call(store, "create_disk", [1024, {}, None], "disk-2")
    assert store.replay().latest(DISK).cid == "disk-2"


def test_a_missing_journal_is_an_empty_session(store: CloudIdStore) -> None:
    state = store.replay()
    assert state.records == [] and state.warnings == [] and state.director_uuid is None


def test_an_unreadable_journal_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "dir.jsonl").mkdir()
    with pytest.raises(StoreError, match="cannot read journal"):
        CloudIdStore(tmp_path / "dir.jsonl").replay()


def test_extras_cannot_overwrite_the_journal_keys_but_the_cid_is_still_recorded(store: CloudIdStore) -> None:
    call(store, "create_disk", [1024, {}, None], "disk-1", extras={"cid": "other", "kind": "vm", "size": 1024})
    [line] = lines(store)
    assert (line["cid"], line["kind"], line["size"]) == ("disk-1", "disk", 1024)
    assert store.replay().get("disk-1").details == {"size": 1024}


def test_default_journal_path_follows_xdg_and_checks_the_name(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert default_journal_path("lab-1.v2") == tmp_path / "cpictl" / "sessions" / "lab-1.v2.jsonl"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_journal_path("default") == tmp_path / ".local" / "state" / "cpictl" / "sessions" / "default.jsonl"
    for bad in ("", "../x", "a/b", ".hidden", "..", "sp ace"):
        with pytest.raises(ValueError, match="invalid session name") as raised:
            default_journal_path(bad)
        assert isinstance(raised.value, StoreError)  # the CLI maps either to a usage error


def test_loosened_journal_permissions_are_tightened(store: CloudIdStore) -> None:
    call(store, "create_disk", [1024, {}, None], "disk-1")
    os.chmod(store.path, 0o644)
    call(store, "create_disk", [1024, {}, None], "disk-2")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


CREATE_ENV_STATE = '{\n  "director_id": "d-1",\n  "current_vm_cid": "vm-live",\n  "disks": []\n}\n'


def test_a_file_that_is_not_a_journal_is_never_written_nor_read_as_one(tmp_path: Path) -> None:
    """`--state bosh-state.json` (meant: `ids import-state`) must not append to the create-env state file: that
    would break it for `bosh create-env`."""
    state_file = tmp_path / "bosh-state.json"
    state_file.write_text(CREATE_ENV_STATE)
    store = CloudIdStore(state_file)

    for attempt in (store.check_writable,
                    lambda: call(store, "create_disk", [1024, {}, None], "disk-1"),
                    store.replay):
        with pytest.raises(StoreError, match=r"not a cpictl journal.*ids import-state"):
            attempt()
    assert state_file.read_text() == CREATE_ENV_STATE
    assert not Path(f"{state_file}.lock").exists()  # nor a lock file beside it


def test_a_journal_torn_in_its_first_line_is_still_ours(tmp_path: Path) -> None:
    path = tmp_path / "torn.jsonl"
    path.write_bytes(b'{"v":1,"event":"creat')  # a crash during the very first write
    store = CloudIdStore(path)
    call(store, "create_disk", [1024, {}, None], "disk-1")
    assert [record.cid for record in store.replay().live()] == ["disk-1"]
