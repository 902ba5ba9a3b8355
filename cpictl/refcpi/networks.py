"""Managed-network methods: create_network and delete_network (contract §6, docs create-network.md).

Only `type: manual` networks can be created. Without a `range` the CPI picks one of `netmask_bits` (default 24)
from 10.128.0.0/9, like an IaaS allocating a subnet; the gateway defaults to the first host, and the next host
addresses are reported as reserved by the IaaS. `ipaddress` is imported here only, not at start-up.
"""

from __future__ import annotations

from typing import Any

from cpictl.refcpi.call import Call
from cpictl.refcpi.failures import CpiFailure, cloud_error

POOL = "10.128.0.0/9"
DEFAULT_NETMASK_BITS = 24
MIN_ADDRESSES = 8  # gateway + reserved + room for VMs


def _wanted_bits(definition: dict[str, Any]) -> int | None:
    bits = definition.get("netmask_bits")
    if bits is None:
        return None
    if isinstance(bits, bool) or not isinstance(bits, int) or not 9 <= bits <= 29:
        raise cloud_error(f"netmask_bits must be an integer from 9 to 29, got {bits!r}")
    return bits


def _allocate(call: Call, bits: int) -> Any:
    import ipaddress

    pool = ipaddress.ip_network(POOL)
    allocations = call.state.setdefault("allocations", {})
    block = 2 ** (32 - bits)
    start = -(-int(allocations.get("network", 0)) // block) * block  # round up to the block size
    if start + block > pool.num_addresses:
        raise cloud_error(f"No room left in {POOL} for a /{bits} network")
    allocations["network"] = start + block
    return ipaddress.ip_network(f"{pool.network_address + start}/{bits}")


def _subnet(call: Call, definition: dict[str, Any]) -> Any:
    import ipaddress

    bits = _wanted_bits(definition)
    given = definition.get("range")
    if given is None:
        return _allocate(call, bits or DEFAULT_NETMASK_BITS)
    try:
        subnet = ipaddress.ip_network(str(given))
    except ValueError as exc:
        raise cloud_error(f"Invalid network range {given!r}: {exc}") from None
    if bits is not None and bits != subnet.prefixlen:
        raise cloud_error(f"netmask_bits {bits} does not match range {given}")
    if subnet.num_addresses < MIN_ADDRESSES:
        raise cloud_error(f"Network range {given} is too small: at least {MIN_ADDRESSES} addresses are needed")
    return subnet


def _gateway(subnet: Any, given: Any) -> Any:
    import ipaddress

    if given is None:
        return subnet[1]
    try:
        gateway = ipaddress.ip_address(str(given))
    except ValueError as exc:
        raise cloud_error(f"Invalid gateway {given!r}: {exc}") from None
    if gateway not in subnet or gateway in (subnet.network_address, subnet.broadcast_address):
        raise cloud_error(f"Gateway {given} is not a host address of {subnet}")
    return gateway


def create_network(call: Call) -> list[Any]:
    (definition,) = call.arguments
    kind = definition.get("type", "manual")
    if kind != "manual":
        raise cloud_error(f"Only manual networks can be created, got type '{kind}'")
    cloud_properties = definition.get("cloud_properties", {})
    if not isinstance(cloud_properties, dict):
        raise cloud_error("network_definition.cloud_properties must be an object")
    subnet = _subnet(call, definition)
    gateway = _gateway(subnet, definition.get("gateway"))
    reserved = [str(subnet[i]) for i in (1, 2, 3) if subnet[i] != gateway][:2]
    network_cid = call.ids.new_id("network")
    address = {"range": str(subnet), "gateway": str(gateway), "reserved": reserved}
    returned_properties = dict(cloud_properties, network_id=network_cid)
    call.state["networks"][network_cid] = dict(address, cloud_properties=returned_properties)
    return [network_cid, address, returned_properties]


def delete_network(call: Call) -> None:
    (network_cid,) = call.arguments
    if network_cid not in call.state["networks"]:
        raise CpiFailure("NetworkNotFound", f"Network '{network_cid}' not found")
    del call.state["networks"][network_cid]
