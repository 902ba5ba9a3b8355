"""Cloud-ID kinds: a VM CID is not a disk CID.

Every argument slot and every result that carries a cloud ID names its kind here, so validation, the store and
completion can tell them apart.
"""

from __future__ import annotations

from enum import Enum


class CloudIdKind(str, Enum):
    """The kinds of cloud ID a CPI hands out, in the order cleanup deletes them last-to-first."""

    STEMCELL = "stemcell"
    VM = "vm"
    DISK = "disk"
    SNAPSHOT = "snapshot"
    NETWORK = "network"

    def __str__(self) -> str:
        return self.value


KIND_NAMES: tuple[str, ...] = tuple(kind.value for kind in CloudIdKind)
