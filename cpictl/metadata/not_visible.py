"""Why cpictl cannot show the agent settings a CPI wrote, in one line, and what would show them.

cpictl reads user-metadata only where it can: the bundled reference CPI keeps it in a local state directory. A
real CPI writes it into its cloud (EC2 user-data, an OpenStack config drive, vSphere guestinfo …), which is not
readable from here. What can show the settings anyway: for a registry-mode CPI (api_version 1, or a stemcell
below 2), the embedded registry's capture (`--registry`, on the target's fixed endpoint when it names one); for
any CPI, its own state — the VM's user-data in the IaaS. The settings panel after create_vm, attach_disk and
detach_disk and `cpictl metadata show` both say this line instead of showing nothing, or failing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cpictl.metadata.expected import MetadataError

if TYPE_CHECKING:
    from cpictl.session import Target


class SettingsNotVisible(MetadataError):
    """cpictl cannot see what the CPI wrote (not a mistake of the user's, nor of the CPI's): `str()` is the line."""

    def __init__(self, line: str, vm_cid: str) -> None:
        super().__init__(line)
        self.vm_cid = vm_cid


def not_visible_line(vm_cid: str, cpi: str, *, registry_hint: bool = True) -> str:
    """The one line: why the settings of `vm_cid` cannot be shown, and what would show them."""
    hint = "--registry shows a registry-mode CPI's entry, else" if registry_hint else "see"
    return (f"agent settings of {vm_cid} not shown: {cpi} writes them to its cloud's user-data, which cpictl cannot "
            f"read; {hint} {'see ' if registry_hint else ''}the VM's user-data in the IaaS")


def cpi_name(argv: list[str], name: str | None = None) -> str:
    """A target's name, else its executable's file name: short enough for one line."""
    import os

    return name or (os.path.basename(argv[0]) if argv else "the CPI")


def not_visible_for(target: Target, vm_cid: str) -> str:
    registry_attached = target.registry is not None and target.registry.serve
    return not_visible_line(vm_cid, cpi_name(target.argv, target.name), registry_hint=not registry_attached)
