"""Agent settings a real CPI writes for a VM, placed by the rule of contract §5.6 (`cpictl.protocol.agent_settings`).

create_vm decides once per VM: request api_version ≥ 2 *and* `context.vm.stemcell.api_version` ≥ 2 ⇒ full settings
in user-metadata and no registry write ("user-metadata" mode); otherwise bootstrap user-metadata plus the full
settings in the registry ("registry" mode). The mode is stored on the VM record, and attach/detach/delete follow it.
(AWS re-reads the stemcell version from each call's context instead; the director sends the value stored with
the VM at creation, so both agree in practice, and following the record never looks for a registry entry that was
never written.)

Registry mode: attach_disk/detach_disk update `disks.persistent` in the registry entry, like v1 CPIs did.
User-metadata mode: the user-metadata file is left exactly as create_vm wrote it, because a real IaaS cannot change
a running VM's user-data; the agent gets disk hints from the director (`add_persistent_disk`) instead. The hints
the CPI handed out are on each disk record in state.json (`attached_to`, `hint`).
"""

from __future__ import annotations

from typing import Any

from cpictl.protocol.agent_settings import bootstrap_user_metadata, full_settings, settings_in_user_metadata
from cpictl.refcpi import config
from cpictl.refcpi.call import Call
from cpictl.refcpi.registry import Registry, open_registry
from cpictl.refcpi.state import user_metadata_file

USER_METADATA_MODE = "user-metadata"
REGISTRY_MODE = "registry"
SYSTEM_DISK = "/dev/sda"
EPHEMERAL_DISK = "/dev/sdb"


def settings_mode(call: Call) -> str:
    full = settings_in_user_metadata(call.api_version, call.stemcell_api_version)
    return USER_METADATA_MODE if full else REGISTRY_MODE


def _registry(call: Call) -> Registry:
    return open_registry(config.registry_url(call.env), call.store)


def _dns(networks: dict[str, Any]) -> list[str]:
    """The DNS servers of the network that is default for dns, else of the first network that has some."""
    ordered = sorted(networks.values(), key=lambda net: "dns" not in (net.get("default") or []))
    for network in ordered:
        if network.get("dns"):
            return [str(server) for server in network["dns"]]
    return []


def write_vm_settings(call: Call, vm_cid: str, agent_id: str, networks: dict[str, Any],
                      environment: dict[str, Any]) -> str:
    """Write the new VM's settings where its agent would read them; returns the mode used."""
    settings = full_settings(agent_id=agent_id, vm_name=vm_cid, networks=networks, system_disk=SYSTEM_DISK,
                             ephemeral_disk=EPHEMERAL_DISK, persistent={}, env=environment, mbus=config.mbus(call.env),
                             ntp=config.ntp(call.env), blobstore=config.blobstore(call.env))
    mode = settings_mode(call)
    if mode == USER_METADATA_MODE:
        call.store.write_json(user_metadata_file(vm_cid), settings)
        call.note(f"full agent settings written to user-metadata of {vm_cid} (no registry)")
        return mode
    registry = _registry(call)
    registry.write(vm_cid, settings)  # first: if the registry fails, the VM is not created
    bootstrap = bootstrap_user_metadata(registry_endpoint=registry.endpoint, vm_name=vm_cid, networks=networks,
                                        dns=_dns(networks))
    call.store.write_json(user_metadata_file(vm_cid), bootstrap)
    call.note(f"bootstrap user-metadata for {vm_cid}; full agent settings in the registry")
    return mode


def set_persistent_hint(call: Call, vm: dict[str, Any], vm_cid: str, disk_cid: str, hint: Any) -> None:
    """Registry mode: record (hint) or drop (None) a disk in the registry's `disks.persistent`."""
    if vm.get("settings_mode") != REGISTRY_MODE:
        return
    registry = _registry(call)
    settings = registry.read(vm_cid)
    persistent = settings.setdefault("disks", {}).setdefault("persistent", {})
    if hint is None:
        persistent.pop(disk_cid, None)
    else:
        persistent[disk_cid] = hint
    registry.write(vm_cid, settings)
    call.note(f"registry disks.persistent of {vm_cid} updated for {disk_cid}")


def remove_vm_settings(call: Call, vm: dict[str, Any], vm_cid: str) -> None:
    if vm.get("settings_mode") == REGISTRY_MODE:
        _registry(call).delete(vm_cid)
    call.store.remove(user_metadata_file(vm_cid))
