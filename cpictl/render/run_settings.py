"""The agent settings during a recipe run: the panel once per VM, then only what changed.

After a VM's create_vm the run shows its settings panel (what the CPI wrote, and whether it is right); after each
later attach_disk or detach_disk of that VM, one line of what the CPI changed (`settings of vm-…: + disks.persistent
.disk-1 /dev/sdc`), or nothing when it changed nothing. A mistake is never left to one line: a step whose
settings are wrong shows the whole panel again, in red, also with `-q`. A real cloud's user-data, which cpictl
cannot read, is said once per VM. `-v` (and `--print settings`) show the panel after every such call, as
`cpictl call` does.
"""

from __future__ import annotations

from typing import Any

from cpictl.protocol.redaction import Redactor

SETTINGS_METHODS = ("create_vm", "attach_disk", "detach_disk")


class RunSettings:
    """What a run has shown of each VM's settings so far (masked documents, by VM CID)."""

    def __init__(self) -> None:
        self.shown: dict[str, Any] = {}

    def after(self, outcome: Any, target: Any, store: Any, *, every_time: bool, quiet: bool) -> list[Any]:
        """The renderables to print after a step's call (none for a call that changes no settings)."""
        if outcome is None or outcome.request.method not in SETTINGS_METHODS or outcome.status != "ok":
            return []
        from cpictl.metadata import not_visible_after_call, report_after_call
        from cpictl.render.metadata_view import cpi_text, metadata_panel, shown_settings

        report = report_after_call(outcome, target, store)
        if report is None:
            line = not_visible_after_call(outcome, target)
            vm = _vm_of(outcome)
            if line is None or quiet or (vm in self.shown and not every_time):
                return []
            self.shown[vm] = None
            return [cpi_text(line, "yellow")]
        document = Redactor().agent_settings(shown_settings(report))
        before = self.shown.get(report.vm_cid, _NOT_SHOWN)
        self.shown[report.vm_cid] = document
        if every_time or report.mistakes or ((before is _NOT_SHOWN or before is None) and not quiet):
            return [metadata_panel(outcome, target, store, report=report)]
        if quiet:
            return []
        from cpictl.render.settings_changes import changes_line, settings_changes

        changes = settings_changes(before, document)
        return [changes_line(report.vm_cid, changes)] if changes else []


_NOT_SHOWN: Any = object()


def _vm_of(outcome: Any) -> str:
    if outcome.request.method == "create_vm":
        return next((cid for kind, cid in outcome.changes.created if str(kind) == "vm"), "")
    arguments = outcome.request.arguments
    return arguments[0] if arguments and isinstance(arguments[0], str) else ""
