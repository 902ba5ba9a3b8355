"""Layer 2: agent settings — what a CPI must write for a VM, what it wrote, and the mistakes between them.

Public API (the pure rules are `cpictl.protocol.agent_settings` and `cpictl.protocol.settings_check`):

    actual_settings(target, vm_cid, journal) -> ActualSettings | None      user-metadata and registry entry
    expected_from_request(request, result=None) -> ExpectedSettings       from a create_vm request
    expected_from_journal(journal, vm_cid=None) -> ExpectedFor            the session's (latest) create_vm
    request_from_recipe_step(path, step, target, vars, journal) -> Request
    settings_report(target, vm_cid, journal) -> SettingsReport            `cpictl metadata show`
    report_after_call(outcome, target, store) -> SettingsReport | None    the panel after create_vm/attach/detach
    not_visible_after_call(outcome, target) -> str | None                 the line said instead, for a real cloud
    MetadataError                                                         a user-facing problem (exit 2)
    SettingsNotVisible                                                    cpictl cannot see them (said, exit 0)

`registry_log` is the embedded registry's capture file (`cpictl.registry.server` writes it); `registry_runs`
reads from it whether a registry was attached when a VM was created, and what it received.
"""

from cpictl.metadata.actual import actual_settings, is_reference_cpi, reference_state_dir
from cpictl.metadata.expected import (
    ExpectedFor,
    MetadataError,
    expected_from_journal,
    expected_from_request,
    request_from_recipe_step,
)
from cpictl.metadata.not_visible import SettingsNotVisible
from cpictl.metadata.report import (
    SettingsReport,
    default_vm_cid,
    not_visible_after_call,
    report_after_call,
    settings_report,
)

__all__ = [
    "ExpectedFor",
    "MetadataError",
    "SettingsNotVisible",
    "SettingsReport",
    "actual_settings",
    "default_vm_cid",
    "expected_from_journal",
    "expected_from_request",
    "is_reference_cpi",
    "not_visible_after_call",
    "reference_state_dir",
    "report_after_call",
    "request_from_recipe_step",
    "settings_report",
]
