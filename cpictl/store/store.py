"""CloudIdStore: the session's cloud-ID journal as one object — record calls, replay state, forget, import.

Every cloud ID a CPI returns is appended (and fsynced) by `record` before the caller shows it; state is only
ever derived by `replay`. Journal line format (one JSON object per line):

    {"v": 1, "event": "created"|"deleted"|"attached"|"detached"|"forgotten"|"imported"|"gone",
     "kind": "vm"|"disk"|…, "cid": "…", "method": …, "request_id": …, "target": argv list or label,
     "time": ISO-8601 UTC, ["api_version", "stemcell_api_version",] [extras: agent_id, disk_hint, networks …]}

An attach line names the VM in `attached_to`, a detach line in `detached_from`. An import also writes one
`state_imported` line (no kind/cid) carrying the director UUID.

A call that may create or delete an ID is made durable before its CPI starts (`begin_call`): its output files in
the spool (`spool`), then a `pending` line naming the call, its method and masked arguments. `finish_call` journals
what it changed on lines carrying the same `call`, or a `settled` line, or an `unanswered` one when a create gave
no usable ID; a pending call found later is finished by `cpictl.store.interrupted`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cpictl.protocol.catalogue import CloudIdChanges
from cpictl.protocol.kinds import CloudIdKind
from cpictl.store.createenv import ImportReport, read_create_env_state
from cpictl.store.errors import StoreError
from cpictl.store.journal import Journal
from cpictl.store.paths import DEFAULT_SESSION, default_journal_path
from cpictl.store.spool import Spool
from cpictl.store.state import EVENTS, FORMAT_VERSION, StoreState, replay

if TYPE_CHECKING:
    from cpictl.transport.outputs import OutputFiles

_RESERVED = frozenset({"v", "event", "kind", "cid", "time", "method", "request_id", "target", "call"})


@dataclass
class CallInFlight:
    """A durable call: its ID in the journal and the files its CPI writes into."""

    call_id: str
    outputs: OutputFiles


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class CloudIdStore:
    """One session's journal. Safe to use from several processes at once (appends lock the file)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._journal = Journal(self.path)
        self._cached: tuple[tuple[int, int, int] | None, StoreState] | None = None
        self.spool = Spool(self.path)

    @classmethod
    def for_session(cls, session: str = DEFAULT_SESSION) -> CloudIdStore:
        return cls(default_journal_path(session))

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the journal's lock (re-entrant): what is read inside stays true until the block ends."""
        with self._journal.locked():
            yield

    def begin_call(self, *, method: str, request_id: str | None, target: list[str] | str, arguments: list[Any],
                   api_version: int | None, stemcell_api_version: int | None,
                   marks: dict[str, Any] | None = None) -> CallInFlight:
        """Make a call durable before its CPI starts: create its output files, then journal (fsync) a `pending`
        line. `arguments` must already be masked; `marks` (target_name, caller) are kept for whoever finishes the
        call. Raises StoreError when the journal cannot take it, so no CPI
        runs whose cloud ID cpictl could not keep."""
        self._journal.check_regular()
        if self.spool.own_owner is None:  # this process's first call here: say what is wrong with the journal
            self._journal.check_writable()  # itself before anything is created beside it
        call_id, outputs = self.spool.new_call()
        owner = call_id.rpartition("-")[0]
        entry = {"v": FORMAT_VERSION, "event": "pending", "call": call_id, "owner": owner, "method": method,
                 "request_id": request_id, "target": target, "arguments": arguments, "api_version": api_version,
                 "stemcell_api_version": stemcell_api_version,
                 **{key: value for key, value in (marks or {}).items() if value is not None and key not in _RESERVED},
                 "time": utc_now()}
        try:
            self._journal.append([entry])
        except BaseException:
            outputs.remove()
            raise
        return CallInFlight(call_id, outputs)

    def finish_call(self, call_id: str, *, unanswered: str | None = None, **record: Any) -> None:
        """Journal a durable call's outcome: what it changed (as `record`), or that it changed nothing (`settled`),
        or — `unanswered` says why — that it may have created something without giving its ID."""
        self.record(**record, call=call_id, unanswered=unanswered)

    def record(self, *, method: str, request_id: str | None, target: list[str] | str, changes: CloudIdChanges,
               extras: dict[str, Any] | None = None, api_version: int | None = None,
               stemcell_api_version: int | None = None, call: str | None = None,
               unanswered: str | None = None) -> None:
        """Append what one successful call changed; on return the lines are on disk.

        `extras` (agent_id, disk_hint, networks …) go on every line of the call; None values are left out. An extra
        named like one of the journal's own keys (cid, kind, method …) is dropped rather than refused: the cloud
        ID must reach the disk even if a caller got its extras wrong. With `call`, every line names the durable
        call it settles, and a call that changed nothing still gets a line of its own.
        """
        common: dict[str, Any] = {"method": method, "request_id": request_id, "target": target}
        if call is not None:
            common["call"] = call
        usable = {key: value for key, value in (extras or {}).items() if key not in _RESERVED}
        optional = {"api_version": api_version, "stemcell_api_version": stemcell_api_version, **usable}
        time = utc_now()
        entries = [_line("created", kind, cid, time, common, optional) for kind, cid in changes.created]
        entries += [_line("deleted", kind, cid, time, common, optional) for kind, cid in changes.deleted]
        if changes.attached:
            vm_cid, disk_cid = changes.attached
            entries.append(_line("attached", CloudIdKind.DISK, disk_cid, time, common,
                                 {**optional, "attached_to": vm_cid}))
        if changes.detached:
            vm_cid, disk_cid = changes.detached
            entries.append(_line("detached", CloudIdKind.DISK, disk_cid, time, common,
                                 {**optional, "detached_from": vm_cid}))
        if call is not None and (unanswered or not entries):
            event = {"v": FORMAT_VERSION, "event": "unanswered" if unanswered else "settled", "call": call,
                     "time": time}
            entries.append({**event, "reason": unanswered} if unanswered else event)
        self._journal.append(entries)

    def settle_call(self, call_id: str, event: str = "settled", **fields: Any) -> None:
        """Close a call that produced nothing to record: `settled` (it never started, say) or `dismissed` (the user
        looked at an unanswered one)."""
        self._journal.append([{"v": FORMAT_VERSION, "event": event, "call": call_id, **fields, "time": utc_now()}])

    def check_writable(self) -> None:
        """Raise StoreError unless the journal can take an entry now (see Journal.check_writable)."""
        self._journal.check_writable()

    def record_event(self, event: str, kind: CloudIdKind | str, cid: str, **fields: Any) -> None:
        """Append one event that no CPI call reported: forgotten, gone (verified absent), imported …"""
        if event not in EVENTS or event == "state_imported":
            raise ValueError(f"unknown journal event {event!r}; expected one of {', '.join(EVENTS[:-1])}")
        if not isinstance(cid, str) or not cid:
            raise StoreError(f"refusing to record an empty {kind} cloud ID")
        clash = {"v", "event", "kind", "cid"}.intersection(fields)
        if clash:
            raise ValueError(f"fields may not set the journal's own keys: {', '.join(sorted(clash))}")
        common = {"method": fields.pop("method", None), "request_id": fields.pop("request_id", None),
                  "target": fields.pop("target", None)}
        self._journal.append([_line(event, CloudIdKind(kind), cid, fields.pop("time", utc_now()), common, fields)])

    def replay(self) -> StoreState:
        """The state derived from the whole journal; reused while the file is unchanged (REPL completion).
        Interrupted calls are listed in `calls`, not finished: `cpictl.store.interrupted` does that."""
        signature = self._journal.signature()
        if self._cached is not None and signature is not None and self._cached[0] == signature:
            return self._cached[1]
        read = self._journal.read()
        state = replay(read.lines, str(self.path), read.warnings)
        # The signature from before the read: if an append slipped in meanwhile, the next call reads again.
        self._cached = (signature, state)
        return state

    def forget(self, cid: str) -> bool:
        """Stop tracking a live cloud ID (it is not deleted), or dismiss an unanswered call by its call or request
        ID; False if neither matches."""
        with self._journal.locked():
            state = self.replay()
            live = [r for r in state.records if r.cid == cid and r.is_live]
            calls = [c for c in state.calls if c.status == "unanswered" and cid in (c.call, c.request_id)]
            time = utc_now()
            entries = [_line("forgotten", r.kind, cid, time, {"method": None}, {}) for r in live]
            entries += [{"v": FORMAT_VERSION, "event": "dismissed", "call": c.call, "time": time} for c in calls]
            self._journal.append(entries)
        for open_call in calls:
            for path in self.spool.output_paths(open_call.call):
                path.unlink(missing_ok=True)
        return bool(live or calls)

    def import_create_env_state(self, path: Path | str) -> ImportReport:
        """Pre-seed the session from a `bosh create-env` state file; IDs already live here are left alone."""
        parsed = read_create_env_state(Path(path))
        report = ImportReport(source=parsed.source, director_uuid=parsed.director_uuid,
                              warnings=list(parsed.warnings))
        target = f"create-env state {parsed.source}"
        with self._journal.locked():
            state = self.replay()
            if parsed.director_uuid and state.director_uuid not in (None, parsed.director_uuid):
                report.warnings.append(f"this session had director_uuid {state.director_uuid}; "
                                       f"now {parsed.director_uuid} from {parsed.source}")
            time = utc_now()
            entries = [{"v": FORMAT_VERSION, "event": "state_imported", "source": str(parsed.source),
                        "director_uuid": parsed.director_uuid, "installation_id": parsed.installation_id,
                        "time": time}]
            for item in parsed.items:
                known = state.get(item.cid, item.kind)
                if known is not None and known.is_live:
                    report.already_tracked.append((item.kind, item.cid))
                    continue
                fields = dict(item.fields)
                common = {"method": fields.pop("method", None), "request_id": None, "target": target}
                entries.append(_line("imported", item.kind, item.cid, time, common, fields))
                report.imported.append((item.kind, item.cid))
            self._journal.append(entries)
        return report


def _line(event: str, kind: CloudIdKind, cid: str, time: str, common: dict[str, Any],
          optional: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"v": FORMAT_VERSION, "event": event, "kind": kind.value, "cid": cid, **common,
                             "time": time}
    entry.update((key, value) for key, value in optional.items() if value is not None)
    return entry
