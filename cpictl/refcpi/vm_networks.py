"""create_vm's `networks` argument: the checks a real CPI makes, and the networks it reports back (contract §7.1).

A network without `type` is manual, as the AWS CPI reads it. The returned networks (v2 result and agent settings)
are the given ones plus a generated `mac` per network and an `ip` for dynamic networks, which a real IaaS assigns
by DHCP; we hand them out from a counter in state.json so they never repeat.
"""

from __future__ import annotations

import copy
from typing import Any

from cpictl.protocol.shapes import json_type_name
from cpictl.refcpi.call import Call
from cpictl.refcpi.failures import cloud_error

NETWORK_TYPES = ("manual", "dynamic", "vip")
DYNAMIC_PREFIX = "10.254"


def check_networks(networks: dict[str, Any]) -> None:
    """Raise CloudError for networks a real IaaS could not configure."""
    if not networks:
        raise cloud_error("At least one network is required")
    gateways = []
    for name, network in networks.items():
        if not isinstance(network, dict):
            raise cloud_error(f"Network '{name}' must be an object, got {json_type_name(network)}")
        kind = network.get("type", "manual")
        if kind not in NETWORK_TYPES:
            raise cloud_error(f"Invalid network type '{kind}' for network '{name}': must be manual, dynamic or vip")
        required = {"manual": ("ip", "netmask"), "vip": ("ip",)}.get(kind, ())
        missing = [key for key in required if not isinstance(network.get(key), str) or not network[key]]
        if missing:
            raise cloud_error(f"{kind.capitalize()} network '{name}' needs {' and '.join(missing)}")
        defaults = network.get("default", [])
        if not isinstance(defaults, list):
            raise cloud_error(f"Network '{name}': 'default' must be an array such as [\"dns\", \"gateway\"]")
        if "gateway" in defaults:
            gateways.append(name)
    if len(gateways) > 1:
        raise cloud_error(f"Only one network may be the default gateway, got: {', '.join(sorted(gateways))}")


def _next_dynamic_ip(call: Call) -> str:
    allocations = call.state.setdefault("allocations", {})
    index = int(allocations.get("dynamic_ip", 0))
    allocations["dynamic_ip"] = index + 1
    return f"{DYNAMIC_PREFIX}.{index // 250 % 256}.{index % 250 + 2}"


def assigned_networks(call: Call, networks: dict[str, Any]) -> dict[str, Any]:
    """The networks as configured on the new VM: given ones plus `mac`, and `ip` for dynamic networks."""
    assigned = copy.deepcopy(networks)
    for network in assigned.values():
        network["mac"] = call.ids.mac_address()
        if network.get("type", "manual") == "dynamic" and not network.get("ip"):
            network["ip"] = _next_dynamic_ip(call)
    return assigned
