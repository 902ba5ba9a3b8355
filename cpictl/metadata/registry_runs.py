"""Was the embedded registry there when a VM was created, and what did it see? From its capture file.

A CPI in registry mode that never reaches the registry (no PUT, a PUT refused, a PUT under another instance id)
leaves no entry for its VM. Without more, that looks like "cpictl cannot see the settings"; but when the VM was
created while an embedded registry was attached, cpictl *did* see: the registry was there and got nothing for it,
so the agent could never find its settings. `run_at(entries, time)` finds the registries attached at a moment
(their `started`/`stopped` lines in the capture file) and `what_it_saw` says in words what they received before it,
for the mistake `cpictl.metadata.report` names.

Rules kept:
- A registry's life is [started, stopped]. One without a `stopped` line is still running if this process runs it
  (a REPL, a recipe run); otherwise it ended (killed) no earlier than its last line, so it covers no later moment:
  a VM created after a crash is never blamed on a registry that was not there.
- Messages quote instance ids and paths the CPI sent as they are: the views make their controls visible.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

#: How many of the registry's requests a message names (the latest ones, nearest the create_vm).
SHOWN_REQUESTS = 3


@dataclass
class RegistryRun:
    """One embedded registry's life, as its capture lines tell it."""

    name: str
    started: str
    pid: int | None = None
    stopped: str | None = None
    last: str = ""  # the time of its last line
    requests: list[dict[str, Any]] = field(default_factory=list)

    def covers(self, time: str) -> bool:
        """Was this registry attached at `time` (ISO-8601 UTC, as the journal and the capture write it)?"""
        if time < self.started:
            return False
        if self.stopped is not None:
            return time <= self.stopped
        return self.pid == os.getpid() or time <= self.last


def registry_runs(entries: list[dict[str, Any]]) -> list[RegistryRun]:
    """The registries a capture file records, in the order they started (lines without a registry name skipped)."""
    runs: dict[str, RegistryRun] = {}
    for entry in entries:
        name, time = entry.get("registry"), entry.get("time")
        if not isinstance(name, str) or not isinstance(time, str):
            continue
        if entry.get("event") == "started":
            pid = entry.get("pid")
            runs[name] = RegistryRun(name, time, pid if isinstance(pid, int) else None, last=time)
            continue
        run = runs.get(name)
        if run is None:
            continue
        run.last = max(run.last, time)
        if entry.get("event") == "stopped":
            run.stopped = time
        elif entry.get("event") == "refused":  # refusals are counted: the line names the first few
            samples = entry.get("requests")
            run.requests += [sample for sample in samples if isinstance(sample, dict)
                             and isinstance(sample.get("method"), str)] if isinstance(samples, list) else []
        elif isinstance(entry.get("method"), str):
            run.requests.append(entry)
    return list(runs.values())


def runs_at(entries: list[dict[str, Any]], time: str) -> list[RegistryRun]:
    """The embedded registries attached at `time`: none when no registry was running then."""
    return [run for run in registry_runs(entries) if run.covers(time)]


def what_it_saw(runs: list[RegistryRun], vm_cid: str, until: str) -> str:
    """What the registries received up to `until` (the VM's creation), as a phrase: "the registry saw no
    request", "the registry saw a PUT for instance 'other', not for vm-1", …"""
    requests = sorted((entry for run in runs for entry in run.requests if entry.get("time", "") <= until),
                      key=lambda entry: entry.get("time", ""))
    if not requests:
        return "the registry saw no request"
    shown = [_request_phrase(entry, vm_cid) for entry in requests[-SHOWN_REQUESTS:]]
    earlier = len(requests) - len(shown)
    return "the registry saw " + "; ".join(shown) + (f" (and {earlier} earlier)" if earlier else "")


def _request_phrase(entry: dict[str, Any], vm_cid: str) -> str:
    method, status, instance = entry.get("method"), entry.get("status"), entry.get("instance")
    if instance is None:
        return f"a {method} to {entry.get('path')} ({status}), not /instances/{vm_cid}/settings"
    refused = {400: "refused 400 (malformed request)", 401: "refused 401 (wrong or missing credentials)",
               413: "refused 413 (body too large)", 503: "refused 503 (the registry was busy)",
               507: "refused 507 (the registry was full)"}.get(status if isinstance(status, int) else 0)
    if refused is not None:
        return f"a {method} for instance '{instance}' {refused}"
    if instance != vm_cid:
        return f"a {method} for instance '{instance}', not for {vm_cid}"
    return f"a {method} for {vm_cid} ({status})"
