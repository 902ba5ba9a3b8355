"""Persistent-disk methods: create, delete, attach, detach, has, get_disks, metadata, resize, update.

Sizes are MiB and must be positive integers. A disk record keeps `attached_to` and the `hint` handed out on
attach; device letters per VM start at /dev/sdc (sda is the system disk, sdb the ephemeral one) and the first free
letter is used, as IaaS device mapping does. Resize and update need a detached disk (the director detaches first).
"""

from __future__ import annotations

from typing import Any

from cpictl.refcpi import settings
from cpictl.refcpi.call import Call, require
from cpictl.refcpi.failures import (
    CpiFailure,
    cloud_error,
    disk_not_found,
    not_implemented,
    not_supported,
    vm_not_found,
)
from cpictl.refcpi.vms import check_string_values, find_vm

MAX_DISK_MIB = 16 * 1024 * 1024  # 16 TiB
DEVICE_LETTERS = "cdefghijklmnopqrstuvwxyz"
DEFAULT_DISK_TYPE = "standard"


def find_disk(call: Call, disk_cid: str) -> dict[str, Any]:
    disk: dict[str, Any] | None = call.state["disks"].get(disk_cid)
    if disk is None:
        raise disk_not_found(disk_cid)
    return disk


def _check_size(size: int, what: str = "Disk size") -> None:
    require(size > 0, cloud_error(f"{what} must be a positive number of MiB, got {size}"))
    require(size <= MAX_DISK_MIB, cloud_error(f"{what} {size} MiB exceeds the maximum of {MAX_DISK_MIB} MiB"))


def _disk_type(cloud_properties: dict[str, Any], current: str = DEFAULT_DISK_TYPE) -> str:
    return str(cloud_properties.get("type", current))


def create_disk(call: Call) -> str:
    size, cloud_properties, vm_cid = call.arguments
    _check_size(size)
    if vm_cid is not None and vm_cid not in call.state["vms"]:
        raise vm_not_found(vm_cid)  # the placement hint names a VM the IaaS does not have
    disk_cid = call.ids.new_id("disk")
    call.state["disks"][disk_cid] = {"size": size, "type": _disk_type(cloud_properties),
                                     "cloud_properties": cloud_properties, "vm_locality": vm_cid,
                                     "attached_to": None, "hint": None, "metadata": {}}
    return disk_cid


def delete_disk(call: Call) -> None:
    (disk_cid,) = call.arguments
    disk = find_disk(call, disk_cid)
    if disk.get("attached_to"):
        raise cloud_error(f"Disk '{disk_cid}' is attached to VM '{disk['attached_to']}'; detach it first")
    del call.state["disks"][disk_cid]


def has_disk(call: Call) -> bool:
    (disk_cid,) = call.arguments
    return disk_cid in call.state["disks"]


def _attached(call: Call, vm_cid: str) -> list[tuple[str, dict[str, Any]]]:
    pairs = [(cid, disk) for cid, disk in call.state["disks"].items() if disk.get("attached_to") == vm_cid]
    return sorted(pairs, key=lambda pair: str((pair[1].get("hint") or {}).get("path", "")))


def _free_device(call: Call, vm_cid: str) -> str:
    used = {str((disk.get("hint") or {}).get("path", "")) for _, disk in _attached(call, vm_cid)}
    for letter in DEVICE_LETTERS:
        if f"/dev/sd{letter}" not in used:
            return f"/dev/sd{letter}"
    raise cloud_error(f"VM '{vm_cid}' has no free device name for another disk")


def attach_disk(call: Call) -> Any:
    vm_cid, disk_cid = call.arguments
    vm = find_vm(call, vm_cid)
    disk = find_disk(call, disk_cid)
    owner = disk.get("attached_to")
    if owner and owner != vm_cid:
        raise cloud_error(f"Disk '{disk_cid}' is already attached to VM '{owner}'")
    if owner != vm_cid:  # attaching twice to the same VM is idempotent and keeps the device
        disk["hint"] = {"path": _free_device(call, vm_cid)}
        disk["attached_to"] = vm_cid
    settings.set_persistent_hint(call, vm, vm_cid, disk_cid, disk["hint"])
    return disk["hint"] if call.v2 else None


def detach_disk(call: Call) -> None:
    vm_cid, disk_cid = call.arguments
    vm = find_vm(call, vm_cid)
    disk = find_disk(call, disk_cid)
    if disk.get("attached_to") != vm_cid:
        # AWS raises DiskNotAttached.new(true): the attachment may still be settling.
        raise CpiFailure("DiskNotAttached", f"Disk '{disk_cid}' is not attached to VM '{vm_cid}'", ok_to_retry=True)
    disk["attached_to"] = None
    disk["hint"] = None
    settings.set_persistent_hint(call, vm, vm_cid, disk_cid, None)


def get_disks(call: Call) -> list[str]:
    (vm_cid,) = call.arguments
    find_vm(call, vm_cid)
    return [cid for cid, _ in _attached(call, vm_cid)]


def set_disk_metadata(call: Call) -> None:
    disk_cid, metadata = call.arguments
    disk = find_disk(call, disk_cid)
    check_string_values("Disk", metadata)
    disk.setdefault("metadata", {}).update(metadata)


def _check_new_size(call: Call, disk_cid: str, disk: dict[str, Any], new_size: int) -> None:
    _check_size(new_size, "New disk size")
    if new_size < disk["size"]:
        raise not_supported(f"Disk '{disk_cid}' cannot shrink from {disk['size']} MiB to {new_size} MiB")
    if disk.get("attached_to"):
        raise cloud_error(f"Disk '{disk_cid}' is attached to VM '{disk['attached_to']}'; detach it first")


def resize_disk(call: Call) -> None:
    disk_cid, new_size = call.arguments
    disk = find_disk(call, disk_cid)
    _check_new_size(call, disk_cid, disk, new_size)
    if new_size == disk["size"]:
        call.note(f"disk {disk_cid} already has {new_size} MiB; nothing to do")
    disk["size"] = new_size


def update_disk(call: Call) -> str | None:
    """v2: a new disk type means a new volume (new CID, old one gone); otherwise update in place and answer null."""
    disk_cid, new_size, cloud_properties = call.arguments
    if not call.v2:
        raise not_implemented(f"'update_disk' is not implemented by the reference CPI at api_version "
                              f"{call.api_version}; it needs api_version 2")
    disk = find_disk(call, disk_cid)
    _check_new_size(call, disk_cid, disk, new_size)
    new_type = _disk_type(cloud_properties, disk["type"])
    updated = dict(disk, size=new_size, type=new_type, cloud_properties=cloud_properties)
    if new_type == disk["type"]:
        call.state["disks"][disk_cid] = updated
        return None
    new_cid = call.ids.new_id("disk")
    del call.state["disks"][disk_cid]
    call.state["disks"][new_cid] = updated
    call.note(f"disk type {disk['type']} → {new_type}: {disk_cid} replaced by {new_cid}")
    return new_cid
