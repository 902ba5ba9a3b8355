"""One VM's settings report: what the CPI should have written, what it wrote, and the mistakes between them.

`settings_report(target, vm_cid, journal)` is `cpictl metadata show`; `report_after_call(outcome, target, store)`
is the panel after a create_vm, attach_disk or detach_disk in `call`, recipes and the REPL (None when the call
failed, is another method, or cpictl cannot see what the CPI wrote).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cpictl.metadata.actual import actual_settings, is_reference_cpi, reference_state_dir, reference_vm_record
from cpictl.metadata.expected import (
    ExpectedFor,
    MetadataError,
    attached_hints,
    expected_from_record,
    expected_from_refcpi_record,
    expected_from_request,
    latest_created_vm,
)
from cpictl.protocol.kinds import CloudIdKind
from cpictl.protocol.settings_check import ActualSettings, SettingsMistake
from cpictl.protocol.settings_diff import diff_settings

if TYPE_CHECKING:
    from cpictl.session import CallOutcome, Target
    from cpictl.store import CloudIdStore, StoreState

SETTINGS_METHODS = ("create_vm", "attach_disk", "detach_disk")


@dataclass
class SettingsReport:
    vm_cid: str
    expected: ExpectedFor
    actual: ActualSettings
    mistakes: list[SettingsMistake] = field(default_factory=list)
    #: Disks the session has attached to the VM (cid → hint). Registry-less, the agent gets these hints from the
    #: director, so they are shown beside the settings rather than expected inside the user-metadata.
    attached: dict[str, Any] = field(default_factory=dict)

    def as_dict(self, *, show_secrets: bool = False) -> dict[str, Any]:
        """JSON-ready, secrets masked unless asked (`cpictl metadata show -o json`)."""
        from cpictl.protocol.redaction import Redactor

        expected, actual = self.expected.expected.as_dict(), self.actual.as_dict()
        if not show_secrets:
            redactor = Redactor()
            for document, key in ((expected, "settings"), (expected, "bootstrap"), (actual, "user_metadata"),
                                  (actual, "registry")):
                document[key] = redactor.agent_settings(document[key]) if document[key] is not None else None
        return {"vm_cid": self.vm_cid, "expected": {**expected, "source": self.expected.source}, "actual": actual,
                "attached_disks": dict(self.attached), "mistakes": [mistake.as_dict() for mistake in self.mistakes]}


def journal_of(store: CloudIdStore | Path | str | None) -> Path | None:
    if store is None:
        return None
    return Path(store) if isinstance(store, (str, Path)) else store.path


def _state(journal: Path | None) -> StoreState | None:
    if journal is None:
        return None
    from cpictl.store import CloudIdStore

    return CloudIdStore(journal).replay()


def expected_for_vm(target: Target, vm_cid: str, journal: Path | None) -> ExpectedFor | None:
    """The expected settings of an existing VM: from the session journal, else the reference CPI's record."""
    state = _state(journal)
    if state is not None and (record := state.get(vm_cid, CloudIdKind.VM)) is not None:
        return ExpectedFor(expected_from_record(record, state, target.api_version),
                           "the session journal (its create_vm)")
    vm = reference_vm_record(target, vm_cid)
    if vm is not None:
        return ExpectedFor(expected_from_refcpi_record(vm_cid, vm, state),
                           "the reference CPI's record of its create_vm (the session never saw it)")
    return None


def default_vm_cid(journal: Path) -> str:
    state = _state(journal)
    record = latest_created_vm(state) if state is not None else None
    if record is None:
        raise MetadataError(f"the session ({journal}) has no live VM; name one: cpictl metadata show VM_CID")
    return record.cid


def settings_report(target: Target, vm_cid: str, journal: Path | None) -> SettingsReport:
    """`cpictl metadata show`. Raises MetadataError when cpictl knows nothing of the VM or cannot see its settings.

    The default target is the reference CPI; a VM the journal says another CPI created (`call --cpi …`) is judged
    as that CPI's — from the embedded registry's capture, since its user-metadata is in an IaaS cpictl cannot read
    — instead of being looked for in the reference CPI's state directory."""
    creator = other_creator(target, vm_cid, journal)
    if isinstance(creator, list):
        target = replace(target, argv=list(creator), label="")
    _check_vm_exists(target, vm_cid, journal, creator)
    expected = expected_for_vm(target, vm_cid, journal)
    actual = actual_settings(target, vm_cid, journal)
    if actual is None:
        if isinstance(creator, list):
            raise MetadataError(_not_the_reference_cpi(vm_cid, f"was created by {' '.join(creator)}"))
        raise MetadataError(f"cannot see what {target.display} wrote for VM '{vm_cid}': cpictl reads user-metadata "
                            "only from the bundled reference CPI, and the embedded registry (call --registry) has "
                            "no entry for it")
    if expected is None:
        raise MetadataError(f"VM '{vm_cid}' is unknown: neither the session journal nor the CPI's state has it")
    return _report(vm_cid, expected, actual, journal)


def _report(vm_cid: str, expected: ExpectedFor, actual: ActualSettings, journal: Path | None) -> SettingsReport:
    state = _state(journal)
    attached = attached_hints(state, vm_cid) if state is not None else {}
    return SettingsReport(vm_cid, expected, actual, diff_settings(expected.expected, actual), attached)


def other_creator(target: Target, vm_cid: str, journal: Path | None) -> list[str] | str | None:
    """When `target` is the reference CPI but the session journal says something else made `vm_cid`: that CPI's
    argv (created through `call --cpi …`), or the journal's label of where it came from (imported from a
    create-env state file). None otherwise."""
    if not is_reference_cpi(target):
        return None
    state = _state(journal)
    record = state.get(vm_cid, CloudIdKind.VM) if state is not None else None
    made_by = record.target if record is not None else None
    if isinstance(made_by, list) and made_by and all(isinstance(arg, str) for arg in made_by):
        return None if is_reference_cpi(replace(target, argv=list(made_by), label="")) else made_by
    if record is not None and record.imported:
        return str(made_by or "a create-env state file")
    return None


def _not_the_reference_cpi(vm_cid: str, origin: str) -> str:
    return (f"vm {vm_cid} {origin}, not the bundled reference CPI; cpictl can read only the reference CPI's "
            "user-metadata or what the embedded registry (--registry) captured")


def _check_vm_exists(target: Target, vm_cid: str, journal: Path | None,
                     creator: list[str] | str | None = None) -> None:
    """A VM the session deleted, or one the reference CPI does not have, has no settings to judge."""
    state = _state(journal)
    record = state.get(vm_cid, CloudIdKind.VM) if state is not None else None
    if record is not None and not record.is_live:
        raise MetadataError(f"VM '{vm_cid}' is {record.status} in the session ({record.deleted_by or 'ended'} at "
                            f"{record.deleted_at}); its settings are gone with it")
    if isinstance(creator, str) and reference_vm_record(target, vm_cid) is None:
        raise MetadataError(_not_the_reference_cpi(vm_cid, f"was imported from {creator}"))
    if is_reference_cpi(target) and reference_vm_record(target, vm_cid) is None:
        raise MetadataError(f"the reference CPI's state directory {reference_state_dir(target)} has no VM "
                            f"'{vm_cid}'; if the calls ran with another CPICTL_REFCPI_DIR, give the same --env")


def _vm_of(outcome: CallOutcome) -> str | None:
    if outcome.request.method == "create_vm":
        return next((cid for kind, cid in outcome.changes.created if kind == CloudIdKind.VM), None)
    arguments = outcome.request.arguments
    return arguments[0] if arguments and isinstance(arguments[0], str) else None


def report_after_call(outcome: CallOutcome, target: Target,
                      store: CloudIdStore | Path | str | None) -> SettingsReport | None:
    """The settings report to show after a successful create_vm/attach_disk/detach_disk, when they are visible."""
    if outcome.request.method not in SETTINGS_METHODS or outcome.status != "ok":
        return None
    vm_cid = _vm_of(outcome)
    if not vm_cid:
        return None
    journal = journal_of(store)
    actual = actual_settings(target, vm_cid, journal)
    if actual is None:
        return None
    if outcome.request.method == "create_vm":
        result = outcome.decoded.result if outcome.decoded else None
        expected: ExpectedFor | None = ExpectedFor(expected_from_request(outcome.request, result),
                                                   "this create_vm request and its result")
    else:
        expected = expected_for_vm(target, vm_cid, journal)
    if expected is None:
        return None
    return _report(vm_cid, expected, actual, journal)
