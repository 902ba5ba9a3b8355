"""CPI error types on the wire and how the director and `bosh create-env` react to them (contract §4)."""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "Bosh::Clouds::"


@dataclass(frozen=True)
class ErrorType:
    """One `error.type` string a CPI may answer with."""

    name: str
    retriable: bool
    known_to_director: bool
    meaning: str
    caller_reaction: str

    @property
    def short(self) -> str:
        return self.name.rsplit("::", 1)[-1]


ERROR_TYPES: dict[str, ErrorType] = {
    e.name: e
    for e in (
        ErrorType(PREFIX + "CpiError", False, True, "CPI-side failure or malformed request (Go library)",
                  "the director and create-env fail the call"),
        ErrorType(PREFIX + "NotImplemented", False, True, "method unknown or not implemented",
                  "ignored for set_vm_metadata/set_disk_metadata; resize_disk/update_disk fall back to a new "
                  "disk + copy; create-env reads it on info as api_version 1; anything else fails"),
        ErrorType(PREFIX + "NotSupported", False, True, "operation impossible for this IaaS or size",
                  "resize_disk/update_disk fall back to a new disk + copy; anything else fails"),
        ErrorType(PREFIX + "CloudError", False, True, "generic IaaS failure",
                  "the director and create-env fail the call"),
        ErrorType(PREFIX + "VMNotFound", False, True, "VM absent",
                  "on delete_vm the director and create-env take the VM as already gone; anything else fails"),
        ErrorType(PREFIX + "NetworkNotFound", False, True, "network absent",
                  "on delete_network the director's orphan cleanup takes it as gone; anything else fails"),
        ErrorType(PREFIX + "NoDiskSpace", True, True, "no capacity", "the director fails the call (no retry)"),
        ErrorType(PREFIX + "DiskNotAttached", True, True, "detach of a disk that is not attached",
                  "on detach_disk the director ignores it unless the disk is active; anything else fails"),
        ErrorType(PREFIX + "DiskNotFound", True, True, "disk absent",
                  "on delete_disk/delete_snapshot orphan cleanup and create-env take it as gone; anything else "
                  "fails"),
        ErrorType(PREFIX + "VMCreationFailed", True, True, "create_vm failed, possibly transiently",
                  "with ok_to_retry the director retries create_vm up to max_vm_create_tries (5); else it fails"),
        ErrorType(PREFIX + "StemcellNotFound", False, False, "stemcell absent",
                  "on delete_stemcell create-env skips it; the director reports an UnknownError"),
        ErrorType(PREFIX + "CPIAPIVersionNotSupported", False, False, "stemcell or contract version unsupported",
                  "the director reports an UnknownError"),
        ErrorType("InvalidCall", False, False, "request shape or arguments wrong (Ruby library)",
                  "director and create-env report an UnknownError (NotImplemented for 'Method is not known')"),
        ErrorType("Unknown", False, False, "any non-BOSH exception (Ruby library)",
                  "director reports an UnknownError"),
    )
}

#: What callers do with an error type on one method, where that differs from the type's general rule (contract §4).
_FAILS = "the director and create-env fail the call"
_COPY = "the director falls back to creating a new disk and copying the data"
_REACTION_ON: dict[tuple[str, str], str] = {
    **{(PREFIX + "NotImplemented", method): "the director and create-env ignore it"
       for method in ("set_vm_metadata", "set_disk_metadata")},
    (PREFIX + "NotImplemented", "resize_disk"): _COPY,
    (PREFIX + "NotImplemented", "update_disk"): _COPY,
    (PREFIX + "NotImplemented", "snapshot_disk"): "the director skips the snapshot",
    (PREFIX + "NotImplemented", "info"): "create-env takes api_version 1; the director (v283+) refuses the CPI: "
                                         "'CPI must report api_version via info'",
    (PREFIX + "NotImplemented", "has_vm"): "the director's cloud check skips the VM; create-env fails the call",
    (PREFIX + "NotImplemented", "has_disk"): "the director's cloud check skips the disk (create-env never calls it)",
    (PREFIX + "NotSupported", "resize_disk"): _COPY,
    (PREFIX + "NotSupported", "update_disk"): _COPY,
    (PREFIX + "NotSupported", "configure_networks"): "neither caller calls configure_networks any more",
}
#: Types whose general rule lists the methods it applies to: on any other method, they fail the call.
_METHOD_SPECIFIC = frozenset({PREFIX + "NotImplemented", PREFIX + "NotSupported"})


def reaction_on(error_type: ErrorType, method: str | None) -> str:
    """What the director and create-env do when `method` answers with this error type; the type's general rule
    when the method is not known."""
    if method is None:
        return error_type.caller_reaction
    specific = _REACTION_ON.get((error_type.name, method))
    if specific is not None:
        return specific
    return _FAILS if error_type.name in _METHOD_SPECIFIC else error_type.caller_reaction


#: (type, method) pairs a caller copes with by comparing the full type name: the director's `rescue`s (delete_vm_step,
#: orphan_disk_manager, orphan_network_manager, problem_scanner, metadata_updater, disk_manager, snapshot_manager,
#: detach_disk_step, missing_disk, create_vm_step's retry) and create-env's type checks (deployment/vm/vm.go,
#: instance.go, disk/disk.go, stemcell/cloud_stemcell.go, cloud.go Info). A short name (`VMNotFound`) matches none.
DIRECTOR_TOLERATES = frozenset({
    (PREFIX + "VMNotFound", "delete_vm"), (PREFIX + "DiskNotFound", "delete_disk"),
    (PREFIX + "DiskNotFound", "delete_snapshot"), (PREFIX + "DiskNotFound", "detach_disk"),
    (PREFIX + "NetworkNotFound", "delete_network"), (PREFIX + "DiskNotAttached", "detach_disk"),
    (PREFIX + "VMCreationFailed", "create_vm"),
    *((PREFIX + "NotImplemented", method) for method in ("has_vm", "has_disk", "set_vm_metadata",
                                                         "set_disk_metadata", "resize_disk", "update_disk",
                                                         "snapshot_disk")),
    *((PREFIX + "NotSupported", method) for method in ("resize_disk", "update_disk")),
})
CREATE_ENV_TOLERATES = frozenset({
    (PREFIX + "VMNotFound", "delete_vm"), (PREFIX + "DiskNotFound", "delete_disk"),
    (PREFIX + "StemcellNotFound", "delete_stemcell"),
    *((PREFIX + "NotImplemented", method) for method in ("info", "set_vm_metadata", "set_disk_metadata")),
})

#: Types the director recognises (`KNOWN_RPC_ERRORS`); anything else becomes ExternalCpi::UnknownError.
DIRECTOR_KNOWN_TYPES = frozenset(name for name, e in ERROR_TYPES.items() if e.known_to_director)


def lookup_error_type(type_name: str) -> ErrorType | None:
    """Find an error type by its full name or by its last segment (`VMNotFound`)."""
    if type_name in ERROR_TYPES:
        return ERROR_TYPES[type_name]
    for error_type in ERROR_TYPES.values():
        if error_type.short == type_name:
            return error_type
    return None


def error_type_matches(actual: str, expected: str) -> bool:
    """True when `actual` is `expected` given as a full type name or its last segment."""
    return actual == expected or actual.rsplit("::", 1)[-1] == expected.rsplit("::", 1)[-1]


def is_legacy_not_implemented(type_name: str, message: str) -> bool:
    """Old CPIs answer CloudError 'Invalid Method:…'; both callers rewrite it to NotImplemented."""
    return (type_name == PREFIX + "CloudError" and message.startswith("Invalid Method:")) or (
        type_name == "InvalidCall" and message.startswith("Method is not known, got")
    )
