"""The capture file of the embedded registry: every request it answered, kept next to the session's journal.

`<journal name without .jsonl>.registry.jsonl`, one JSON object per line, appended (and fsynced) under a lock by
`cpictl.store.journal.Journal`, so several cpictl processes may share it:

    {"v": 1, "time": ISO-8601 UTC, "method": "PUT"|"GET"|"DELETE"|…, "path": "/instances/<id>/settings",
     "instance": "<id>" | null, "status": 200|400|401|404|413|…, "body": "<PUT body as sent>" | null,
     "body_bytes": <size of the body as sent> | null, "utf8": false (only when the body was not UTF-8),
     "registry": "<the registry's name>"}
    {"v": 1, "event": "started" | "stopped", "time": …, "registry": "<name>", "pid": <cpictl's pid> (started)}
    {"v": 1, "event": "refused", "time": …, "registry": "<name>", "counts": {"<status>": <how many>, …},
     "requests": [<the first refused request of each of the first few kinds, as a request line without a body,
                   with "count": how many of that kind>]}

Refused requests (401, 400, 413, 503, 507) are counted rather than written one by one: a `refused` line holds the
counts since the previous one (see `cpictl.registry.server`).

The `started`/`stopped` lines bracket one embedded registry's life, so a later process can tell that a VM was
created while a registry was attached even when the CPI never reached it (`cpictl.metadata.registry_runs`).
Lines written before those existed have no `registry` name and belong to no run.

Replaying it gives the registry's content (`current_entries`): a successful PUT sets an instance's settings text, a
successful DELETE removes it. The embedded registry seeds itself from it, so a registry-mode attach_disk in a later
process finds the entry create_vm wrote. The file holds full agent settings (secrets included), so it is 0600 like
the journal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = 1
SUFFIX = ".registry.jsonl"


def body_problem(body: str | None, utf8: bool = True) -> str | None:
    """Why a registry body cannot be agent settings whatever it holds: "not UTF-8 text", "not JSON"; None when it
    parses (it may still be the wrong JSON)."""
    if body is None:
        return None
    if not utf8:
        return "not UTF-8 text"
    try:
        json.loads(body)
    except ValueError:
        return "not JSON"
    return None


def decode_settings_body(body: str | None) -> Any:
    """A registry body as settings: decoded JSON, the raw text when it is not JSON, None when there is none."""
    if body is None:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body


def registry_log_path(journal: Path | str) -> Path:
    """The capture file beside a journal: sessions/default.jsonl → sessions/default.registry.jsonl."""
    journal = Path(journal)
    return journal.with_name(journal.name.removesuffix(".jsonl") + SUFFIX)


@dataclass(frozen=True)
class CapturedEntry:
    """One instance's registry entry as of the end of the capture file."""

    instance: str
    body: str | None  # the settings text last PUT; None when deleted since
    time: str | None
    utf8: bool = True  # False: the body was not UTF-8 (kept with replacement characters)
    body_bytes: int | None = None  # the size of the body as sent (lines from before it was recorded: None)

    def settings(self) -> Any:
        """The decoded settings; the raw text when it is not JSON (a CPI bug worth showing); None when deleted."""
        return decode_settings_body(self.body)

    def problem(self) -> str | None:
        """"not JSON" or "not UTF-8 text" when the body cannot be settings at all; else None."""
        return body_problem(self.body, self.utf8)


def append_entries(path: Path, entries: list[dict[str, Any]]) -> None:
    """Append capture lines durably. Raises cpictl.store.StoreError when they cannot be written."""
    from cpictl.store.journal import Journal

    Journal(path).append([{"v": FORMAT, **entry} for entry in entries])


def read_entries(path: Path) -> list[dict[str, Any]]:
    """The capture lines of a file (none when it does not exist); lines of another format are skipped."""
    from cpictl.store.journal import Journal

    read = Journal(path).read()
    return [line.entry for line in read.lines if isinstance(line.entry, dict) and line.entry.get("v") == FORMAT]


def current_entries(entries: list[dict[str, Any]]) -> dict[str, CapturedEntry]:
    """Every instance the registry has seen, with its content after the last successful PUT or DELETE."""
    state: dict[str, CapturedEntry] = {}
    for entry in entries:
        instance, status = entry.get("instance"), entry.get("status")
        if not isinstance(instance, str) or not isinstance(status, int) or not 200 <= status < 300:
            continue
        if entry.get("method") == "PUT" and isinstance(entry.get("body"), str):
            state[instance] = CapturedEntry(instance, entry["body"], entry.get("time"),
                                            utf8=entry.get("utf8") is not False,
                                            body_bytes=_size(entry.get("body_bytes")))
        elif entry.get("method") == "DELETE":
            state[instance] = CapturedEntry(instance, None, entry.get("time"))
    return state


def _size(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def captured_entry(journal: Path | str, instance: str) -> CapturedEntry | None:
    """What the embedded registry holds (or held) for one instance in this session; None if it never saw it."""
    return current_entries(read_entries(registry_log_path(journal))).get(instance)
