"""The index follows a growing journal by folding in the new lines: on any journal, split anywhere, what it then
offers is what a full replay offers — and no replay ran."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cpictl.store import live_fold, live_index
from cpictl.store.journal import encode_line
from cpictl.store.live_index import live_ids
from cpictl.store.state import CALL_LIFE_EVENTS, EVENTS


@st.composite
def cpictl_lines(draw: Any) -> dict[str, Any]:
    """A journal line as cpictl writes it, about a few IDs and calls so that lines meet: an ID created before the
    split is deleted after it, a call left pending is answered."""
    line: dict[str, Any] = {"v": 1, "event": draw(st.sampled_from([*EVENTS, *CALL_LIFE_EVENTS])),
                            "kind": draw(st.sampled_from(["vm", "disk"])), "cid": draw(st.sampled_from("abc")),
                            "method": draw(st.sampled_from(["create_vm", "create_disk"])), "time": "t"}
    call = draw(st.sampled_from([None, None, "c-1", "c-2"]))
    if call is not None:
        line["call"] = call
    if draw(st.booleans()):
        line["reason"] = "timed out"
    return line


#: One thing wrong with a line, as a hand or another version might have written it.
FLAWS: list[dict[str, Any]] = [{"v": 2}, {"kind": "robot"}, {"kind": None}, {"cid": ""}, {"cid": 7},
                               {"cid": "d\x1be"}, {"call": ""}, {"call": 3}, {"call": "c\x1b1"}, {"method": 5},
                               {"method": None}, {"reason": ""}, {"event": "zap"}, {"event": None}]


@st.composite
def odd_lines(draw: Any) -> dict[str, Any]:
    line = {**draw(cpictl_lines()), **draw(st.sampled_from(FLAWS))}
    return {key: value for key, value in line.items() if value is not None}


journal_lines = st.one_of(cpictl_lines(), cpictl_lines(), cpictl_lines(), odd_lines())


def _as_offered(found: live_index.LiveIds) -> tuple[list[Any], list[Any]]:
    """All the index holds: live IDs in order, and every open call with its status (a pending one is not offered
    yet, but a later line may leave it unanswered)."""
    return found.rows, found.call_rows


def _line(event: str, **fields: Any) -> dict[str, Any]:
    return {"v": 1, "event": event, "time": "t", **fields}


@settings(max_examples=500, deadline=None)
@example(before=[_line("pending", call="c-1", method="create_vm")],  # an empty reason reads "no answer"
         after=[_line("unanswered", call="c-1", reason="")])
@example(before=[_line("pending", call="c-1", method="create_vm"), _line("pending", call="c-2", method="create_vm")],
         after=[_line("pending", call="c-1", method="create_disk")])  # stays where it stood, oldest first
@example(before=[_line("created", kind="vm", cid="a"), _line("created", kind="vm", cid="b")],
         after=[_line("created", kind="vm", cid="a")])  # a new life: newest again
@given(before=st.lists(journal_lines, max_size=20), after=st.lists(journal_lines, min_size=1, max_size=20))
def test_folding_appended_lines_offers_what_a_replay_offers(before: list[dict[str, Any]],
                                                             after: list[dict[str, Any]]):
    with tempfile.TemporaryDirectory() as directory, pytest.MonkeyPatch.context() as patch:
        journal = Path(directory) / "session.jsonl"
        journal.write_bytes(b"".join(encode_line(line) for line in before))
        live_ids(journal)  # replays, and writes the index of the first part
        with journal.open("ab") as stream:
            stream.write(b"".join(encode_line(line) for line in after))
        replays = []
        original = live_index._replayed
        patch.setattr(live_index, "_replayed", lambda path: replays.append(path) or original(path))
        folded = live_ids(journal)
        assert replays == []
        assert _as_offered(folded) == _as_offered(live_index._replayed(journal))
        assert _as_offered(live_ids(journal)) == _as_offered(folded)  # the index written back says the same


def test_the_fold_knows_every_event_replay_knows():
    assert not live_fold.NOT_UNDERSTOOD


def _grown_journal(tmp_path: Path) -> Path:
    journal = tmp_path / "session.jsonl"
    journal.write_bytes(encode_line({"v": 1, "event": "created", "kind": "vm", "cid": "vm-1", "time": "t"}))
    live_ids(journal)
    return journal


def test_an_append_in_flight_is_replayed_not_folded(tmp_path: Path):
    journal = _grown_journal(tmp_path)
    with journal.open("ab") as stream:
        stream.write(encode_line({"v": 1, "event": "created", "kind": "vm", "cid": "vm-2"})[:-9])  # torn
    assert [r.cid for r in live_ids(journal).matching("vm")] == ["vm-1"]
    with journal.open("ab") as stream:  # as the journal does: the torn line is ended before the next one
        stream.write(b"\n" + encode_line({"v": 1, "event": "created", "kind": "vm", "cid": "vm-3"}))
    assert [r.cid for r in live_ids(journal).matching("vm")] == ["vm-3", "vm-1"]


def test_an_edit_in_place_before_an_append_is_seen(tmp_path: Path):
    journal = _grown_journal(tmp_path)
    data = journal.read_bytes().replace(b'"vm-1"', b'"vm-9"')  # same size, same inode
    with journal.open("r+b") as stream:
        stream.write(data)
        stream.seek(0, 2)
        stream.write(encode_line({"v": 1, "event": "created", "kind": "disk", "cid": "disk-1"}))
    assert [r.cid for r in live_ids(journal).matching(None)] == ["disk-1", "vm-9"]


def test_an_event_the_fold_does_not_know_sends_it_to_the_replay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    journal = _grown_journal(tmp_path)
    monkeypatch.setattr(live_fold, "NOT_UNDERSTOOD", frozenset({"gone"}))  # as if `state` had learned it since
    with journal.open("ab") as stream:
        stream.write(encode_line({"v": 1, "event": "gone", "kind": "vm", "cid": "vm-1"}))
    replays = []
    original = live_index._replayed
    monkeypatch.setattr(live_index, "_replayed", lambda path: replays.append(path) or original(path))
    assert live_ids(journal).matching("vm") == []
    assert replays == [journal]
