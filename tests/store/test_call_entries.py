"""The journal's own record of durable calls (pending, settled, unanswered, dismissed), and lines a person or an
older tool may have broken: wrong types, absurd nesting, a torn tail in a directory nobody may write."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from cpictl.protocol.catalogue import CloudIdChanges
from cpictl.protocol.kinds import CloudIdKind
from cpictl.store import CloudIdStore, StoreError


def begin(store: CloudIdStore, method: str = "create_vm", arguments: list | None = None):
    return store.begin_call(method=method, request_id="cpi-100001", target=["/bin/cpi"],
                            arguments=arguments if arguments is not None else ["agent-1", "sc-1", {}, {}, [], {}],
                            api_version=2, stemcell_api_version=2)


def finish(store: CloudIdStore, call, created: list[tuple[CloudIdKind, str]] = (), **extra) -> None:
    store.finish_call(call.call_id, method="create_vm", request_id="cpi-100001", target=["/bin/cpi"],
                      changes=CloudIdChanges(created=list(created)), **extra)


def test_a_pending_call_is_open_until_its_outcome_is_journalled(tmp_path):
    store = CloudIdStore(tmp_path / "j.jsonl")
    call = begin(store)
    [open_call] = store.replay().calls
    assert (open_call.call, open_call.method, open_call.status) == (call.call_id, "create_vm", "pending")
    assert open_call.arguments[0] == "agent-1" and open_call.request_id == "cpi-100001"
    finish(store, call, [(CloudIdKind.VM, "vm-1")])
    state = store.replay()
    assert state.calls == [] and [r.cid for r in state.live()] == ["vm-1"]
    lines = [json.loads(line) for line in (tmp_path / "j.jsonl").read_text().splitlines()]
    assert [line["event"] for line in lines] == ["pending", "created"]
    assert lines[1]["call"] == call.call_id  # the created line itself settles the call


def test_a_call_that_changed_nothing_is_settled_by_a_line_of_its_own(tmp_path):
    store = CloudIdStore(tmp_path / "j.jsonl")
    finish(store, begin(store, "delete_vm", ["vm-gone"]))
    assert store.replay().calls == []
    assert [json.loads(line)["event"] for line in (tmp_path / "j.jsonl").read_text().splitlines()] == \
        ["pending", "settled"]


def test_an_unanswered_create_stays_listed_until_dismissed_by_call_or_request_id(tmp_path):
    store = CloudIdStore(tmp_path / "j.jsonl")
    first, second = begin(store), begin(store)
    finish(store, first, unanswered="timed out after 5 s")
    finish(store, second, unanswered="interrupted before it answered")
    assert [(c.status, c.reason) for c in store.replay().calls] == [
        ("unanswered", "timed out after 5 s"), ("unanswered", "interrupted before it answered")]
    assert store.forget(first.call_id)
    assert [c.call for c in store.replay().calls] == [second.call_id]
    assert store.forget("cpi-100001")  # the request ID works too (both calls had it; one is left)
    assert store.replay().calls == []
    assert not store.forget("cpi-100001")


def test_the_spool_files_are_made_before_the_pending_entry_and_are_private(tmp_path):
    store = CloudIdStore(tmp_path / "j.jsonl")
    call = begin(store)
    spool = tmp_path / "j.jsonl.spool"
    assert stat.S_IMODE(spool.stat().st_mode) == 0o700
    assert sorted(p.name for p in spool.iterdir()) == sorted([f"{call.call_id}.out", f"{call.call_id}.err",
                                                              f"{call.call_id.rpartition('-')[0]}.owner"])
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in spool.iterdir())
    call.outputs.remove()


def test_a_journal_that_cannot_take_the_pending_entry_creates_nothing(tmp_path):
    (tmp_path / "j.jsonl").mkdir()
    with pytest.raises(StoreError, match=r"cannot write journal .*a directory"):
        begin(CloudIdStore(tmp_path / "j.jsonl"))
    assert not (tmp_path / "j.jsonl.spool").exists()


def write_lines(path: Path, *lines: str) -> None:
    path.write_text("".join(line + "\n" for line in lines))


def test_a_line_with_fields_of_the_wrong_type_keeps_its_id_and_says_so(tmp_path):
    journal = tmp_path / "j.jsonl"
    write_lines(journal,
                '{"v":1,"event":"created","kind":"vm","cid":"vm-1","method":["create_vm"],"time":5,'
                '"target":{"argv":1},"api_version":"2","request_id":7}')
    state = CloudIdStore(journal).replay()
    [record] = state.live()
    assert (record.cid, record.method, record.created_at, record.target, record.api_version) == \
        ("vm-1", None, None, None, None)
    assert "method, target, api_version, request_id of the wrong type" in state.warnings[0]


def test_a_line_nested_absurdly_deep_is_skipped_with_a_warning(tmp_path):
    journal = tmp_path / "j.jsonl"
    deep = '{"v":1,"event":"created","kind":"vm","cid":"vm-deep","x":' + "[" * 100_000 + "]" * 100_000 + "}"
    write_lines(journal, '{"v":1,"event":"created","kind":"disk","cid":"disk-1"}', deep)
    state = CloudIdStore(journal).replay()
    assert [r.cid for r in state.live()] == ["disk-1"]
    assert "line 2" in state.warnings[0] and "nested too deeply" in state.warnings[0]


def test_call_events_of_the_wrong_shape_are_warnings(tmp_path):
    journal = tmp_path / "j.jsonl"
    write_lines(journal, '{"v":1,"event":"pending","call":7,"method":"create_vm"}',
                '{"v":1,"event":"settled"}', '{"v":1,"event":"pending","call":"x-1","method":null}')
    state = CloudIdStore(journal).replay()
    assert state.calls == [] and len(state.warnings) == 3


def test_a_journal_whose_lock_cannot_be_had_can_still_be_listed_with_a_torn_tail(tmp_path):
    """A read-only directory (another user's session, a mounted backup) has no room for the lock file a torn tail
    is re-read under. Tests run as root, whom permissions do not stop: a directory where the lock file would go
    stands in for it."""
    write_lines(tmp_path / "j.jsonl", '{"v":1,"event":"created","kind":"vm","cid":"vm-1"}')
    with open(tmp_path / "j.jsonl", "a") as journal:
        journal.write('{"v":1,"event":"crea')
    (tmp_path / "j.jsonl.lock").mkdir()
    state = CloudIdStore(tmp_path / "j.jsonl").replay()
    assert [r.cid for r in state.live()] == ["vm-1"] and "torn" in state.warnings[0]


def test_ids_lists_a_pending_call_it_cannot_finish_in_a_journal_nobody_may_write(tmp_path, capsys):
    """The dead cpictl's call cannot be finished (the journal's lock cannot be had: a directory stands in for a
    read-only one, as above), yet `cpictl ids` lists what it can read and says why it finished nothing."""
    from cpictl.cli.main import main

    journal = tmp_path / "j.jsonl"
    write_lines(journal, '{"v":1,"event":"created","kind":"vm","cid":"vm-1"}',
                '{"v":1,"event":"pending","call":"0dead000-1","owner":"0dead000","method":"create_disk",'
                '"arguments":[1,{},null]}')
    (tmp_path / "j.jsonl.lock").mkdir()
    code = main(["ids", "--state", str(journal), "-o", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert [(row["kind"], row.get("cid") or row.get("call")) for row in json.loads(out)] == \
        [("vm", "vm-1"), ("call", "0dead000-1")]
    assert "interrupted calls could not be finished" in err and "Traceback" not in err


def test_a_cloud_id_of_the_wrong_type_is_named_as_such(tmp_path):
    write_lines(tmp_path / "j.jsonl", '{"v":1,"event":"created","kind":"vm","cid":5}',
                '{"v":1,"event":"created","kind":"vm"}')
    warnings = CloudIdStore(tmp_path / "j.jsonl").replay().warnings
    assert "line 1" in warnings[0] and "created event whose cid is a number, not a string" in warnings[0]
    assert "line 2" in warnings[1] and "created event without a cloud ID" in warnings[1]
