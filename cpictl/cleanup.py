"""Deleting what a session left behind, and checking which recorded cloud IDs still exist.

Cleanup works in dependency order — detach disks, delete snapshots, disks, VMs, stemcells, networks — through the
CPI that created each ID (recorded in the journal) unless the caller overrides it. A NotFound answer means the
resource is already gone: it is recorded as such, not reported as a failure.

A call whose resource may still be in use because an earlier call failed is skipped, not made: a disk whose detach
failed stays (its VM may still have it mounted), and no stemcell is deleted while a VM that failed to delete was
created from it. The journal records each VM's stemcell; a VM whose stemcell is not known (imported, or journalled
before cpictl recorded it) holds back every stemcell.

Each row carries a status the CLI maps to an exit code: "ok", "cpi-error" (the CPI answered with an error),
"misbehaved" (contract violation, crash, timeout), "no-cpi" (no CPI known for an imported ID: the user must pass
one) and "blocked" (skipped because of another row's failure, which decides the exit code).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from cpictl.protocol.errors import error_type_matches
from cpictl.protocol.kinds import CloudIdKind
from cpictl.session import CallOutcome, CallSession, Target
from cpictl.store import CloudIdRecord, CloudIdStore, StoreState

DELETE_ORDER: tuple[tuple[CloudIdKind, str], ...] = (
    (CloudIdKind.SNAPSHOT, "delete_snapshot"),
    (CloudIdKind.DISK, "delete_disk"),
    (CloudIdKind.VM, "delete_vm"),
    (CloudIdKind.STEMCELL, "delete_stemcell"),
    (CloudIdKind.NETWORK, "delete_network"),
)
GONE_ERRORS = {"detach_disk": ("DiskNotAttached", "VMNotFound", "DiskNotFound"), "delete_snapshot": ("DiskNotFound",),
               "delete_disk": ("DiskNotFound",), "delete_vm": ("VMNotFound",), "delete_stemcell": ("StemcellNotFound",),
               "delete_network": ("NetworkNotFound",)}


@dataclass(frozen=True)
class PlannedCall:
    """One call cleanup will make."""

    method: str
    arguments: list[str]
    record: CloudIdRecord

    @property
    def label(self) -> str:
        return f"{self.method} {' '.join(self.arguments)}"


NO_CPI = "no CPI recorded for it (imported); pass --cpi"


@dataclass
class CleanupRow:
    planned: PlannedCall
    outcome: str  # deleted | detached | already gone | failed | skipped
    detail: str = ""
    status: str = "ok"  # ok | cpi-error | misbehaved | no-cpi | blocked
    call: CallOutcome | None = None  # the call made, for the views that show it (`cleanup -q`, `-v`, `--print`)
    target: Target | None = None  # the CPI it was made to


def overall_status(rows: Iterable[CleanupRow | VerifyRow]) -> str:
    """The worst status of the rows: misbehaved, then cpi-error, then no-cpi, else ok."""
    statuses = {row.status for row in rows}
    return next((status for status in ("misbehaved", "cpi-error", "no-cpi") if status in statuses), "ok")


def plan_cleanup(state: StoreState, include_imported: bool = False) -> list[PlannedCall]:
    """The calls that delete every live ID of the session, in dependency order."""
    def eligible(record: CloudIdRecord) -> bool:
        return record.is_live and (include_imported or not record.imported)

    plan: list[PlannedCall] = []
    for disk in state.live(CloudIdKind.DISK):
        if eligible(disk) and disk.attached_to:
            plan.append(PlannedCall("detach_disk", [disk.attached_to, disk.cid], disk))
    for kind, method in DELETE_ORDER:
        plan.extend(PlannedCall(method, [record.cid], record) for record in reversed(state.live(kind))
                    if eligible(record))
    return plan


TargetFor = Callable[[CloudIdRecord], "Target | None"]


#: The target whose settings (environment, context, caller …) a recorded ID is called with, from what the journal
#: kept of the target that made it: its argv, its name (None: no named target) and its caller (None: not kept).
SettingsFor = Callable[[list[str], "str | None", "str | None"], Target]


def recorded_target(base: Target, override: bool, imported_director_uuid: str | None = None,
                    settings_for: SettingsFor | None = None) -> TargetFor:
    """The target that created a record (its argv from the journal), or `base` when overriding or unknown.

    `imported_director_uuid`: the `director_id` of the create-env state file the session imported (None when the
    user gave --director-uuid); IDs imported from it are addressed with it, as `bosh create-env` would.
    `settings_for`: the settings a recorded target is called with (`named_settings`); default `base`'s. A named
    target's settings must not reach a CPI it does not name, nor another target's IDs."""
    def target_for(record: CloudIdRecord) -> Target | None:
        target = _recorded(record)
        if target is not None and record.imported and imported_director_uuid:
            return replace(target, director_uuid=imported_director_uuid)
        return target

    def _recorded(record: CloudIdRecord) -> Target | None:
        if override:
            return base
        if isinstance(record.target, list) and record.target:
            name, caller = (value if isinstance(value, str) else None
                            for value in (record.details.get("target_name"), record.details.get("caller")))
            source = settings_for(list(record.target), name, caller) if settings_for is not None else base
            changes: dict[str, Any] = {"argv": list(record.target)}
            if record.target != source.argv:
                changes["label"] = ""
            if record.stemcell_api_version is not None:
                changes["stemcell_api_version"] = record.stemcell_api_version
            return replace(source, **changes)
        return None  # imported from a state file: no CPI is known

    return target_for


def named_settings(build_named: Callable[[str], Target | None], unnamed: Callable[[], Target],
                   named_by_argv: Callable[[list[str]], str | None], *, recorded_caller: bool = True) -> SettingsFor:
    """A `SettingsFor` that calls each recorded ID through the named target that made it — by the name the journal
    kept (`build_named`: None when no target has that name now), else the one whose command is the recorded argv
    (journals from before names were kept) — and any other with `unnamed()`'s settings; then in the caller the
    journal kept, unless `recorded_caller` is False (the user gave --as). Targets are built once each."""
    built: dict[tuple[tuple[str, ...], str | None, str | None], Target] = {}

    def settings_for(argv: list[str], name: str | None, caller: str | None) -> Target:
        key = (tuple(argv), name, caller)
        if key not in built:
            target = build_named(name) if name is not None else None
            if target is None:
                by_argv = named_by_argv(argv)
                target = build_named(by_argv) if by_argv is not None else None
            if target is None:
                target = unnamed()
            if recorded_caller and caller is not None and caller != target.caller:
                from cpictl.targets.layers import TargetLayer, apply

                target = apply(target, TargetLayer("the caller the journal kept", {"caller": caller}))
            built[key] = target
        return built[key]

    return settings_for


def run_cleanup(plan: list[PlannedCall], store: CloudIdStore, target_for: TargetFor, *, concurrency: int = 1,
                stop: threading.Event | None = None) -> Iterator[CleanupRow]:
    """Make the planned calls one by one, yielding what happened to each.

    With `concurrency` above 1 (`cpictl bench`'s cleanup of hundreds of IDs), the calls of one method — every
    detach_disk, then every delete_disk … — run that many at once, as the director deletes, and their rows come
    as they end. No call waits on another of its own method, and each method starts once the one before it has
    ended, so whatever holds a call back (a failed detach, a VM not deleted) is known before it is made. `stop`,
    set, stops the running calls as Ctrl-C stops one; a Ctrl-C here sets it, waits for them (their answers are
    journalled), and is raised again."""
    kept_vms: list[CloudIdRecord] = []  # VMs that may still exist: their delete_vm failed or was skipped
    still_attached: dict[str, str] = {}  # disk CID -> the VM it could not be detached from
    for wave in _waves(plan, concurrency):
        for row in _run_wave(wave, store, target_for, kept_vms, still_attached, concurrency, stop):
            planned = row.planned
            if row.outcome in ("failed", "skipped"):
                if planned.method == "delete_vm":
                    kept_vms.append(planned.record)
                elif planned.method == "detach_disk":
                    still_attached[planned.arguments[1]] = planned.arguments[0]
            yield row


def _waves(plan: list[PlannedCall], concurrency: int) -> Iterator[list[PlannedCall]]:
    """The plan in runs of calls of one method (single calls when they run one by one)."""
    wave: list[PlannedCall] = []
    for planned in plan:
        if wave and (concurrency <= 1 or planned.method != wave[0].method):
            yield wave
            wave = []
        wave.append(planned)
    if wave:
        yield wave


def _run_wave(wave: list[PlannedCall], store: CloudIdStore, target_for: TargetFor, kept_vms: list[CloudIdRecord],
              still_attached: dict[str, str], concurrency: int,
              stop: threading.Event | None) -> Iterator[CleanupRow]:
    calls: list[tuple[PlannedCall, Target]] = []
    for planned in wave:
        target = target_for(planned.record)
        blocker = _blocker(planned, kept_vms, still_attached)
        if target is None:
            yield CleanupRow(planned, "skipped", NO_CPI, "no-cpi")
        elif blocker:
            yield CleanupRow(planned, "skipped", blocker, "blocked")
        else:
            calls.append((planned, target))
    if len(calls) <= 1 or concurrency <= 1:
        for planned, target in calls:
            yield _make_call(planned, target, store, stop)
        return
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    with ThreadPoolExecutor(min(concurrency, len(calls)), thread_name_prefix="cleanup") as pool:
        pending = {pool.submit(_make_call, planned, target, store, stop) for planned, target in calls}
        try:
            while pending:
                done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        except BaseException:  # Ctrl-C (or a bug): stop the running calls, let them journal what they answered
            if stop is not None:
                stop.set()
            for future in pending:
                future.cancel()
            _wait_regardless(pending)
            raise


def _wait_regardless(futures: Iterable[Any]) -> None:
    from concurrent.futures import wait

    left = set(futures)
    while left:
        with contextlib.suppress(KeyboardInterrupt):
            _, left = wait(left, timeout=0.1)


def _make_call(planned: PlannedCall, target: Target, store: CloudIdStore,
               stop: threading.Event | None) -> CleanupRow:
    outcome = CallSession(target, store, stop=stop).call(planned.method, planned.arguments)
    row = _judge(planned, outcome, store)
    row.call, row.target = outcome, target
    return row


def _blocker(planned: PlannedCall, kept_vms: list[CloudIdRecord], still_attached: dict[str, str]) -> str:
    """Why the call must not be made now, or "" when nothing stands in its way."""
    if planned.method == "delete_disk" and planned.record.cid in still_attached:
        return f"still attached to vm {still_attached[planned.record.cid]}: its detach_disk did not succeed"
    if planned.method == "delete_stemcell":
        made_from = [vm.cid for vm in kept_vms if vm.details.get("stemcell_cid") == planned.record.cid]
        unknown = [vm.cid for vm in kept_vms if not vm.details.get("stemcell_cid")]
        if made_from:
            return f"vm {', '.join(made_from)} was not deleted and was created from it"
        if unknown:
            return f"vm {', '.join(unknown)} was not deleted and may have been created from it (its stemcell is " \
                "not known)"
    return ""


def _judge(planned: PlannedCall, outcome: CallOutcome, store: CloudIdStore) -> CleanupRow:
    if outcome.status == "ok":
        return CleanupRow(planned, "detached" if planned.method == "detach_disk" else "deleted")
    error = outcome.decoded.error if outcome.decoded else None
    if error is not None and any(error_type_matches(error.type, name) for name in GONE_ERRORS[planned.method]):
        if planned.method != "detach_disk":
            store.record_event("gone", planned.record.kind, planned.record.cid, method=planned.method,
                               request_id=outcome.request_id)
        return CleanupRow(planned, "already gone", error.type)
    if error is not None:
        return CleanupRow(planned, "failed", f"{error.type}: {error.message}", outcome.status)
    reasons = [outcome.failure] if outcome.failure else []
    reasons += [v.message for v in outcome.violations if v.severity == "error"]
    return CleanupRow(planned, "failed", "; ".join(r for r in reasons if r) or "the CPI misbehaved", "misbehaved")


@dataclass
class VerifyRow:
    record: CloudIdRecord
    outcome: str  # exists | gone | unknown
    detail: str = ""
    status: str = "ok"  # ok | cpi-error | misbehaved | no-cpi


def verify_live_ids(state: StoreState, store: CloudIdStore, target_for: TargetFor) -> Iterator[VerifyRow]:
    """Ask the CPI (has_vm / has_disk) about every live VM and disk; mark the ones that are gone."""
    for kind, method in ((CloudIdKind.VM, "has_vm"), (CloudIdKind.DISK, "has_disk")):
        for record in state.live(kind):
            target = target_for(record)
            if target is None:
                yield VerifyRow(record, "unknown", NO_CPI, "no-cpi")
                continue
            outcome = CallSession(target, store).call(method, [record.cid])
            result = outcome.decoded.result if outcome.decoded else None
            if outcome.status == "ok" and result is False:
                store.record_event("gone", kind, record.cid, method=method, request_id=outcome.request_id)
                yield VerifyRow(record, "gone", f"{method} answered false")
            elif outcome.status == "ok" and result is True:
                yield VerifyRow(record, "exists")
            else:
                error = outcome.decoded.error if outcome.decoded else None
                detail = f"{error.type}: {error.message}" if error else (outcome.failure or "unusable answer")
                status = outcome.status if outcome.status != "ok" else "misbehaved"  # ok, yet not a boolean
                yield VerifyRow(record, "unknown", detail, status)
