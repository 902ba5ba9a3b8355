"""A small index of a session's live cloud IDs, kept beside its journal for shell completion.

A shell's Tab starts a new cpictl process every time, and replaying a journal of 10,000 IDs costs that process
~165 ms — longer than a Tab may take (`make bench`). `<journal>.live-ids.json` holds only what completion offers:
the live IDs newest first (kind, cid, the method that created them or "imported", when) and the open calls (an
unanswered one may have created something unnamed: `ids forget` dismisses it), stamped with the journal's
(inode, size, mtime) and the CRC-32 of its bytes when it was built.

Rules this module keeps:

* The journal stays the truth. The index answers alone only while the journal's stamp is exactly the one it
  records. Every append, by any process, changes size and mtime: when the same file has only grown — same inode,
  its first bytes still those the index was built from (their CRC-32), the new ones whole lines — those lines are
  folded into the index (`live_fold`, a few ms); anything else — another file, a shrunk or edited one, a line the
  fold was not written for, an append still in flight — replays the whole journal. An index is written only when
  what it was built from ends exactly at its stamp.
* It never breaks completion: an index that is missing, unreadable, foreign (not ours, not a regular file),
  malformed or of another version is ignored and the journal replayed; one that cannot be written is skipped.
* Written privately and atomically: a 0600 temporary file in the journal's directory, renamed over the old
  index, so a reader sees a whole index or none.
* It holds only what a shell can offer: an ID with a control character or a line break (a hostile CPI's) would
  break the shell's list or its terminal, so it is left out; such characters elsewhere become spaces.
* The fresh path imports only the standard library; the replay machinery loads only when the journal is replayed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

FORMAT = 2
SUFFIX = ".live-ids.json"
MAX_FOLDED_BYTES = 16 * 1024 * 1024  # beyond this much appended, replaying costs no more than folding
#: What a shell cannot show or insert as part of one word (see the module docstring). Done once here, when rows are
#: made, so a Tab does not scan 10,000 IDs for it.
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
    """What completion offers from one session. The rows stay the index's lists until asked for: a Tab in a session
    of 10,000 IDs should not build 10,000 objects to offer ten."""

    rows: list[Any] = field(default_factory=list)  # [kind, cid, origin, created_at], newest first
    #: [call, method, reason, status] of every open call, oldest first: pending ones too, which a later line may
    #: leave unanswered
    call_rows: list[Any] = field(default_factory=list)

    def matching(self, kind: str | None, prefix: str = "") -> list[LiveId]:
        """Live IDs of `kind` (every kind: None) that start with `prefix`, newest first. A row of the wrong shape
        (an index edited by hand) is left out; only its ID must be text, the rest is only ever shown."""
        return [LiveId(*row) for row in self.rows
                if type(row) is list and len(row) == 4 and (kind is None or row[0] == kind)
                and type(row[1]) is str and row[1].startswith(prefix)]

    def calls(self, prefix: str = "") -> list[UnansweredCall]:
        """The unanswered calls whose ID starts with `prefix`, oldest first."""
        return [UnansweredCall(*row[:3]) for row in self.call_rows
                if type(row) is list and len(row) == 4 and row[3] == "unanswered" and type(row[0]) is str
                and row[0].startswith(prefix)]


def index_path(journal: Path) -> Path:
    return journal.parent / f"{journal.name}{SUFFIX}"


def live_ids(journal: Path) -> LiveIds:
    """The session's live IDs: from the index while it matches the journal, else from the index and the lines
    appended since, else by replaying; a rebuilt index is written back. Raises what replaying raises
    (StoreError) when the journal itself cannot be read."""
    stamp = _stamp(journal)
    if stamp is None:
        return LiveIds()
    index = index_path(journal)
    document = _read(index)
    if document is not None and document["journal"] == stamp:
        return LiveIds(document["ids"], document["calls"])
    grown = _grown(journal, document, stamp) if document is not None else None
    if grown is not None:
        found, crc = grown
    else:
        found = _replayed(journal)
        crc = _checksum(journal, stamp)
    if crc is not None:
        _write(index, stamp, crc, found)
    return found


def _stamp(journal: Path) -> list[int] | None:
    try:
        status = os.stat(journal)
    except FileNotFoundError:
        return None
    return [status.st_ino, status.st_size, status.st_mtime_ns]


def _read(index: Path) -> dict[str, Any] | None:
    """The index document when it is ours and whole; None sends the caller to the journal."""
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
            document = json.loads(stream.read())
        shaped = (document.get("v") == FORMAT and type(document.get("journal")) is list
                  and type(document.get("crc")) is int and type(document.get("ids")) is list
                  and type(document.get("calls")) is list)
        return document if shaped else None
    except (OSError, ValueError, AttributeError):  # a broken index is only a slower Tab
        return None
    finally:
        os.close(fd)


def _grown(journal: Path, document: dict[str, Any], stamp: list[int]) -> tuple[LiveIds, int] | None:
    """The index brought up to `stamp` by folding in the lines appended since its own stamp, and the CRC-32 of the
    journal up to `stamp`; None when the journal did not simply grow by whole lines the fold understands."""
    try:
        inode, size = document["journal"][:2]
        grew = stamp[1] - size
        if inode != stamp[0] or type(size) is not int or not 0 < grew <= MAX_FOLDED_BYTES:
            return None
        data = memoryview(_stamped_bytes(journal, stamp))
        crc = zlib.crc32(data[:size])
        chunk = data[size:].tobytes()
        if crc != document["crc"] or not chunk.endswith(b"\n"):  # edited in place, or an append in flight
            return None
        entries = [json.loads(line) for line in chunk.split(b"\n") if line.strip()]
        from cpictl.store.live_fold import fold

        found = fold(LiveIds(document["ids"], document["calls"]), entries)
        return (found, zlib.crc32(chunk, crc)) if found is not None else None
    except (OSError, ValueError, TypeError, KeyError, IndexError):
        return None


def _checksum(journal: Path, stamp: list[int]) -> int | None:
    """The CRC-32 of the stamped journal, if it is still exactly as stamped: nothing may have been appended while
    it was replayed, as an index must never hold lines past its stamp."""
    try:
        return zlib.crc32(_stamped_bytes(journal, stamp)) if _stamp(journal) == stamp else None
    except OSError:
        return None


def _stamped_bytes(journal: Path, stamp: list[int]) -> bytes:
    """The journal's first `stamp` size bytes; OSError when it is another file now, or shorter."""
    fd = os.open(journal, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode) or status.st_ino != stamp[0]:
            raise OSError(f"{journal} is no longer the stamped journal")
        data = os.pread(fd, stamp[1], 0)
        if len(data) != stamp[1]:
            raise OSError(f"{journal} is shorter than its stamp")
        return data
    finally:
        os.close(fd)


def _replayed(journal: Path) -> LiveIds:
    from cpictl.store.store import CloudIdStore

    state = CloudIdStore(journal).replay()
    rows = [id_row(record.kind.value, record.cid, "imported" if record.imported else record.method,
                   record.created_at) for record in state.live()]
    calls = [call_row(call.call, call.method, call.reason, call.status) for call in state.calls]
    return LiveIds(rows=[row for row in rows if row is not None], call_rows=[row for row in calls if row is not None])


def id_row(kind: str, cid: str, origin: str | None, created_at: str | None) -> list[str] | None:
    """An index row, or None for an ID a shell cannot offer."""
    if _UNSHOWABLE.search(cid):
        return None
    return [kind, cid, _shown(origin or "-"), _shown(created_at or "")]


def call_row(call: str, method: str, reason: str, status: str) -> list[str] | None:
    if _UNSHOWABLE.search(call):
        return None
    return [call, _shown(method), _shown(reason), status]


def _shown(text: str) -> str:
    return _UNSHOWABLE.sub(" ", text)


def _write(index: Path, stamp: list[int], crc: int, found: LiveIds) -> None:
    """Replace the index in one rename. No fsync: after a crash a torn index fails to parse and is rebuilt, and a
    whole one is consistent with its own stamp, so the journal's durability is not needed here."""
    document = {"v": FORMAT, "journal": stamp, "crc": crc, "ids": found.rows, "calls": found.call_rows}
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
