"""A small index of a session's live cloud IDs, kept beside its journal for shell completion.

A shell's Tab starts a new cpictl process every time, and replaying a journal of 10,000 IDs costs that process
~165 ms — longer than a Tab may take (`make bench`). `<journal>.live-ids.json` holds only what completion offers:
the live IDs newest first (kind, cid, the method that created them or "imported", when) and the calls that may
have created something unnamed (`ids forget` dismisses those), stamped with the journal's (inode, size, mtime) at
the time it was built.

Rules this module keeps:

* The journal stays the truth. The index is used only while the journal's stamp is exactly the one it records:
  every append, by any process, changes size and mtime, so the next read replays the journal and writes a new
  index. The stamp is taken *before* the journal is read, so an index can only be older than its stamp says,
  never newer: an append racing the rebuild makes the next read rebuild again.
* It never breaks completion: an index that is missing, unreadable, foreign (not ours, not a regular file),
  malformed or of another version is ignored and the journal replayed; one that cannot be written is skipped.
* Written privately and atomically: a 0600 temporary file in the journal's directory, renamed over the old
  index, so a reader sees a whole index or none.
* It holds only what a shell can offer: an ID with a control character or a line break (a hostile CPI's) would
  break the shell's list or its terminal, so it is left out; such characters elsewhere become spaces.
* The fresh path imports only the standard library; the replay machinery loads only when the index is rebuilt.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

FORMAT = 1
SUFFIX = ".live-ids.json"
#: What a shell cannot show or insert as part of one word. An ID holding one (a hostile CPI's) is left out of the
#: index; in the other fields it becomes a space. Done once here, so a Tab does not scan 10,000 IDs for it.
_UNSHOWABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class LiveId(NamedTuple):
    kind: str
    cid: str
    origin: str  # the creating method, "imported", or "-" when unknown
    created_at: str


class UnansweredCall(NamedTuple):
    call: str
    method: str
    reason: str


@dataclass
class LiveIds:
    """What completion offers from one session: live IDs newest first, and calls that may have created one. The
    rows stay the index's lists until asked for: a Tab in a session of 10,000 IDs should not build 10,000 objects
    to offer ten."""

    rows: list[Any] = field(default_factory=list)  # [kind, cid, origin, created_at], newest first
    call_rows: list[Any] = field(default_factory=list)  # [call, method, reason]

    def matching(self, kind: str | None, prefix: str = "") -> list[LiveId]:
        """Live IDs of `kind` (every kind: None) that start with `prefix`, newest first. A row of the wrong shape
        (an index edited by hand) is left out; only its ID must be text, the rest is only ever shown."""
        return [LiveId(*row) for row in self.rows
                if type(row) is list and len(row) == 4 and (kind is None or row[0] == kind)
                and type(row[1]) is str and row[1].startswith(prefix)]

    def calls(self, prefix: str = "") -> list[UnansweredCall]:
        return [UnansweredCall(*row) for row in self.call_rows
                if type(row) is list and len(row) == 3 and type(row[0]) is str and row[0].startswith(prefix)]


def index_path(journal: Path) -> Path:
    return journal.parent / f"{journal.name}{SUFFIX}"


def live_ids(journal: Path) -> LiveIds:
    """The session's live IDs, from the index while it matches the journal, else by replaying (and re-indexing).
    Raises what replaying raises (StoreError) when the journal itself cannot be read."""
    stamp = _stamp(journal)
    if stamp is None:
        return LiveIds()
    index = index_path(journal)
    found = _read(index, stamp)
    if found is not None:
        return found
    found = _replayed(journal)
    _write(index, stamp, found)
    return found


def _stamp(journal: Path) -> list[int] | None:
    try:
        status = os.stat(journal)
    except FileNotFoundError:
        return None
    return [status.st_ino, status.st_size, status.st_mtime_ns]


def _read(index: Path, stamp: list[int]) -> LiveIds | None:
    try:
        fd = os.open(index, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        status = os.fstat(fd)
        # someone else's file (a shared --state directory) could offer IDs the user never made
        if not (stat.S_ISREG(status.st_mode) and status.st_uid == os.geteuid()):
            return None
        with os.fdopen(fd, "rb", closefd=False) as stream:
            data = json.loads(stream.read())
        if data.get("v") != FORMAT or data.get("journal") != stamp:
            return None
        rows, calls = data["ids"], data["calls"]
        return LiveIds(rows, calls) if type(rows) is list and type(calls) is list else None
    except (OSError, ValueError, TypeError, KeyError, AttributeError):  # a broken index is only a slower Tab
        return None
    finally:
        os.close(fd)


def _replayed(journal: Path) -> LiveIds:
    from cpictl.store.store import CloudIdStore

    state = CloudIdStore(journal).replay()
    rows = [[record.kind.value, record.cid, "imported" if record.imported else record.method or "-",
             record.created_at or ""] for record in state.live()]
    calls = [[call.call, call.method, call.reason] for call in state.calls if call.status == "unanswered"]
    return LiveIds(rows=[[_shown(part) for part in row] for row in rows if not _UNSHOWABLE.search(row[1])],
                   call_rows=[[_shown(part) for part in row] for row in calls if not _UNSHOWABLE.search(row[0])])


def _shown(text: str) -> str:
    return _UNSHOWABLE.sub(" ", text)


def _write(index: Path, stamp: list[int], found: LiveIds) -> None:
    """Replace the index in one rename. No fsync: after a crash a torn index fails to parse and is rebuilt, and a
    whole one is consistent with its own stamp, so the journal's durability is not needed here."""
    document: dict[str, Any] = {
        "v": FORMAT, "journal": stamp,
        "ids": found.rows, "calls": found.call_rows}
    temporary = index.parent / f".{index.name}.{os.getpid()}.tmp"
    with contextlib.suppress(OSError):
        os.unlink(temporary)  # left by a killed process that had our PID
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError:  # a read-only directory: answer from the replay this time
        return
    try:
        with os.fdopen(fd, "wb", closefd=False) as stream:
            stream.write(json.dumps(document, separators=(",", ":")).encode())
        os.replace(temporary, index)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
    finally:
        os.close(fd)
