"""The one exception reference-CPI code raises, and how it becomes a response's `error` object (contract §4).

Every failure a real CPI would report is a `CpiFailure` carrying the full wire type (`Bosh::Clouds::X`, or the Ruby
library's `InvalidCall`). `ok_to_retry` can only be true for the retriable types of `cpictl.protocol.errors`, the
way the Ruby library sends `false` for every other class.
"""

from __future__ import annotations

from typing import Any

from cpictl.protocol.errors import PREFIX, lookup_error_type

INVALID_CALL = "InvalidCall"


def full_type_name(name: str) -> str:
    """`VMNotFound` → `Bosh::Clouds::VMNotFound`; full names and names outside the tree are kept as given."""
    known = lookup_error_type(name)
    if known is not None:
        return known.name
    return name if "::" in name else PREFIX + name


def is_retriable(type_name: str) -> bool:
    known = lookup_error_type(type_name)
    return bool(known and known.retriable)


class CpiFailure(Exception):
    """A failure to answer as `{"type", "message", "ok_to_retry"}` instead of a result."""

    def __init__(self, type_name: str, message: str, ok_to_retry: bool = False) -> None:
        super().__init__(message)
        self.type = full_type_name(type_name)
        self.message = message
        self.ok_to_retry = ok_to_retry and is_retriable(self.type)

    def as_error(self) -> dict[str, Any]:
        return {"type": self.type, "message": self.message, "ok_to_retry": self.ok_to_retry}


def invalid_call(message: str) -> CpiFailure:
    return CpiFailure(INVALID_CALL, message)


def cpi_error(message: str) -> CpiFailure:
    return CpiFailure("CpiError", message)


def cloud_error(message: str) -> CpiFailure:
    return CpiFailure("CloudError", message)


def not_supported(message: str) -> CpiFailure:
    return CpiFailure("NotSupported", message)


def not_implemented(message: str) -> CpiFailure:
    return CpiFailure("NotImplemented", message)


def vm_not_found(vm_cid: str) -> CpiFailure:
    return CpiFailure("VMNotFound", f"VM '{vm_cid}' not found")


def disk_not_found(disk_cid: str) -> CpiFailure:
    # AWS raises DiskNotFound.new(false): the disk will not come back by retrying.
    return CpiFailure("DiskNotFound", f"Disk '{disk_cid}' not found", ok_to_retry=False)
