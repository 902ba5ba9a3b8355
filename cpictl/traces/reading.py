"""Reading a trace to look at it: find an entry, the last few entries, filter them, and say in a word how each
call ended and which cloud IDs it changed.

Rules kept:
- Reading streams (`TraceFile` forwards, `entries_backwards` from the end), so a trace of any size is read in
  constant memory; `--last N` and the REPL's `:trace` read only the end of the file.
- What a call changed in cloud IDs is derived from its request and response by the catalogue, as the session
  derived it when it journalled them (`cloud_id_changes`): the trace never stores IDs twice.
- An entry is judged by what it holds, whoever wrote it (cpictl, a recorder, an imported log): its violations and
  its response, exactly as `CallOutcome.status` judges a live call.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from cpictl.traces.trace_file import TraceFile, session_trace

#: Verdicts that stand for a call that never gave an answer to judge (`CallOutcome.failure`), not for an answer.
FAILURE_CODES = frozenset({"process.failed", "negotiation.refused", "stdout.too-large"})
_BLOCK = 64 * 1024
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_HEAD_NUMBER = re.compile(rb'^\{"v":\d+,"n":(\d+)[,}]')


class TraceLookupError(ValueError):
    """The entry or trace asked for is not there; the message says what is (a user error, not a bug)."""


def trace_for(journal: Path, file: Path | None) -> TraceFile:
    """The trace a command reads: `--file F` (a recorder's, an import's), else the session's own."""
    if file is None:
        return session_trace(journal)
    if not file.exists():
        raise TraceLookupError(f"--file {file}: no such file")
    if file.is_dir():
        raise TraceLookupError(f"--file {file}: is a directory, not a trace file")
    return TraceFile(file)


def find_entry(trace: TraceFile, number: int) -> dict[str, Any]:
    """Entry `number`, or a TraceLookupError saying which numbers the trace holds.

    Lines are read raw and only the one whose head names `number` is decoded (`TraceFile.append` writes `v` and
    `n` first): `trace show 3` of a trace of a million calls decodes one line, not all of them."""
    last: int | None = None
    for raw in _raw_lines(trace):
        head = _HEAD_NUMBER.search(raw, 0, 64)
        if head is not None and int(head.group(1)) != number:
            last = int(head.group(1))
            continue
        entry = _entry(raw)  # the one asked for, or a line some other writer shaped otherwise
        if entry is None:
            continue
        if entry["n"] == number:
            return entry
        last = entry["n"]
    if last is None:
        raise TraceLookupError(f"{trace.path} holds no calls yet")
    raise TraceLookupError(f"no call {number} in {trace.path} (it holds 1 to {last}; `cpictl trace list` shows them)")


def _raw_lines(trace: TraceFile) -> Iterator[bytes]:
    handle = trace.open_for_reading()
    if handle is None:
        return
    with handle:
        yield from handle


def entries_backwards(trace: TraceFile) -> Iterator[dict[str, Any]]:
    """Every readable entry, newest first, read block by block from the file's end (a torn or foreign line is
    skipped, as the forward reader skips it)."""
    handle = trace.open_for_reading()
    if handle is None:
        return
    with handle:
        position = os.fstat(handle.fileno()).st_size
        rest = b""  # the start of the line that ends where the last block began
        while position > 0:
            start = max(0, position - _BLOCK)
            handle.seek(start)
            lines = (handle.read(position - start) + rest).split(b"\n")
            position = start
            rest = lines.pop(0) if position > 0 else b""
            for raw in reversed(lines):
                entry = _entry(raw)
                if entry is not None:
                    yield entry


def _entry(raw: bytes) -> dict[str, Any] | None:
    if not raw.strip():
        return None
    try:
        entry = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return entry if isinstance(entry, dict) and isinstance(entry.get("n"), int) else None


def last_entries(trace: TraceFile, count: int | None, keep: Callable[[dict[str, Any]], bool] = lambda e: True
                 ) -> list[dict[str, Any]] | Iterable[dict[str, Any]]:
    """The entries `keep` accepts, oldest first: only the last `count` of them (read from the end), or all of
    them as a stream when `count` is None."""
    if count is None:
        return (line.entry for line in trace if keep(line.entry))
    found: list[dict[str, Any]] = []
    if count > 0:
        for entry in entries_backwards(trace):
            if keep(entry):
                found.append(entry)
                if len(found) >= count:
                    break
    found.reverse()
    return found


def entry_status(entry: dict[str, Any]) -> str:
    """`ok`, `cpi-error`, `misbehaved` — as `CallOutcome.status` — or `not-sent` for a call its caller refused."""
    violations = [v for v in entry.get("violations") or [] if isinstance(v, dict)]
    if any(v.get("code") == "negotiation.refused" for v in violations) and entry.get("exit_code") is None \
            and entry.get("duration_s") is None:
        return "not-sent"
    if any(v.get("severity") == "error" for v in violations):
        return "misbehaved"
    response = entry.get("response")
    if isinstance(response, dict) and response.get("error") is not None:
        return "cpi-error"
    return "ok" if isinstance(response, dict) else "misbehaved"


def error_type(entry: dict[str, Any]) -> str | None:
    response = entry.get("response")
    error = response.get("error") if isinstance(response, dict) else None
    return str(error.get("type", "")) if isinstance(error, dict) else None


def request_of(entry: dict[str, Any]) -> tuple[str, list[Any], dict[str, Any], Any]:
    """(method, arguments, context, api_version) as the entry holds them; odd shapes (a `--raw` probe, a log line
    cut short) read as empty rather than raising."""
    request = entry.get("request")
    request = request if isinstance(request, dict) else {}
    method, arguments, context = request.get("method"), request.get("arguments"), request.get("context")
    return (method if isinstance(method, str) else "?", arguments if isinstance(arguments, list) else [],
            context if isinstance(context, dict) else {}, request.get("api_version"))


def entry_changes(entry: dict[str, Any]) -> Any:
    """The cloud IDs the call created and deleted (`CloudIdChanges`), derived as the session derived them."""
    from cpictl.protocol.catalogue import CloudIdChanges, cloud_id_changes, get_method

    method, arguments, _, api_version = request_of(entry)
    spec = get_method(method)
    response = entry.get("response")
    if spec is None or not isinstance(response, dict):
        return CloudIdChanges()
    succeeded = response.get("error") is None and "result" in response
    version = api_version if isinstance(api_version, int) and not isinstance(api_version, bool) else None
    return cloud_id_changes(spec, arguments, response.get("result"), version, succeeded)


def target_word(entry: dict[str, Any]) -> str:
    """The target in a word or two: its name, `refcpi` for the bundled reference CPI, the job of a BOSH job's
    `jobs/<job>/bin/<file>` (the director's and create-env's layout: `aws_cpi`), else the executable."""
    target = entry.get("target")
    target = target if isinstance(target, dict) else {}
    if target.get("name"):
        return str(target["name"])
    argv = target.get("argv")
    argv = [str(item) for item in argv] if isinstance(argv, list) else []  # a line of another shape: no argv
    if "cpictl.refcpi" in argv[:3] or (argv and os.path.basename(argv[0]) == "cpictl-refcpi"):
        return "refcpi"
    if not argv:
        return "-"
    parts = Path(argv[0]).parts
    if len(parts) >= 4 and parts[-4] == "jobs" and parts[-2] == "bin":
        return parts[-3]
    return "/".join(parts[-3:]) if len(parts) > 3 else argv[0]


def entry_time(entry: dict[str, Any]) -> datetime | None:
    text = entry.get("time")
    if not isinstance(text, str):
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """`--since`: a duration back from now (`90s`, `10m`, `2h`, `1d`, `1h30m`), a time today (`14:30`), or a
    date or time stamp (`2026-12-06`, `2026-12-06T14:30`; local time unless it names its zone)."""
    now = now or datetime.now(timezone.utc)
    spec = text.strip()
    pieces = _DURATION.findall(spec)
    if pieces and "".join(number + unit for number, unit in pieces) == spec:
        return now - timedelta(seconds=sum(float(number) * _UNITS[unit] for number, unit in pieces))
    try:
        if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", spec):
            local = now.astimezone()
            when = datetime.combine(local.date(), time(*map(int, spec.split(":"))), tzinfo=local.tzinfo)
        else:
            when = datetime.fromisoformat(spec.replace("Z", "+00:00"))
    except ValueError:
        raise TraceLookupError(f"--since: expected a duration (10m, 2h, 1d), a time (14:30) or a date "
                               f"(2026-12-06T14:30), got '{text}'") from None
    return when if when.tzinfo else when.astimezone()  # a naive stamp is local time


def entry_filter(method: list[str] | None = None, failed: bool = False,
                 since: datetime | None = None) -> Callable[[dict[str, Any]], bool]:
    """The entries `trace list` keeps: of these methods, not ok (`--failed`), at or after `since`."""
    methods = frozenset(method or ())

    def keep(entry: dict[str, Any]) -> bool:
        if methods and request_of(entry)[0] not in methods:
            return False
        if failed and entry_status(entry) == "ok":
            return False
        if since is not None:
            when = entry_time(entry)
            if when is None or when < since:
                return False
        return True

    return keep


def list_row(entry: dict[str, Any]) -> dict[str, Any]:
    """One call as `trace list -o json` shows it."""
    changes = entry_changes(entry)
    violations = [v for v in entry.get("violations") or [] if isinstance(v, dict)]
    return {"n": entry.get("n"), "time": entry.get("time"), "source": entry.get("source"),
            "target": target_word(entry), "method": request_of(entry)[0], "status": entry_status(entry),
            "error_type": error_type(entry), "duration_s": entry.get("duration_s"),
            "created": [{"kind": str(kind), "cid": cid} for kind, cid in changes.created],
            "deleted": [{"kind": str(kind), "cid": cid} for kind, cid in changes.deleted],
            "violations": [str(v.get("code")) for v in violations]}
