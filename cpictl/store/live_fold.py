"""Bring a live-ID index (`live_index`) up to date with the lines appended to its journal, without a replay.

After every call the journal has grown by a few lines; replaying all of it again would cost a Tab ~165 ms in a
session of 10,000 IDs, folding the new lines into the index a few. The fold keeps `cpictl.store.state`'s rules, in
the same order, for the two things the index holds:

* which IDs are live, in creation order: `created`/`imported` make (kind, cid) live, at the end of the order even
  when it was already (a new life); `deleted`/`gone`/`forgotten` end it; attach and detach change neither;
* which calls are open: `pending` opens one, `unanswered` marks an open one, `settled`/`dismissed` — or any other
  line carrying its call ID — close it.

A line replay skips (with a warning) is skipped here too. An event `state` knows and this fold does not (one added
since) returns None, and the caller replays the journal instead of guessing. `tests/completion/test_live_fold.py`
holds the fold against a full replay on generated journals.
"""

from __future__ import annotations

from typing import Any

from cpictl.protocol.kinds import KIND_NAMES
from cpictl.store.live_index import LiveIds, call_row, id_row
from cpictl.store.state import CALL_LIFE_EVENTS, ENDING_STATUS, EVENTS, FORMAT_VERSION

KINDS = frozenset(KIND_NAMES)
MAKING = frozenset(("created", "imported"))
RELATING = frozenset(("attached", "detached", "state_imported"))  # no change to liveness or calls
UNDERSTOOD = MAKING | RELATING | frozenset(ENDING_STATUS) | frozenset(CALL_LIFE_EVENTS)
#: Events `state` replays that the fold was not written for: empty today; a test says so.
NOT_UNDERSTOOD = frozenset((*EVENTS, *CALL_LIFE_EVENTS)) - UNDERSTOOD


class _BeyondTheFold(Exception):
    pass


def fold(index: LiveIds, entries: list[Any]) -> LiveIds | None:
    """`index` with `entries` (decoded journal lines, in order) applied; None when one is beyond the fold."""
    live = {(row[0], row[1]): row for row in reversed(index.rows)}  # oldest first, as creation order runs
    calls = {row[0]: row for row in index.call_rows}
    try:
        for entry in entries:
            _apply(entry, live, calls)
    except _BeyondTheFold:
        return None
    return LiveIds(rows=list(reversed(live.values())), call_rows=list(calls.values()))


def _apply(entry: Any, live: dict[tuple[str, str], Any], calls: dict[str, Any]) -> None:
    """One line, as `state._Replayer.apply` takes it (a `return` here is a line replay skips or ignores)."""
    if not isinstance(entry, dict) or "event" not in entry or entry.get("v") != FORMAT_VERSION:
        return
    event = entry["event"]
    if not isinstance(event, str) or event in NOT_UNDERSTOOD:
        raise _BeyondTheFold  # replay may treat an odd value differently than a skip: let it
    call = entry.get("call")
    if call is not None:
        if not isinstance(call, str) or not call:
            return
        if event in CALL_LIFE_EVENTS:
            _call_life(call, event, entry, calls)
            return
        calls.pop(call, None)  # the call's own outcome lines settle it
    elif event in CALL_LIFE_EVENTS:
        return
    if event == "state_imported" or event not in EVENTS:
        return
    kind, cid = entry.get("kind"), entry.get("cid")
    try:
        known_kind = kind in KINDS
    except TypeError:  # unhashable: replay looks the kind up in a dict; whatever that does, it decides
        raise _BeyondTheFold from None
    if not known_kind or not isinstance(cid, str) or not cid:
        return
    if event in MAKING:
        live.pop((kind, cid), None)
        method, time = entry.get("method"), entry.get("time")
        row = id_row(kind, cid, "imported" if event == "imported" else method if isinstance(method, str) else None,
                     time if isinstance(time, str) else None)
        if row is not None:
            live[(kind, cid)] = row
    elif event in ENDING_STATUS:
        live.pop((kind, cid), None)


def _call_life(call: str, event: str, entry: dict[str, Any], calls: dict[str, Any]) -> None:
    if event == "pending":
        method = entry.get("method")
        row = call_row(call, method, "", "pending") if isinstance(method, str) else None
        if row is not None:
            calls[call] = row  # a pending line for an open call replaces it where it stands, as replay does
    elif event == "unanswered":
        row = calls.get(call)
        if row is not None:
            reason = entry.get("reason")
            calls[call] = call_row(call, row[1], reason if isinstance(reason, str) and reason else "no answer",
                                   "unanswered")
    else:  # settled, dismissed
        calls.pop(call, None)
