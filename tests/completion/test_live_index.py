"""The live-ID index beside a journal: used only while the journal is unchanged, private, replaced whole, and
never able to break completion."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from cpictl.protocol.catalogue import CloudIdChanges
from cpictl.protocol.kinds import CloudIdKind
from cpictl.store import CloudIdStore, live_index
from cpictl.store.live_index import index_path, live_ids
from tests.conftest import cpictl_bin


def _record(store: CloudIdStore, method: str, created=(), deleted=()) -> None:
    store.record(method=method, request_id=None, target="test",
                 changes=CloudIdChanges(created=[(CloudIdKind(k), c) for k, c in created],
                                        deleted=[(CloudIdKind(k), c) for k, c in deleted]))


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    path = tmp_path / "session.jsonl"
    store = CloudIdStore(path)
    _record(store, "create_vm", created=[("vm", "vm-1")])
    _record(store, "create_disk", created=[("disk", "disk-1")])
    _record(store, "create_vm", created=[("vm", "vm-2")])
    return path


def _vms(journal: Path) -> list[str]:
    return [record.cid for record in live_ids(journal).matching("vm")]


def _no_replay(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(journal: Path) -> None:
        raise AssertionError("the journal was replayed although the index was current")

    monkeypatch.setattr(live_index, "_replayed", refuse)


def test_the_index_answers_while_the_journal_is_unchanged(journal: Path, monkeypatch: pytest.MonkeyPatch):
    assert _vms(journal) == ["vm-2", "vm-1"]  # newest first; builds the index
    index = index_path(journal)
    assert index.name == "session.jsonl.live-ids.json"
    assert stat.S_IMODE(index.stat().st_mode) == 0o600
    _no_replay(monkeypatch)
    assert _vms(journal) == ["vm-2", "vm-1"]
    assert [r.cid for r in live_ids(journal).matching(None)] == ["vm-2", "disk-1", "vm-1"]
    assert [r.cid for r in live_ids(journal).matching("vm", "vm-1")] == ["vm-1"]


def test_an_append_by_another_process_invalidates_it(journal: Path):
    assert _vms(journal) == ["vm-2", "vm-1"]
    subprocess.run([cpictl_bin(), "ids", "forget", "vm-2", "--state", str(journal)], capture_output=True,
                   timeout=60, check=True)
    assert _vms(journal) == ["vm-1"]  # forgotten since: not offered


def test_a_deleted_id_is_not_offered(journal: Path):
    assert _vms(journal) == ["vm-2", "vm-1"]
    _record(CloudIdStore(journal), "delete_vm", deleted=[("vm", "vm-1")])
    assert _vms(journal) == ["vm-2"]


def test_a_journal_replaced_by_another_file_is_read_again(journal: Path, tmp_path: Path):
    assert _vms(journal) == ["vm-2", "vm-1"]
    other = tmp_path / "other.jsonl"
    other.write_bytes(journal.read_bytes().replace(b'"vm-2"', b'"vm-3"'))  # same size, another inode
    os.utime(other, ns=(journal.stat().st_atime_ns, journal.stat().st_mtime_ns))
    os.replace(other, journal)
    assert _vms(journal) == ["vm-3", "vm-1"]


@pytest.mark.parametrize("content", [b"", b"not json", b"[]", b'{"v": 99}', b'{"v": 1, "journal": "x"}',
                                     b'{"v": 1, "journal": STAMP, "ids": {"vm": 1}, "calls": []}'])
def test_a_broken_index_falls_back_to_the_journal(journal: Path, content: bytes):
    assert _vms(journal) == ["vm-2", "vm-1"]
    index = index_path(journal)
    stamp = json.loads(index.read_bytes())["journal"]
    index.write_bytes(content.replace(b"STAMP", json.dumps(stamp).encode()))
    assert _vms(journal) == ["vm-2", "vm-1"]


def test_rows_of_the_wrong_shape_are_left_out(journal: Path):
    index = index_path(journal)
    live_ids(journal)
    document = json.loads(index.read_bytes())
    document["ids"] = [["vm", 5, "x", ""], "row", ["vm", "vm-9"], ["vm", "vm-8", "create_vm", ""]]
    index.write_text(json.dumps(document))
    assert _vms(journal) == ["vm-8"]


def test_an_index_that_cannot_be_written_still_answers(journal: Path):
    index_path(journal).mkdir()  # no file can replace a directory
    assert _vms(journal) == ["vm-2", "vm-1"]
    assert [p.name for p in journal.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_a_symbolic_link_is_not_followed(journal: Path, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere.json"
    live_ids(journal)
    os.replace(index_path(journal), elsewhere)
    index_path(journal).symlink_to(elsewhere)
    assert _vms(journal) == ["vm-2", "vm-1"]
    assert not index_path(journal).is_symlink()  # replaced by a file of our own, the link's target untouched


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give the index to another user")
def test_an_index_someone_else_owns_is_ignored(journal: Path, monkeypatch: pytest.MonkeyPatch):
    live_ids(journal)
    os.chown(index_path(journal), 65534, 65534)
    replayed = []
    original = live_index._replayed
    monkeypatch.setattr(live_index, "_replayed", lambda path: replayed.append(path) or original(path))
    assert _vms(journal) == ["vm-2", "vm-1"]
    assert replayed == [journal]


def test_ids_a_shell_cannot_show_are_left_out(tmp_path: Path):
    path = tmp_path / "hostile.jsonl"
    store = CloudIdStore(path)
    _record(store, "create_vm", created=[("vm", "vm-ok"), ("vm", "vm-\x1b[31mred"), ("vm", "vm-two\nlines")])
    assert _vms(path) == ["vm-ok"]


def test_no_journal_no_ids(tmp_path: Path):
    assert _vms(tmp_path / "missing.jsonl") == []
    assert not index_path(tmp_path / "missing.jsonl").exists()


def test_unanswered_calls_are_offered_until_dismissed(journal: Path):
    from cpictl.store.journal import encode_line

    def append(**line: object) -> None:
        with journal.open("ab") as stream:
            stream.write(encode_line({"v": 1, "time": "t", **line}))

    append(event="pending", call="owner-1", method="create_vm")
    assert live_ids(journal).calls() == []  # in flight: nothing to dismiss yet
    append(event="unanswered", call="owner-1", reason="timed out")
    assert live_ids(journal).calls("own") == [("owner-1", "create_vm", "timed out")]
    append(event="dismissed", call="owner-1")
    assert live_ids(journal).calls() == []
