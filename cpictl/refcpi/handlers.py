"""The handler of every catalogue method, and the four methods that need no state (info, ping, the v1 legacy).

`HANDLERS` must cover exactly `cpictl.protocol.catalogue.METHODS` (a test checks it): the catalogue decides which
methods exist and their arity; this table only says which function answers and whether it runs inside the state
transaction. Handlers are named by module, not imported, so a call loads only the module it needs (`info` loads
none): start-up time is a measured goal.
"""

from __future__ import annotations

import importlib
from typing import Any, NamedTuple

from cpictl.refcpi import config
from cpictl.refcpi.call import Call, Handler
from cpictl.refcpi.failures import not_supported


class Entry(NamedTuple):
    module: str  # a module of cpictl.refcpi holding a function named after the method
    uses_state: bool

    def handler(self, method: str) -> Handler:
        handler: Handler = getattr(importlib.import_module(f"cpictl.refcpi.{self.module}"), method)
        return handler


def info(call: Call) -> dict[str, Any]:
    return {"api_version": config.cpi_api_version(call.env), "stemcell_formats": list(config.STEMCELL_FORMATS)}


def ping(call: Call) -> str:
    return "pong"


def current_vm_id(call: Call) -> None:
    raise not_supported("current_vm_id is a deprecated v1 method; the reference CPI does not run on a VM it manages")


def configure_networks(call: Call) -> None:
    # Contract §4: CPIs should answer NotSupported; no current caller calls it (§13).
    raise not_supported("configure_networks is not supported; recreate the VM with the new networks")


HANDLERS: dict[str, Entry] = {
    "info": Entry("handlers", False),
    "create_stemcell": Entry("stemcells", True),
    "delete_stemcell": Entry("stemcells", True),
    "create_vm": Entry("vms", True),
    "delete_vm": Entry("vms", True),
    "has_vm": Entry("vms", True),
    "reboot_vm": Entry("vms", True),
    "set_vm_metadata": Entry("vms", True),
    "calculate_vm_cloud_properties": Entry("sizing", False),
    "create_disk": Entry("disks", True),
    "delete_disk": Entry("disks", True),
    "resize_disk": Entry("disks", True),
    "update_disk": Entry("disks", True),
    "has_disk": Entry("disks", True),
    "attach_disk": Entry("disks", True),
    "detach_disk": Entry("disks", True),
    "set_disk_metadata": Entry("disks", True),
    "get_disks": Entry("disks", True),
    "snapshot_disk": Entry("snapshots", True),
    "delete_snapshot": Entry("snapshots", True),
    "create_network": Entry("networks", True),
    "delete_network": Entry("networks", True),
    "current_vm_id": Entry("handlers", False),
    "configure_networks": Entry("handlers", False),
    "ping": Entry("handlers", False),
}
