"""The method catalogue: every CPI method of contract §6 as data.

This is the one list the rest of cpictl reads: CLI help, `methods`/`describe`, argument validation, REPL completion
and prompts, recipe validation, the store (which cloud IDs a call creates or deletes) and the reference CPI's
dispatch. Never write a second list of methods anywhere else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from cpictl.protocol import shapes
from cpictl.protocol.json_markers import Elided
from cpictl.protocol.kinds import CloudIdKind
from cpictl.protocol.shapes import ResultShape

REQUIRED: Any = object()  # sentinel: a parameter without a default

VM, DISK, STEMCELL, SNAPSHOT, NETWORK = (CloudIdKind.VM, CloudIdKind.DISK, CloudIdKind.STEMCELL,
                                         CloudIdKind.SNAPSHOT, CloudIdKind.NETWORK)


@dataclass(frozen=True)
class Param:
    """One positional argument: its JSON type, the cloud-ID kind it takes (if any), help and an example."""

    name: str
    type: str  # JSON type: string, integer, object, array, boolean
    help: str
    example: Any
    kind: CloudIdKind | None = None
    item_kind: CloudIdKind | None = None  # for arrays of cloud IDs (create_vm disk_cids)
    nullable: bool = False
    default: Any = REQUIRED
    since_api: int = 1  # first api_version that sends it (create_stemcell env: 3)
    # Ruby CPIs give these trailing parameters defaults, so a request may leave them out. `default` is different:
    # it is what cpictl fills in when a person omits the value.
    optional_on_wire: bool = False

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def type_label(self) -> str:
        label = f"{self.kind} cid" if self.kind else self.type
        if self.item_kind:
            label = f"[{self.item_kind} cid]"
        return label + (" | null" if self.nullable else "")


@dataclass(frozen=True)
class Creates:
    """A cloud ID the result creates: the result itself (index None) or `result[index]`, per api_version."""

    kind: CloudIdKind
    index_v1: int | None = None
    index_v2: int | None = None
    replaces_arg: int | None = None  # update_disk: a new CID replaces the disk in this argument


@dataclass(frozen=True)
class MethodSpec:
    """One CPI method as data."""

    name: str
    summary: str
    params: tuple[Param, ...]
    result_v1: ResultShape
    result_v2: ResultShape
    creates: Creates | None = None
    deletes: CloudIdKind | None = None  # the cloud ID in argument 0 is deleted
    relation: str | None = None  # "attach" / "detach": argument 0 is the VM, argument 1 the disk
    stemcell_context: bool = False  # the director sends context.vm.stemcell.api_version
    deprecated: bool = False  # v1-only legacy methods
    errors: tuple[str, ...] = ()  # short names of the errors CPIs typically answer with
    notes: str = ""
    category: str = "misc"

    def params_for(self, api_version: int | None) -> tuple[Param, ...]:
        version = api_version or 1
        return tuple(p for p in self.params if p.since_api <= version)

    def result_shape(self, api_version: int | None) -> ResultShape:
        return self.result_v2 if (api_version or 1) >= 2 else self.result_v1

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def _cp(help_text: str, example: dict[str, Any]) -> Param:
    return Param("cloud_properties", "object", help_text, example, default={})


def _cid(name: str, kind: CloudIdKind, what: str) -> Param:
    return Param(name, "string", what, f"{kind}-0001", kind=kind)


_NETWORKS_EXAMPLE = {"default": {"type": "dynamic", "default": ["dns", "gateway"], "cloud_properties": {}}}
_METADATA_EXAMPLE = {"director": "bosh", "deployment": "cf", "name": "web/0"}

_METHODS: tuple[MethodSpec, ...] = (
    MethodSpec("info", "Report the CPI's highest api_version and its stemcell formats", (),
               shapes.INFO_V1, shapes.INFO, category="info",
               notes="The director sends info without api_version to negotiate; create-env sends api_version 1 "
                     "before every call."),
    MethodSpec("create_stemcell", "Upload a stemcell image and return its cloud ID", (
        Param("image_path", "string", "local path of the extracted stemcell image", "/tmp/stemcell/image"),
        _cp("cloud_properties from stemcell.MF", {"name": "bosh-aws-xen-hvm-ubuntu-jammy", "version": "1.1"}),
        Param("env", "object", "v3: {tags: {...}} from the director", {"tags": {"team": "bosh"}},
              default={}, since_api=3, optional_on_wire=True),
    ), shapes.CID, shapes.CID, creates=Creates(STEMCELL), errors=("CloudError",), category="stemcell"),
    MethodSpec("delete_stemcell", "Delete a stemcell", (_cid("stemcell_cid", STEMCELL, "stemcell to delete"),),
               shapes.NOTHING, shapes.NOTHING, deletes=STEMCELL, errors=("StemcellNotFound", "CloudError"),
               category="stemcell"),
    MethodSpec("create_vm", "Create and power on a VM, writing the agent settings", (
        Param("agent_id", "string", "agent ID (a fresh UUID per create)", "agent-5f4a"),
        _cid("stemcell_cid", STEMCELL, "stemcell to boot from"),
        _cp("VM type / vm_extensions cloud properties", {"instance_type": "m5.large"}),
        Param("networks", "object", "networks by name: type manual|dynamic|vip, ip, netmask, gateway, dns, default",
              _NETWORKS_EXAMPLE),
        Param("disk_cids", "array", "disks likely to be attached (placement hint)", [], item_kind=DISK,
              default=[], optional_on_wire=True),
        Param("environment", "object", "manifest env with director additions (env.bosh...)",
              {"bosh": {"group": "bosh-cf-web"}}, default={}, optional_on_wire=True),
    ), shapes.CID, shapes.VM_TUPLE, creates=Creates(VM, None, 0), stemcell_context=True,
        errors=("VMCreationFailed", "CloudError"), category="vm",
        notes="v2 returns [vm_cid, networks]; with api_version ≥ 2 and stemcell api_version ≥ 2 the CPI writes "
              "full agent settings into user-metadata, otherwise bootstrap data plus a registry entry."),
    MethodSpec("delete_vm", "Delete a VM (disks may still be attached)", (_cid("vm_cid", VM, "VM to delete"),),
               shapes.NOTHING, shapes.NOTHING, deletes=VM, stemcell_context=True, errors=("VMNotFound",),
               category="vm"),
    MethodSpec("has_vm", "Does the VM exist?", (_cid("vm_cid", VM, "VM to look for"),),
               shapes.BOOLEAN, shapes.BOOLEAN, category="vm"),
    MethodSpec("reboot_vm", "Reboot a VM", (_cid("vm_cid", VM, "VM to reboot"),),
               shapes.NOTHING, shapes.NOTHING, errors=("VMNotFound",), category="vm"),
    MethodSpec("set_vm_metadata", "Tag a VM (string values)", (
        _cid("vm_cid", VM, "VM to tag"),
        Param("metadata", "object", "string → string tags", _METADATA_EXAMPLE),
    ), shapes.NOTHING, shapes.NOTHING, errors=("VMNotFound", "NotImplemented"), category="vm"),
    MethodSpec("calculate_vm_cloud_properties", "Map a desired size to IaaS cloud properties", (
        Param("desired_instance_size", "object", "{cpu: int, ram: MiB, ephemeral_disk_size: MB}",
              {"cpu": 2, "ram": 4096, "ephemeral_disk_size": 10240}),
    ), shapes.OBJECT, shapes.OBJECT, errors=("CloudError",), category="vm"),
    MethodSpec("create_disk", "Create a persistent disk", (
        Param("size", "integer", "size in MiB", 1024),
        _cp("disk type cloud properties", {"type": "gp3"}),
        Param("vm_cid", "string", "VM the disk will attach to (placement hint)", "vm-0001", kind=VM,
              nullable=True, default=None, optional_on_wire=True),
    ), shapes.CID, shapes.CID, creates=Creates(DISK), errors=("NoDiskSpace", "CloudError"), category="disk"),
    MethodSpec("delete_disk", "Delete a persistent disk", (_cid("disk_cid", DISK, "disk to delete"),),
               shapes.NOTHING, shapes.NOTHING, deletes=DISK, errors=("DiskNotFound", "CloudError"),
               category="disk"),
    MethodSpec("resize_disk", "Grow a detached disk", (
        _cid("disk_cid", DISK, "disk to resize"), Param("new_size", "integer", "new size in MiB", 2048),
    ), shapes.NOTHING, shapes.NOTHING, errors=("NotSupported", "NotImplemented", "DiskNotFound"), category="disk",
        notes="The director falls back to create + copy on NotSupported/NotImplemented."),
    MethodSpec("update_disk", "Change a disk's size or type", (
        _cid("disk_cid", DISK, "disk to update"), Param("new_size", "integer", "new size in MiB", 2048),
        _cp("new disk cloud properties", {"type": "io2", "iops": 3000}),
    ), shapes.NOTHING, shapes.CID_OR_NULL, creates=Creates(DISK, None, None, replaces_arg=0),
        errors=("NotSupported", "NotImplemented"), category="disk",
        notes="v2: a different CID replaces the disk; null or the same CID keeps it."),
    MethodSpec("has_disk", "Does the disk exist?", (_cid("disk_cid", DISK, "disk to look for"),),
               shapes.BOOLEAN, shapes.BOOLEAN, category="disk"),
    MethodSpec("attach_disk", "Attach a disk to a VM", (
        _cid("vm_cid", VM, "VM to attach to"), _cid("disk_cid", DISK, "disk to attach"),
    ), shapes.NOTHING, shapes.DISK_HINT, relation="attach", stemcell_context=True,
        errors=("VMNotFound", "DiskNotFound", "CloudError"), category="disk",
        notes="v2 returns the disk hint the agent mounts; v1 (and registry mode) updates disks.persistent in "
              "the registry instead."),
    MethodSpec("detach_disk", "Detach a disk from a VM", (
        _cid("vm_cid", VM, "VM to detach from"), _cid("disk_cid", DISK, "disk to detach"),
    ), shapes.NOTHING, shapes.NOTHING, relation="detach", stemcell_context=True,
        errors=("DiskNotAttached", "VMNotFound", "DiskNotFound"), category="disk"),
    MethodSpec("set_disk_metadata", "Tag a disk (string values)", (
        _cid("disk_cid", DISK, "disk to tag"),
        Param("metadata", "object", "string → string tags", _METADATA_EXAMPLE),
    ), shapes.NOTHING, shapes.NOTHING, errors=("DiskNotFound", "NotImplemented"), category="disk"),
    MethodSpec("get_disks", "List the disks attached to a VM", (_cid("vm_cid", VM, "VM to list"),),
               shapes.STRING_LIST, shapes.STRING_LIST, errors=("VMNotFound",), category="disk"),
    MethodSpec("snapshot_disk", "Snapshot a disk", (
        _cid("disk_cid", DISK, "disk to snapshot"),
        Param("metadata", "object", "deployment, job, index (integer), director_name, agent_id …",
              {"deployment": "cf", "job": "web", "index": 0}, default={}, optional_on_wire=True),
    ), shapes.CID, shapes.CID, creates=Creates(SNAPSHOT), errors=("DiskNotFound", "NotImplemented"),
        category="snapshot"),
    MethodSpec("delete_snapshot", "Delete a snapshot", (_cid("snapshot_cid", SNAPSHOT, "snapshot to delete"),),
               shapes.NOTHING, shapes.NOTHING, deletes=SNAPSHOT, errors=("DiskNotFound",), category="snapshot"),
    MethodSpec("create_network", "Create a managed network", (
        Param("network_definition", "object", "{type: manual, cloud_properties, range?, gateway?, netmask_bits?}",
              {"type": "manual", "range": "10.10.0.0/24", "gateway": "10.10.0.1", "cloud_properties": {}}),
    ), shapes.NETWORK_TUPLE, shapes.NETWORK_TUPLE, creates=Creates(NETWORK, 0, 0), errors=("CloudError",),
        category="network"),
    MethodSpec("delete_network", "Delete a managed network", (_cid("network_cid", NETWORK, "network to delete"),),
               shapes.NOTHING, shapes.NOTHING, deletes=NETWORK, errors=("NetworkNotFound",), category="network"),
    MethodSpec("current_vm_id", "v1, deprecated: the VM the caller runs on", (), shapes.CID, shapes.CID,
               deprecated=True, errors=("NotSupported", "NotImplemented"), category="legacy"),
    MethodSpec("configure_networks", "v1, deprecated: reconfigure a VM's networks", (
        _cid("vm_cid", VM, "VM to reconfigure"),
        Param("networks", "object", "networks by name", _NETWORKS_EXAMPLE),
    ), shapes.NOTHING, shapes.NOTHING, deprecated=True, errors=("NotSupported",), category="legacy",
        notes="No current caller calls it (the director dropped it with v1); CPIs should answer NotSupported."),
    MethodSpec("ping", "Liveness probe; never called by the director", (), shapes.ANYTHING, shapes.ANYTHING,
               deprecated=True, category="legacy"),
)

METHODS: dict[str, MethodSpec] = {spec.name: spec for spec in _METHODS}
METHOD_NAMES: tuple[str, ...] = tuple(METHODS)


def get_method(name: str) -> MethodSpec | None:
    return METHODS.get(name)


@dataclass
class CloudIdChanges:
    """Cloud IDs a call created and deleted, plus the attach/detach relation it changed."""

    created: list[tuple[CloudIdKind, str]] = field(default_factory=list)
    deleted: list[tuple[CloudIdKind, str]] = field(default_factory=list)
    attached: tuple[str, str] | None = None  # (vm_cid, disk_cid)
    detached: tuple[str, str] | None = None

    def as_dict(self) -> dict[str, list[dict[str, str]]]:
        return {"created": [{"kind": str(k), "cid": c} for k, c in self.created],
                "deleted": [{"kind": str(k), "cid": c} for k, c in self.deleted]}


def _cid_in_result(result: Any, index: int | None) -> str | None:
    value = result if index is None else (result[index] if isinstance(result, list) and len(result) > index
                                          else None)
    if isinstance(value, str) and value:
        return value
    # A result of the wrong shape (flagged by the contract check) most likely still names a resource the CPI made:
    # keep it rather than lose it — a v1 string where v2 wants [cid, networks], the other way round, a number, an
    # ID wrapped in arrays (`[[["vm-1", {}]]]`, even a thousand deep: the decoder's Elided marker kept it).
    if isinstance(result, str) and result:
        return result
    # NaN, Infinity and numbers beyond a float are markers (json_markers), and a marker is never an ID
    if (isinstance(result, int) and not isinstance(result, bool)) or (isinstance(result, float)
                                                                      and math.isfinite(result)):
        return str(result)
    return _first_string(result)


def _first_string(value: Any) -> str | None:
    """The string reached by following the first element of each array (iteratively: nesting may be deep)."""
    while isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, Elided):
        return value.first_string
    return value if isinstance(value, str) and value else None


def created_cid(spec: MethodSpec, result: Any, api_version: int | None) -> str | None:
    """The cloud ID a successful call of `spec` created, read from its result (None when it creates none)."""
    creates = spec.creates
    v2 = (api_version or 1) >= 2
    if creates is None or (creates.replaces_arg is not None and not v2):
        return None
    return _cid_in_result(result, creates.index_v2 if v2 else creates.index_v1)


def cloud_id_changes(spec: MethodSpec, arguments: list[Any], result: Any, api_version: int | None,
                     succeeded: bool) -> CloudIdChanges:
    """Which cloud IDs a finished call created or deleted, read from the catalogue (only for successful calls)."""
    changes = CloudIdChanges()
    if not succeeded:
        return changes
    creates = spec.creates
    cid = created_cid(spec, result, api_version)
    if creates is not None and cid is not None:
        old = arguments[creates.replaces_arg] if creates.replaces_arg is not None and arguments else None
        if cid and cid != old:
            changes.created.append((creates.kind, cid))
            if isinstance(old, str) and old:
                changes.deleted.append((creates.kind, old))
    if spec.deletes and arguments and isinstance(arguments[0], str) and arguments[0]:
        changes.deleted.append((spec.deletes, arguments[0]))
    if spec.relation and len(arguments) >= 2 and all(isinstance(a, str) for a in arguments[:2]):
        pair = (arguments[0], arguments[1])
        if spec.relation == "attach":
            changes.attached = pair
        else:
            changes.detached = pair
    return changes
