"""One VM's settings report: what the CPI should have written, what it wrote, and the mistakes between them.

`settings_report(target, vm_cid, journal)` is `cpictl metadata show`; `report_after_call(outcome, target, store)`
is the panel after a create_vm, attach_disk or detach_disk in `call`, recipes and the REPL (None when the call
failed, is another method, or cpictl cannot see what the CPI wrote).

Beyond what `diff_settings` names, two mistakes only the embedded registry's capture can tell: a registry-mode VM
created while the registry was attached, with nothing captured for it (`placement.neither`, naming what the
registry did receive), and a registry entry that is not JSON or not UTF-8 text at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cpictl.metadata.actual import (
    actual_settings,
    is_from_capture,
    is_reference_cpi,
    reference_state_dir,
    reference_vm_record,
)
from cpictl.metadata.expected import (
    ExpectedFor,
    MetadataError,
    attached_hints,
    expected_from_record,
    expected_from_refcpi_record,
    expected_from_request,
    latest_created_vm,
)
from cpictl.metadata.registry_log import CapturedEntry, captured_entry, read_entries, registry_log_path
from cpictl.metadata.registry_runs import RegistryRun, runs_at, what_it_saw
from cpictl.protocol.agent_settings import REGISTRY
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
    — instead of being looked for in the reference CPI's state directory; and one the reference CPI created is
    judged as its, whichever CPI is named. Settings cpictl cannot see raise SettingsNotVisible (one line)."""
    creator = other_creator(target, vm_cid, journal)
    if isinstance(creator, list):
        target = replace(target, argv=list(creator), label="")
    elif creator is None and not is_reference_cpi(target):
        made_by = _recorded_argv(vm_cid, journal)  # the bundled CPI made it: its state is readable, whoever asks
        if made_by is not None and is_reference_cpi(replace(target, argv=made_by)):
            target = replace(target, argv=made_by, label="", name=None)
    _check_vm_exists(target, vm_cid, journal, creator)
    expected = expected_for_vm(target, vm_cid, journal)
    attached = _registry_at_creation(journal, vm_cid, expected)
    actual = actual_settings(target, vm_cid, journal, registry_attached=attached is not None)
    if actual is None:
        from cpictl.metadata.not_visible import SettingsNotVisible, cpi_name, not_visible_for, not_visible_line

        made_by = creator if isinstance(creator, list) else _recorded_argv(vm_cid, journal)
        if made_by is not None and made_by != target.argv:  # named after the CPI that created it
            raise SettingsNotVisible(not_visible_line(vm_cid, cpi_name(made_by)), vm_cid)
        raise SettingsNotVisible(not_visible_for(target, vm_cid), vm_cid)
    if expected is None:
        raise MetadataError(f"VM '{vm_cid}' is unknown: neither the session journal nor the CPI's state has it")
    return _report(vm_cid, expected, actual, journal, attached)


@dataclass(frozen=True)
class _RegistryAttached:
    """The embedded registries attached when a VM was created (its journal time)."""

    runs: list[RegistryRun]
    created_at: str


def _registry_at_creation(journal: Path | None, vm_cid: str,
                          expected: ExpectedFor | None) -> _RegistryAttached | None:
    """The registries attached when a registry-mode VM was created; None when none was (or it is not in registry
    mode: a registry-less CPI rightly leaves the registry alone)."""
    if journal is None or expected is None or expected.expected.placement != REGISTRY:
        return None
    state = _state(journal)
    record = state.get(vm_cid, CloudIdKind.VM) if state is not None else None
    if record is None or record.created_at is None:
        return None
    runs = runs_at(read_entries(registry_log_path(journal)), record.created_at)
    return _RegistryAttached(runs, record.created_at) if runs else None


def _report(vm_cid: str, expected: ExpectedFor, actual: ActualSettings, journal: Path | None,
            attached: _RegistryAttached | None = None) -> SettingsReport:
    state = _state(journal)
    attached_disks = attached_hints(state, vm_cid) if state is not None else {}
    mistakes = diff_settings(expected.expected, actual)
    gap = attached is not None and actual.registry is None
    captured = captured_entry(journal, vm_cid) if journal is not None and (gap or is_from_capture(actual)) else None
    if attached is not None and gap:
        mistakes = _nothing_captured(mistakes, vm_cid, expected, attached, captured)
    problem = captured.problem() if captured is not None and is_from_capture(actual) else None
    if problem is not None and captured is not None:
        # diff_settings sees the raw text and calls it "a string"; it is not even JSON
        mistakes = [SettingsMistake(m.code, f"the registry entry is {problem} ({_size(captured)}): the agent "
                                    "cannot read settings from it") if m.code == "settings.not-an-object" else m
                    for m in mistakes]
    return SettingsReport(vm_cid, expected, actual, mistakes, attached_disks)


def _nothing_captured(mistakes: list[SettingsMistake], vm_cid: str, expected: ExpectedFor,
                      attached: _RegistryAttached, captured: CapturedEntry | None) -> list[SettingsMistake]:
    """The "neither" mistake of a registry-mode VM the attached registry got nothing for, with what it did get
    (in place of `diff_settings`'s, which cannot say it: user-metadata it cannot read, or no request at all)."""
    want = expected.expected
    api = "omitted" if want.api_version is None else want.api_version
    stemcell = "not sent" if want.stemcell_api_version is None else want.stemcell_api_version
    saw = (f"its entry was deleted ({captured.time})" if captured is not None and captured.body is None
           else what_it_saw(attached.runs, vm_cid, attached.created_at))
    mistake = SettingsMistake("placement.neither", f"no registry entry for {vm_cid}, but the registry was required "
                              f"(api_version {api}, stemcell api_version {stemcell}) and cpictl's embedded registry "
                              f"was attached when the VM was created: {saw}; the agent can never find its settings, "
                              "so the VM cannot boot")
    return [mistake, *(m for m in mistakes if m.code != "placement.neither")]


def _size(captured: CapturedEntry) -> str:
    size = captured.body_bytes
    if size is None:  # captured before sizes were recorded: the text as kept
        size = len((captured.body or "").encode("utf-8", errors="replace"))
    return f"{size} byte{'' if size == 1 else 's'}"


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


def _recorded_argv(vm_cid: str, journal: Path | None) -> list[str] | None:
    """The argv the session journal says created `vm_cid`, if it says."""
    state = _state(journal)
    record = state.get(vm_cid, CloudIdKind.VM) if state is not None else None
    made_by = record.target if record is not None else None
    return list(made_by) if isinstance(made_by, list) and all(isinstance(a, str) for a in made_by) else None


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
        from cpictl.metadata.not_visible import SettingsNotVisible

        raise SettingsNotVisible(_not_the_reference_cpi(vm_cid, f"was imported from {creator}"), vm_cid)
    if is_reference_cpi(target) and reference_vm_record(target, vm_cid) is None:
        raise MetadataError(f"the reference CPI's state directory {reference_state_dir(target)} has no VM "
                            f"'{vm_cid}'; if the calls ran with another CPICTL_REFCPI_DIR, give the same --env")


def _vm_of(outcome: CallOutcome) -> str | None:
    if outcome.request.method == "create_vm":
        return next((cid for kind, cid in outcome.changes.created if kind == CloudIdKind.VM), None)
    arguments = outcome.request.arguments
    return arguments[0] if arguments and isinstance(arguments[0], str) else None


def not_visible_after_call(outcome: CallOutcome, target: Target) -> str | None:
    """The one line that says why a successful create_vm/attach_disk/detach_disk shows no settings panel (a CPI
    whose user-data cpictl cannot read), when `report_after_call` gave none; else None."""
    if outcome.request.method not in SETTINGS_METHODS or outcome.status != "ok" or is_reference_cpi(target):
        return None
    vm_cid = _vm_of(outcome)
    if not vm_cid:
        return None
    from cpictl.metadata.not_visible import not_visible_for

    return not_visible_for(target, vm_cid)


def report_after_call(outcome: CallOutcome, target: Target,
                      store: CloudIdStore | Path | str | None) -> SettingsReport | None:
    """The settings report to show after a successful create_vm/attach_disk/detach_disk, when they are visible."""
    if outcome.request.method not in SETTINGS_METHODS or outcome.status != "ok":
        return None
    vm_cid = _vm_of(outcome)
    if not vm_cid:
        return None
    journal = journal_of(store)
    if outcome.request.method == "create_vm":
        result = outcome.decoded.result if outcome.decoded else None
        expected: ExpectedFor | None = ExpectedFor(expected_from_request(outcome.request, result),
                                                   "this create_vm request and its result")
    else:
        expected = expected_for_vm(target, vm_cid, journal)
    if expected is None:
        return None
    attached = _registry_at_creation(journal, vm_cid, expected)
    actual = actual_settings(target, vm_cid, journal, registry_attached=attached is not None)
    if actual is None:
        return None
    return _report(vm_cid, expected, actual, journal, attached)
