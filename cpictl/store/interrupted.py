"""Finishing calls whose cpictl died while their CPI ran (SIGKILL, a crash, a power-cut of the terminal).

Such a call left a `pending` line in the journal and its CPI's output files in the spool (`spool.py`); the CPI, in
its own session, usually lived on and answered into them. Every command that opens the session calls
`settle_interrupted_calls`, which, for each call whose owner is dead:

- leaves it alone while something still holds its output files open for writing and its stdout holds no whole
  answer yet: the CPI is still running, and `describe_open_calls` says so, with its PID. A whole answer is
  journalled even then: the holder may be a process the CPI left behind that never exits, and the IDs in the
  answer must not wait for it (the holders' PIDs are reported);
- decodes, checks and journals an answer found in the stdout file, as if the call had just returned, each line
  noting the interrupted call it came from (`recovered_from`);
- marks a create call with no usable answer `unanswered`: it may have made something whose ID nobody knows, and
  `cpictl ids`/`cleanup` list it with its request until the user dismisses it;
- then deletes the files. Output files of dead owners that no open call names are deleted when their call was
  settled (a crash between journalling and clean-up) or when they hold nothing; one holding an answer the journal
  knows nothing of is kept and reported.

It all happens under the journal lock, after a fresh read: two commands opening the session at once finish each
call once. A live owner (another cpictl still running its call) is never touched.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cpictl.protocol.catalogue import CloudIdChanges, cloud_id_changes, get_method
from cpictl.protocol.codec import decode_response
from cpictl.store.extras import journal_extras
from cpictl.store.spool import owner_of
from cpictl.store.state import OpenCall, StoreState
from cpictl.store.store import CloudIdStore
from cpictl.transport.outputs import has_writer

#: An answer longer than this is not decoded (as for a call that returns): it cannot be trusted.
STDOUT_LIMIT = 256 * 1024 * 1024


@dataclass
class Finished:
    """What happened to one interrupted call: `journalled` (its answer was), `unanswered`, or `running`."""

    call: OpenCall
    what: str
    created: list[tuple[str, str]] = field(default_factory=list)
    deleted: list[tuple[str, str]] = field(default_factory=list)
    relation: str = ""  # "disk d-1 attached to vm v-1", for an attach or detach
    violations: list[str] = field(default_factory=list)  # codes of the answer's error-severity violations
    reason: str = ""
    pids: list[int] = field(default_factory=list)


@dataclass
class Settlement:
    """Everything `settle_interrupted_calls` did or saw, for the command to tell the user."""

    finished: list[Finished] = field(default_factory=list)
    kept_files: list[Path] = field(default_factory=list)  # answers no journal line names: kept for a person


def settle_interrupted_calls(store: CloudIdStore, state: StoreState | None = None) -> Settlement:
    """Finish the session's interrupted calls (see the module docstring). `state`: a replay the caller already
    has, so pending calls whose output files are gone are found too. Cheap when there is nothing to do: one
    directory listing."""
    spool = store.spool
    dead = {owner for owner in spool.owners_with_files() if not spool.owner_alive(owner)}
    stale = [] if state is None else [c for c in state.calls if c.status == "pending"
                                      and not spool.owner_alive(c.owner or owner_of(c.call))]
    if not dead and not stale:
        return Settlement()
    settlement = Settlement()
    with store.locked():
        state = store.replay()
        for open_call in state.calls:
            owner = open_call.owner or owner_of(open_call.call)
            if open_call.status == "pending" and not spool.owner_alive(owner):
                settlement.finished.append(_finish(store, open_call))
        open_ids = {c.call for c in state.calls if c.status == "pending"}
        for owner in dead:
            settlement.kept_files += _tidy(store, owner, open_ids, state.settled_calls)
    return settlement


def _finish(store: CloudIdStore, open_call: OpenCall) -> Finished:
    out, err = store.spool.output_paths(open_call.call)
    held = _written(out) or _written(err)
    stdout = _read_answer(out)
    pids: list[int] = []
    if held:
        from cpictl.transport.holders import processes_holding

        pids = processes_holding([path.stat() for path in (out, err) if path.exists()])
        if not _whole_answer(stdout):
            return Finished(open_call, "running", pids=pids)
    spec = get_method(open_call.method)
    record: dict[str, Any] = {"method": open_call.method, "request_id": open_call.request_id,
                              "target": open_call.target if open_call.target is not None else "",
                              "api_version": open_call.api_version,
                              "stemcell_api_version": open_call.stemcell_api_version}
    finished = Finished(open_call, "journalled", pids=pids)
    changes, unanswered = CloudIdChanges(), None
    if stdout is None or not stdout.strip():
        unanswered = "no answer: cpictl was gone before the CPI finished, and the CPI wrote nothing"
    else:
        decoded = decode_response(stdout[0:STDOUT_LIMIT], method=open_call.method,
                                  api_version=open_call.api_version, exit_code=None,
                                  stdout_truncated=len(stdout) > STDOUT_LIMIT)
        finished.violations = [v.code for v in decoded.violations if v.severity == "error"]
        document = decoded.document
        succeeded = bool(document is not None and document.get("error") is None and "result" in document)
        if spec is not None:
            changes = cloud_id_changes(spec, open_call.arguments, decoded.result, open_call.api_version, succeeded)
        record["extras"] = {**journal_extras(open_call.method, open_call.arguments, decoded.result),
                            **open_call.marks, "recovered_from": f"interrupted call {open_call.call}"}
        if decoded.error is None and spec is not None and spec.creates and spec.creates.replaces_arg is None \
                and not changes.created:
            unanswered = f"no usable answer ({', '.join(finished.violations) or 'no ID in it'})"
    if unanswered and not (spec is not None and spec.creates):
        unanswered = None  # a delete or attach that never answered: its IDs stay as they were, nothing is lost
        finished.reason = "no answer"
    store.finish_call(open_call.call, changes=changes, unanswered=unanswered, **record)
    for path in (out, err):
        path.unlink(missing_ok=True)
    finished.created = [(str(kind), cid) for kind, cid in changes.created]
    finished.deleted = [(str(kind), cid) for kind, cid in changes.deleted]
    if changes.attached or changes.detached:
        vm_cid, disk_cid = changes.attached or changes.detached  # type: ignore[misc]
        finished.relation = f"disk {disk_cid} {'attached to' if changes.attached else 'detached from'} vm {vm_cid}"
    if unanswered:
        finished.what, finished.reason = "unanswered", unanswered
    return finished


def _tidy(store: CloudIdStore, owner: str, open_ids: set[str], settled: set[str]) -> list[Path]:
    """Delete a dead owner's files that no pending call needs; return the ones kept for a person to look at."""
    kept = []
    for path in store.spool.files_of_owner(owner):
        call = path.stem
        if path.suffix == ".owner" or call in open_ids:
            continue
        if call not in settled and path.suffix == ".out" and _size(path) and not _written(path):
            kept.append(path)  # an answer the journal has no line for (the journal was replaced meanwhile?)
            continue
        if not _written(path):
            path.unlink(missing_ok=True)
    if not [p for p in store.spool.files_of_owner(owner) if p.suffix != ".owner"]:
        store.spool.remove_owner(owner)
    return kept


def _written(path: Path) -> bool:
    """Whether some process still holds the file open for writing (the orphaned CPI, or a child of it)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        return has_writer(fd)
    finally:
        os.close(fd)


def _whole_answer(stdout: bytes | None) -> bool:
    """Whether stdout holds a whole JSON document: what a CPI writes last, so nothing it still writes can change
    the IDs in it."""
    if not stdout or len(stdout) > STDOUT_LIMIT:
        return False
    from cpictl.protocol.json_decoding import decode_json

    try:
        decode_json(stdout.decode("utf-8", "surrogateescape"))
    except ValueError:
        return False
    return True


def _read_answer(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as answer:
            return answer.read(STDOUT_LIMIT + 1)
    except FileNotFoundError:
        return None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def describe_open_calls(store: CloudIdStore, state: StoreState) -> list[tuple[OpenCall, str, str]]:
    """Each open call with its state — `may exist` (it may have created something), `running` (its CPI still
    runs, or its cpictl does) or `pending` (interrupted; the next command finishes it) — and a detail."""
    described = []
    for open_call in state.calls:
        if open_call.status == "unanswered":
            described.append((open_call, "may exist", open_call.reason))
            continue
        owner = open_call.owner or owner_of(open_call.call)
        out, err = store.spool.output_paths(open_call.call)
        if store.spool.owner_alive(owner):
            mine = owner == store.spool.own_owner
            described.append((open_call, "running", "in this cpictl" if mine else "in another cpictl"))
        elif _written(out) or _written(err):
            from cpictl.transport.holders import processes_holding

            pids = processes_holding([path.stat() for path in (out, err) if path.exists()])
            where = f" (pid {', '.join(map(str, pids))})" if pids else ""
            described.append((open_call, "running", f"cpictl was interrupted, its CPI still runs{where}: the "
                                                    "next command journals its answer"))
        else:
            described.append((open_call, "pending", "interrupted: the next command finishes it"))
    return described
