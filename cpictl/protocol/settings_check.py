"""Agent settings a CPI must write for one create_vm (contract §5.6, §8), and the data the diff compares.

Pure functions over decoded JSON. `expected_settings` computes, from a create_vm request and the versions in force,
where the settings belong and what they must hold; `cpictl.protocol.settings_diff.diff_settings` compares that with
what a CPI wrote (`ActualSettings`: its user-metadata and its registry entry) and names each `SettingsMistake`.

Rules kept here and in `settings_diff`:
- Values the CPI chooses itself (the VM name, disk paths, mbus/ntp/blobstore from its own config, the registry
  endpoint) are placeholders `<chosen by the CPI: …>`; any present value matches them. Values cpictl cannot know
  (the environment of a VM known only from the journal) are `<unknown: …>` and are not compared either.
- Registry-less settings are written once, at create_vm: a real IaaS cannot change a running VM's user-data, and
  v2 disk hints reach the agent through the director. So `disks.persistent` in user-metadata is not judged against
  attachments. In registry mode the registry entry must list exactly the attached disks.
- Networks: every network of the create_vm result (v2) or request (v1) must be there with the same values; keys an
  agent reads that CPIs add (`mac`, `use_dhcp`, …, and a DHCP `ip`) are allowed, other extra keys are mistakes.
- Messages name paths and public values (types, IPs), never an environment or cloud_properties value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cpictl.protocol.agent_settings import (
    FULL_ONLY_KEYS,
    REGISTRY,
    USER_METADATA,
    Placement,
    dns_servers,
    placement_for,
    registry_settings_path,
)

CHOSEN_PREFIX = "<chosen by the CPI: "
UNKNOWN_PREFIX = "<unknown: "
CREATE_VM_PARAMS = ("agent_id", "stemcell_cid", "cloud_properties", "networks", "disk_cids", "environment")


def cpi_chosen(what: str) -> str:
    return f"{CHOSEN_PREFIX}{what}>"


def unknown(what: str) -> str:
    return f"{UNKNOWN_PREFIX}{what}>"


def is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and value.startswith((CHOSEN_PREFIX, UNKNOWN_PREFIX)) and value.endswith(">")


@dataclass(frozen=True)
class ExpectedSettings:
    """What a correct CPI writes: the full settings and where they go; in registry mode also the bootstrap data."""

    placement: Placement
    settings: dict[str, Any]
    bootstrap: dict[str, Any] | None
    api_version: int | None
    stemcell_api_version: int | None
    vm_cid: str | None = None
    networks_from: str = "request"  # "result" (v2 create_vm result) or "request"

    @property
    def registry_path(self) -> str | None:
        return registry_settings_path(self.vm_cid) if self.placement == REGISTRY and self.vm_cid else None

    def as_dict(self) -> dict[str, Any]:
        return {"placement": self.placement, "api_version": self.api_version,
                "stemcell_api_version": self.stemcell_api_version, "vm_cid": self.vm_cid,
                "registry_path": self.registry_path, "networks_from": self.networks_from,
                "settings": self.settings, "bootstrap": self.bootstrap}


@dataclass(frozen=True)
class ActualSettings:
    """What a CPI wrote for one VM. `*_known` False: cpictl cannot see that place, so it is not judged."""

    user_metadata: Any = None  # the decoded user-metadata document; None when absent
    registry: Any = None  # the registry entry's settings; None when there is none
    user_metadata_known: bool = True
    registry_known: bool = True
    user_metadata_source: str = ""
    registry_source: str = ""

    @property
    def full_in_user_metadata(self) -> bool:
        return looks_like_full_settings(self.user_metadata)

    @property
    def placement(self) -> str:
        """"user-metadata", "registry", "both", "neither" or "unknown", as far as cpictl can see."""
        in_metadata, in_registry = self.full_in_user_metadata, self.registry is not None
        if in_metadata and in_registry:
            return "both"
        if in_metadata or in_registry:
            return USER_METADATA if in_metadata else REGISTRY
        return "neither" if self.user_metadata_known and self.registry_known else "unknown"

    def as_dict(self) -> dict[str, Any]:
        return {"placement": self.placement, "user_metadata": self.user_metadata, "registry": self.registry,
                "user_metadata_source": self.user_metadata_source if self.user_metadata_known else None,
                "registry_source": self.registry_source if self.registry_known else None}


@dataclass(frozen=True)
class SettingsMistake:
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def looks_like_full_settings(document: Any) -> bool:
    """Full agent settings (any key only they have), as opposed to bootstrap user-data or nothing."""
    return isinstance(document, dict) and bool(FULL_ONLY_KEYS.intersection(document))


def _argument(arguments: Sequence[Any] | Mapping[str, Any], position: int, default: Any) -> Any:
    if isinstance(arguments, Mapping):
        return arguments.get(CREATE_VM_PARAMS[position], default)
    return arguments[position] if position < len(arguments) else default


def expected_settings(arguments: Sequence[Any] | Mapping[str, Any], api_version: int | None,
                      stemcell_api_version: int | None, vm_cid: str | None = None,
                      result_networks: Mapping[str, Any] | None = None, *,
                      persistent: Mapping[str, Any] | None = None) -> ExpectedSettings:
    """The settings for a create_vm with these arguments (list, or mapping by parameter name).

    `result_networks`: the v2 result's networks, which win over the requested ones. `persistent`: disks attached
    since (cid → hint, None when the hint is the CPI's to choose), listed only in registry mode.
    """
    placement = placement_for(api_version, stemcell_api_version)
    networks = dict(result_networks) if isinstance(result_networks, Mapping) else _argument(arguments, 3, {})
    disks: dict[str, Any] = {"system": cpi_chosen("system disk"), "ephemeral": cpi_chosen("ephemeral disk"),
                             "persistent": {}}
    if placement == REGISTRY and persistent:
        disks["persistent"] = {cid: cpi_chosen("disk hint") if hint is None else hint
                               for cid, hint in persistent.items()}
    settings = {
        "agent_id": _argument(arguments, 0, None),
        "vm": {"name": cpi_chosen("VM name, often the VM CID")},
        "networks": networks,
        "disks": disks,
        "env": _argument(arguments, 5, {}),
        "mbus": cpi_chosen("mbus URL from its config"),
        "ntp": cpi_chosen("NTP servers from its config"),
        "blobstore": cpi_chosen("blobstore from its config"),
    }
    bootstrap = None
    if placement == REGISTRY:
        bootstrap = {"registry": {"endpoint": cpi_chosen("registry URL from its config")},
                     "server": {"name": cpi_chosen("VM name")}, "dns": {"nameserver": dns_servers(networks)},
                     "networks": networks}
    return ExpectedSettings(placement, settings, bootstrap, api_version, stemcell_api_version, vm_cid,
                            "result" if isinstance(result_networks, Mapping) else "request")
