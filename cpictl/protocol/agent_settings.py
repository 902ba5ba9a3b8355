"""Agent settings: where a CPI must put them and what they contain (contract §5.6, §8).

The rule, as CPIs apply it per call: contract api_version ≥ 2 *and* `context.vm.stemcell.api_version` ≥ 2 ⇒ full
settings in IaaS user-metadata and no registry write; anything else ⇒ bootstrap user-metadata plus the full
settings in the registry. The director/CPI/stemcell matrix is computed from that rule, never typed in.
"""

from __future__ import annotations

from itertools import product
from typing import Any, Literal

FULL_SETTINGS_KEYS = ("agent_id", "vm", "networks", "disks", "env", "mbus", "ntp", "blobstore")
#: Keys only the full settings have (bootstrap user-data shares `networks` with them, contract §8.2).
FULL_ONLY_KEYS = frozenset(FULL_SETTINGS_KEYS) - {"networks"}

Placement = Literal["user-metadata", "registry"]
USER_METADATA: Placement = "user-metadata"
REGISTRY: Placement = "registry"


def settings_in_user_metadata(api_version: int | None, stemcell_api_version: int | None) -> bool:
    """True when a CPI must write the full settings into user-metadata (registry-less)."""
    return (api_version or 1) >= 2 and (stemcell_api_version or 1) >= 2


def placement_for(api_version: int | None, stemcell_api_version: int | None) -> Placement:
    """Where the full settings belong: "user-metadata" (registry-less) or "registry"."""
    return USER_METADATA if settings_in_user_metadata(api_version, stemcell_api_version) else REGISTRY


def registry_settings_path(instance_id: str) -> str:
    """The registry resource a CPI PUTs the settings to (Ruby registry client: `/instances/<id>/settings`)."""
    return f"/instances/{instance_id}/settings"


def dns_servers(networks: Any) -> list[str]:
    """The DNS servers bootstrap user-data names: those of the network that is default for dns, else of the first
    network that has some (AWS `user_data`)."""
    if not isinstance(networks, dict):
        return []
    candidates = [net for net in networks.values() if isinstance(net, dict)]
    ordered = sorted(candidates, key=lambda net: "dns" not in (net.get("default") or []))
    for network in ordered:
        if isinstance(network.get("dns"), list) and network["dns"]:
            return [str(server) for server in network["dns"]]
    return []


def negotiated_version(director: int, cpi: int) -> int:
    """The contract version both sides speak."""
    return min(director, cpi)


def version_matrix() -> list[dict[str, Any]]:
    """The eight director/CPI/stemcell rows of contract §5.6, computed from the rule."""
    rows = []
    for director, cpi, stemcell in product((1, 2), repeat=3):
        full = settings_in_user_metadata(negotiated_version(director, cpi), stemcell)
        rows.append({"director": director, "cpi": cpi, "stemcell": stemcell, "registry": not full,
                     "full_settings_in_metadata": full})
    return rows


def stemcell_api_version_from_context(context: Any) -> int | None:
    """`context.vm.stemcell.api_version`, or None when the caller did not send it."""
    try:
        value = context["vm"]["stemcell"]["api_version"]
    except (KeyError, TypeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def full_settings(*, agent_id: str, vm_name: str, networks: dict[str, Any], system_disk: str,
                  ephemeral_disk: Any, persistent: dict[str, Any] | None, env: dict[str, Any], mbus: str,
                  ntp: list[str], blobstore: dict[str, Any]) -> dict[str, Any]:
    """The full agent settings document (agent settings.go `Settings`)."""
    return {
        "agent_id": agent_id,
        "vm": {"name": vm_name},
        "networks": networks,
        "disks": {"system": system_disk, "ephemeral": ephemeral_disk, "persistent": dict(persistent or {})},
        "env": env,
        "mbus": mbus,
        "ntp": list(ntp),
        "blobstore": blobstore,
    }


def bootstrap_user_metadata(*, registry_endpoint: str, vm_name: str, networks: dict[str, Any],
                            dns: list[str]) -> dict[str, Any]:
    """Registry-mode user-data: only what the agent needs to find the registry (contract §8.2)."""
    return {"registry": {"endpoint": registry_endpoint}, "server": {"name": vm_name},
            "dns": {"nameserver": list(dns)}, "networks": networks}
