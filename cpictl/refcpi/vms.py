"""VM methods: create_vm, delete_vm, has_vm, reboot_vm, set_vm_metadata.

A VM is a record in state.json plus the agent settings files `settings` writes. create_vm's result depends on the
request api_version: v1 the bare VM CID, v2/v3 `[vm_cid, networks]` (contract §6).
"""

from __future__ import annotations

from typing import Any

from cpictl.protocol.shapes import json_type_name
from cpictl.refcpi import settings
from cpictl.refcpi.call import Call, require
from cpictl.refcpi.failures import CpiFailure, cloud_error, vm_not_found
from cpictl.refcpi.vm_networks import assigned_networks, check_networks


def find_vm(call: Call, vm_cid: str) -> dict[str, Any]:
    vm: dict[str, Any] | None = call.state["vms"].get(vm_cid)
    if vm is None:
        raise vm_not_found(vm_cid)
    return vm


def check_string_values(what: str, metadata: dict[str, Any]) -> None:
    """Tags are string → string on every IaaS; the director always sends strings."""
    for key, value in metadata.items():
        if not isinstance(value, str):
            raise cloud_error(f"{what} metadata value for '{key}' must be a string, got {json_type_name(value)} "
                              f"{value!r}")


def create_vm(call: Call) -> Any:
    agent_id, stemcell_cid, cloud_properties, networks, disk_cids, environment = call.arguments
    require(bool(agent_id), cloud_error("agent_id must be a non-empty string"))
    require(stemcell_cid in call.state["stemcells"], cloud_error(f"Stemcell '{stemcell_cid}' not found"))
    check_networks(networks)
    for disk_cid in disk_cids:
        # A placement hint naming a disk that does not exist means the caller's view of the IaaS is wrong.
        require(disk_cid in call.state["disks"],
                CpiFailure("DiskNotFound", f"Disk '{disk_cid}' in disk_cids not found"))
    vm_cid = call.ids.new_id("vm")
    vm_networks = assigned_networks(call, networks)
    mode = settings.write_vm_settings(call, vm_cid, agent_id, vm_networks, environment)
    call.state["vms"][vm_cid] = {
        "agent_id": agent_id,
        "stemcell_cid": stemcell_cid,
        "cloud_properties": cloud_properties,
        "networks": vm_networks,
        "disk_cids": disk_cids,
        "environment": environment,
        "settings_mode": mode,
        "api_version": call.api_version,
        "stemcell_api_version": call.stemcell_api_version,
        "metadata": {},
        "reboots": 0,
    }
    return [vm_cid, vm_networks] if call.v2 else vm_cid


def delete_vm(call: Call) -> None:
    (vm_cid,) = call.arguments
    vm = find_vm(call, vm_cid)
    for disk in call.state["disks"].values():
        if disk.get("attached_to") == vm_cid:  # the IaaS detaches a terminated instance's volumes
            disk["attached_to"] = None
            disk["hint"] = None
    settings.remove_vm_settings(call, vm, vm_cid)
    del call.state["vms"][vm_cid]


def has_vm(call: Call) -> bool:
    (vm_cid,) = call.arguments
    return vm_cid in call.state["vms"]


def reboot_vm(call: Call) -> None:
    (vm_cid,) = call.arguments
    vm = find_vm(call, vm_cid)
    vm["reboots"] = int(vm.get("reboots", 0)) + 1


def set_vm_metadata(call: Call) -> None:
    vm_cid, metadata = call.arguments
    vm = find_vm(call, vm_cid)
    check_string_values("VM", metadata)
    vm.setdefault("metadata", {}).update(metadata)  # tags merge, as IaaS tagging APIs do
