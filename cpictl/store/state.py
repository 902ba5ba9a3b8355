"""Replay: derive the session's cloud IDs from journal lines. The journal is the truth; this is a view of it.

Rules kept here:

* A record is keyed by (kind, cid): cloud-ID namespaces are per kind, so a VM and a disk may share a CID.
* `created` / `imported` make a record live; `deleted`, `gone` (verified absent) and `forgotten` end it.
  A CID created again (after deletion, or a CPI handing out the same CID twice) starts a new life at the end
  of the creation order; the second case is also a warning.
* Deleting (or finding gone) a VM detaches its disks; `update_disk` arrives as deleted-old plus created-new.
* Attach/detach of a disk the session never created or imported changes nothing: only IDs the session owns are
  tracked, so a cleanup never touches someone else's disk.
* A line that is not a journal entry is a warning naming the line, never an exception.
* Calls that may create or delete an ID leave a trace of their own: a `pending` line (the call ID, the method, its
  masked request) before the CPI starts, settled by any later line that carries the same `call` — the call's
  created/deleted lines, or a `settled` line when it changed nothing. A call still pending at the end of the journal
  is in flight or was interrupted (`cpictl.store.interrupted` finishes it); an `unanswered` one may have created
  something nobody knows the ID of, until the user dismisses it (`dismissed`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from cpictl.protocol.kinds import CloudIdKind
from cpictl.store.journal import JournalLine

FORMAT_VERSION = 1
CALL_EVENTS = ("created", "deleted", "attached", "detached")
USER_EVENTS = ("forgotten", "imported", "gone")
EVENTS = (*CALL_EVENTS, *USER_EVENTS, "state_imported")
#: The life of a call itself, keyed by its `call` ID rather than a cloud ID.
CALL_LIFE_EVENTS = ("pending", "settled", "unanswered", "dismissed")
ENDING_STATUS = {"deleted": "deleted", "gone": "gone", "forgotten": "forgotten"}

# Keys a line carries that map to record fields; anything else lands in CloudIdRecord.details.
_BASE_KEYS = frozenset({"v", "event", "kind", "cid", "time"})
_RECORD_KEYS = frozenset({"method", "request_id", "target", "attached_to", "agent_id", "disk_hint", "networks",
                          "api_version", "stemcell_api_version"})


@dataclass(slots=True)
class CloudIdRecord:
    """One cloud ID the session has seen, as of the end of the journal."""

    kind: CloudIdKind
    cid: str
    status: str = "live"  # live | deleted | gone | forgotten
    method: str | None = None  # the method that created it (None: never created in this session)
    request_id: str | None = None
    created_at: str | None = None
    deleted_at: str | None = None  # when it stopped being live: deleted, found gone or forgotten
    deleted_by: str | None = None  # the deleting method, or "gone" / "forgotten"
    target: list[str] | str | None = None  # the CPI argv (or a label) that created it
    attached_to: str | None = None  # disks: the VM CID it is attached to
    agent_id: str | None = None
    disk_hint: Any = None
    networks: Any = None
    imported: bool = False
    stemcell_api_version: int | None = None
    api_version: int | None = None
    details: dict[str, Any] = field(default_factory=dict)  # other fields of the line (size, name, source …)

    @property
    def is_live(self) -> bool:
        return self.status == "live"

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data, key order fixed (for `cpictl ids -o json`)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["kind"] = self.kind.value
        data["details"] = dict(self.details)
        return data


@dataclass(slots=True)
class OpenCall:
    """A call that may have created something cpictl has no ID for: in flight, interrupted, or never answered."""

    call: str
    method: str
    owner: str = ""
    request_id: str | None = None
    target: list[str] | str | None = None
    arguments: list[Any] = field(default_factory=list)
    api_version: int | None = None
    stemcell_api_version: int | None = None
    started_at: str | None = None
    status: str = "pending"  # pending (in flight, or interrupted and not yet looked at) | unanswered
    reason: str = ""  # unanswered: what happened (no answer, not JSON, timed out …)
    #: The target's name and caller when the call was made (see `cpictl.session.target_marks`); {} if unknown.
    marks: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"call": self.call, "method": self.method, "status": self.status, "reason": self.reason,
                "request_id": self.request_id, "started_at": self.started_at, "target": self.target,
                "arguments": self.arguments, "api_version": self.api_version}


@dataclass
class StoreState:
    """Every cloud ID ever seen, in creation order, plus the problems met while replaying."""

    records: list[CloudIdRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    director_uuid: str | None = None
    #: Calls not yet settled, oldest first: pending ones (in flight or interrupted) and unanswered ones.
    calls: list[OpenCall] = field(default_factory=list)
    #: Every call ID the journal has settled (to tell a finished call's leftover output files from a lost one's).
    settled_calls: set[str] = field(default_factory=set)
    _index: dict[tuple[str, str], CloudIdRecord] = field(default_factory=dict, repr=False)  # (kind value, cid)

    def live(self, kind: CloudIdKind | str | None = None) -> list[CloudIdRecord]:
        """Live records of one kind (or all), newest first."""
        wanted = CloudIdKind(kind) if kind is not None else None
        return [r for r in reversed(self.records) if r.is_live and (wanted is None or r.kind is wanted)]

    def latest(self, kind: CloudIdKind | str) -> CloudIdRecord | None:
        wanted = CloudIdKind(kind)
        return next((r for r in reversed(self.records) if r.is_live and r.kind is wanted), None)

    def get(self, cid: str, kind: CloudIdKind | str | None = None) -> CloudIdRecord | None:
        """The record of a CID; without a kind, a live record wins over ended ones, then the newest."""
        kinds = [CloudIdKind(kind)] if kind is not None else list(CloudIdKind)
        found = [r for k in kinds if (r := self._index.get((k.value, cid))) is not None]
        if not found:
            return None
        live = [r for r in found if r.is_live] or found
        return max(live, key=self.records.index) if len(live) > 1 else live[0]

    def attached_disks(self, vm_cid: str) -> list[CloudIdRecord]:
        return [r for r in self.records if r.kind is CloudIdKind.DISK and r.is_live and r.attached_to == vm_cid]


def replay(lines: Iterable[JournalLine], source: str, warnings: Iterable[tuple[int, str]] = ()) -> StoreState:
    """Fold journal lines into a StoreState; `warnings` are the reader's (line number, message) pairs."""
    replayer = _Replayer()
    numbered = list(warnings)
    for line in lines:
        problem = replayer.apply(line.entry)
        if problem:
            numbered.append((line.number, f"line {line.number} of {source}: {problem}"))
    state = StoreState(warnings=[message for _, message in sorted(numbered, key=lambda pair: pair[0])])
    state.records = list(replayer.order.values())
    state.calls = list(replayer.calls.values())
    state.settled_calls = replayer.settled
    state.director_uuid = replayer.director_uuid
    state._index = replayer.order
    return state


# Keys are (kind value, cid) strings: hashing a CloudIdKind runs Enum.__hash__ in Python, and replay hashes a lot.
Key = tuple[str, str]
_KINDS: dict[Any, CloudIdKind] = {kind.value: kind for kind in CloudIdKind}


class _Replayer:
    """The fold's working state: records in creation order, and which disks each VM holds."""

    def __init__(self) -> None:
        self.order: dict[Key, CloudIdRecord] = {}  # dict insertion order = creation order
        self.disks_of_vm: dict[str, set[str]] = {}  # VM cid -> disk cids; keeps VM deletion O(its disks)
        self.director_uuid: str | None = None
        self.calls: dict[str, OpenCall] = {}  # call ID -> a call not yet settled
        self.settled: set[str] = set()

    def apply(self, entry: Any) -> str | None:
        """Apply one entry; return a problem to warn about, or None."""
        if not isinstance(entry, dict) or "event" not in entry:
            return "not a journal entry; skipped"
        version = entry.get("v")
        if version != FORMAT_VERSION:
            return f"journal format v={_shown(version)} is not v={FORMAT_VERSION} (written by another cpictl?); skipped"
        event = entry["event"]
        call = entry.get("call")
        if call is not None:
            if not isinstance(call, str) or not call:
                return f"{event} event with a malformed call ID; skipped"
            if event in CALL_LIFE_EVENTS:
                return self._call_life(call, event, entry)
            self.calls.pop(call, None)  # the call's own outcome lines settle it
            self.settled.add(call)
        elif event in CALL_LIFE_EVENTS:
            return f"{event} event without a call ID; skipped"
        if event == "state_imported":
            self.director_uuid = entry.get("director_uuid") or self.director_uuid
            return None
        if event not in EVENTS:
            return f"unknown event {_shown(event)}; skipped"
        kind = _KINDS.get(entry.get("kind"))  # a dict, not CloudIdKind(): replay must stay fast for REPL completion
        if kind is None:
            return f"unknown cloud-ID kind {_shown(entry.get('kind'))}; skipped"
        cid = entry.get("cid")
        if not isinstance(cid, str) or not cid:
            if cid is None or cid == "":
                return f"{event} event without a cloud ID; skipped"
            kind_of = {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "an object"}
            return (f"{event} event whose cid is {kind_of.get(type(cid), type(cid).__name__)}, not a string "
                    "(edited by hand?); skipped")
        key = (kind.value, cid)
        if event in ("created", "imported"):
            return self._create(key, kind, entry)
        if event in ENDING_STATUS:
            self._end(key, kind, entry)
        else:
            self._relate(key, entry)
        return None

    def _call_life(self, call: str, event: str, entry: dict[str, Any]) -> str | None:
        if event == "pending":
            method = entry.get("method")
            if not isinstance(method, str):
                return "pending call without a method; skipped"
            arguments = entry.get("arguments")
            self.calls[call] = OpenCall(
                call=call, method=method, owner=_text(entry.get("owner")) or "",
                request_id=_text(entry.get("request_id")),
                target=entry.get("target") if isinstance(entry.get("target"), (list, str)) else None,
                arguments=arguments if isinstance(arguments, list) else [],
                api_version=_integer(entry.get("api_version")),
                stemcell_api_version=_integer(entry.get("stemcell_api_version")), started_at=_text(entry.get("time")),
                marks={key: entry[key] for key in ("target_name", "caller") if isinstance(entry.get(key), str)})
        elif event == "unanswered":
            open_call = self.calls.get(call)
            if open_call is not None:
                open_call.status = "unanswered"
                open_call.reason = _text(entry.get("reason")) or "no answer"
        else:  # settled, dismissed
            self.calls.pop(call, None)
            self.settled.add(call)
        return None

    def _create(self, key: Key, kind: CloudIdKind, entry: dict[str, Any]) -> str | None:
        old = self.order.pop(key, None)  # a new life goes to the end of the creation order
        if old is not None:
            self._set_attachment(old, None)
        known: dict[str, Any] = {}
        details: dict[str, Any] = {}
        wrong: list[str] = []
        for name, value in entry.items():
            if name in _RECORD_KEYS:
                if _fits(name, value):
                    known[name] = value
                else:
                    wrong.append(name)
            elif name not in _BASE_KEYS:
                details[name] = value
        record = CloudIdRecord(kind=kind, cid=key[1], created_at=_text(entry.get("time")),
                               imported=entry["event"] == "imported", details=details, **known)
        attached_to, record.attached_to = record.attached_to, None
        if record.kind is CloudIdKind.DISK:  # only disks attach; the index must know about it
            self._set_attachment(record, attached_to, record.disk_hint)
        self.order[key] = record
        if old is not None and old.is_live and entry["event"] == "created":
            return (f"{kind} {_shown(key[1])} was created again while still live (the CPI handed out the same CID "
                    "twice?)")
        if wrong:
            return f"{', '.join(wrong)} of the wrong type (edited by hand?); ignored, the ID is kept"
        return None

    def _end(self, key: Key, kind: CloudIdKind, entry: dict[str, Any]) -> None:
        event = entry["event"]
        record = self.order.get(key)
        if record is None:
            if event == "forgotten":
                return
            # Deleting an ID created elsewhere: remember that it is gone, but it was never ours (method None).
            record = self.order[key] = CloudIdRecord(kind=kind, cid=key[1])
        record.status = ENDING_STATUS[event]
        record.deleted_at = _text(entry.get("time"))
        record.deleted_by = _text(entry.get("method")) if event == "deleted" else event
        if event == "forgotten":
            return  # a forgotten VM still exists somewhere, with its disks attached
        self._set_attachment(record, None)
        if kind is CloudIdKind.VM:
            for disk_cid in list(self.disks_of_vm.get(key[1], ())):
                self._set_attachment(self.order[("disk", disk_cid)], None)

    def _relate(self, key: Key, entry: dict[str, Any]) -> None:
        disk = self.order.get(key)
        if disk is None or not disk.is_live or disk.kind is not CloudIdKind.DISK:
            return
        if entry["event"] == "attached":
            self._set_attachment(disk, entry.get("attached_to"), entry.get("disk_hint"))
        elif entry.get("detached_from") in (None, disk.attached_to):
            self._set_attachment(disk, None)

    def _set_attachment(self, disk: CloudIdRecord, vm_cid: Any, hint: Any = None) -> None:
        if disk.attached_to is not None:
            self.disks_of_vm[disk.attached_to].discard(disk.cid)
        disk.attached_to = vm_cid if isinstance(vm_cid, str) and vm_cid else None
        disk.disk_hint = hint if disk.attached_to else None
        if disk.attached_to is not None:
            self.disks_of_vm.setdefault(disk.attached_to, set()).add(disk.cid)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


#: The type each record field must have in a journal line; a line edited by hand may break it.
_FIELD_TYPES: dict[str, type] = {"method": str, "request_id": str, "attached_to": str, "agent_id": str,
                                 "api_version": int, "stemcell_api_version": int}


def _shown(value: Any) -> str:
    """A value from a journal line, for a warning: quoted, escaped, and cut short when long (a hand-made line may
    hold anything; a CPI may hand out a 10,000-character ID)."""
    text = repr(value) if isinstance(value, (str, int, float, bool, type(None))) else type(value).__name__
    return text if len(text) <= 120 else f"{text[:100]}…' ({len(value)} characters)"


def _fits(name: str, value: Any) -> bool:
    if value is None or name in ("disk_hint", "networks"):
        return True
    if name == "target":
        return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
    wanted = _FIELD_TYPES[name]
    return isinstance(value, wanted) and not (wanted is int and isinstance(value, bool))
