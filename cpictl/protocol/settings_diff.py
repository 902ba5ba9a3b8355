"""Name each mistake in the agent settings a CPI wrote, against what the contract requires (contract §5.6, §8).

`diff_settings(expected, actual)` takes `ExpectedSettings` and `ActualSettings` (`cpictl.protocol.settings_check`)
and returns `SettingsMistake`s in the order a reader should fix them: placement first (both places, neither, the
wrong one, no bootstrap endpoint), then content (agent_id, shapes, networks, disk hints, attachments, env).
A place cpictl cannot see (`*_known` False) is never judged. Messages name paths and public values (types, IPs),
never an environment or cloud_properties value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cpictl.protocol.agent_settings import FULL_SETTINGS_KEYS, REGISTRY, USER_METADATA
from cpictl.protocol.settings_check import ActualSettings, ExpectedSettings, SettingsMistake, is_placeholder

#: Network keys CPIs add for the agent (contract §7.1); never a mistake.
AGENT_NETWORK_KEYS = frozenset({"mac", "use_dhcp", "preconfigured", "resolved", "prefix", "routes", "alias"})
#: Network keys whose values are safe to quote in a message.
PUBLIC_NETWORK_KEYS = frozenset({"type", "ip", "netmask", "gateway", "dns", "default", "prefix", "mac"})


@dataclass
class _Diff:
    expected: ExpectedSettings
    actual: ActualSettings
    mistakes: list[SettingsMistake] = field(default_factory=list)

    def add(self, code: str, message: str) -> None:
        self.mistakes.append(SettingsMistake(code, message))


def diff_settings(expected: ExpectedSettings, actual: ActualSettings) -> list[SettingsMistake]:
    """Every mistake in what the CPI wrote, in the order a reader should fix them: placement, then content."""
    diff = _Diff(expected, actual)
    document = _placement(diff)
    if document is not None:
        _content(diff, document)
    return diff.mistakes


def _placement(diff: _Diff) -> Any:
    """Check where the settings are; return the full-settings document to judge (None: nothing to judge)."""
    actual, wanted = diff.actual, diff.expected.placement
    in_metadata, in_registry = actual.full_in_user_metadata, actual.registry is not None
    if in_metadata and in_registry:
        diff.add("placement.both", "full settings are in user-metadata AND in a registry entry; a CPI writes them "
                 f"to exactly one place ({_rule(diff.expected)})")
    elif in_registry and wanted == USER_METADATA:
        diff.add("placement.registry-not-user-metadata", "the settings went to the registry, but user-metadata was "
                 f"required ({_rule(diff.expected)}): the agent no longer reads a registry")
    elif in_metadata and wanted == REGISTRY and actual.registry_known:
        diff.add("placement.user-metadata-not-registry", "full settings are in user-metadata and there is no "
                 f"registry entry, but the registry was required ({_rule(diff.expected)}); an agent of this "
                 "stemcell reads only bootstrap data from user-metadata")
    elif not in_metadata and not in_registry and actual.user_metadata_known and actual.registry_known:
        where = "user-metadata" if wanted == USER_METADATA else "the registry"
        found = "no user-metadata at all" if actual.user_metadata is None else "only bootstrap data in user-metadata"
        diff.add("placement.neither", f"no agent settings anywhere ({found}, no registry entry); they belong in "
                 f"{where} ({_rule(diff.expected)})")
    if wanted == REGISTRY and actual.user_metadata_known and not in_metadata \
            and (in_registry or actual.user_metadata is not None):
        _bootstrap(diff)
    if wanted == USER_METADATA:
        return actual.user_metadata if in_metadata else actual.registry
    return actual.registry if in_registry else (actual.user_metadata if in_metadata else None)


def _rule(expected: ExpectedSettings) -> str:
    api = "omitted" if expected.api_version is None else expected.api_version
    stemcell = "not sent" if expected.stemcell_api_version is None else expected.stemcell_api_version
    return f"api_version {api}, stemcell api_version {stemcell}"


def _bootstrap(diff: _Diff) -> None:
    user_data = diff.actual.user_metadata
    if user_data is None:
        diff.add("bootstrap.missing", "there is no user-metadata: in registry mode it must carry the bootstrap data "
                 "(registry.endpoint) the agent needs to find its settings")
        return
    registry = user_data.get("registry") if isinstance(user_data, dict) else None
    endpoint = registry.get("endpoint") if isinstance(registry, dict) else None
    if not isinstance(endpoint, str) or not endpoint:
        diff.add("bootstrap.no-registry-endpoint", "user-metadata has no registry.endpoint string, so the agent "
                 "cannot find its settings")


def _content(diff: _Diff, document: Any) -> None:
    if not isinstance(document, dict):
        diff.add("settings.not-an-object", f"the settings are {_type(document)}, not a JSON object")
        return
    want = diff.expected.settings
    for key in FULL_SETTINGS_KEYS:
        if key not in document and key != "agent_id":
            diff.add("settings.missing-key", f"the settings have no '{key}'")
    _agent_id(diff, want.get("agent_id"), document)
    _shapes(diff, document)
    if isinstance(document.get("networks"), dict) and isinstance(want.get("networks"), dict):
        _networks(diff, want["networks"], document["networks"])
    _disks(diff, document.get("disks"))
    if "env" in document:
        paths = _differences(want.get("env"), document["env"], "env")
        if paths:
            diff.add("env.differs", f"env differs from the create_vm environment at {', '.join(paths[:5])}"
                     + (f" and {len(paths) - 5} more" if len(paths) > 5 else ""))


def _agent_id(diff: _Diff, wanted: Any, document: dict[str, Any]) -> None:
    found = document.get("agent_id")
    if not isinstance(found, str) or not found:
        diff.add("agent_id.missing", "the settings have no agent_id; the agent rejects them (\"Metadata does not "
                 "provide settings\")")
    elif isinstance(wanted, str) and not is_placeholder(wanted) and found != wanted:
        diff.add("agent_id.wrong", f"agent_id is '{found}', but create_vm asked for '{wanted}'")


_SHAPES = {"vm": (dict, "an object {name}"), "disks": (dict, "an object"), "env": (dict, "an object"),
           "mbus": (str, "a URL string"), "ntp": (list, "an array of strings"), "blobstore": (dict, "an object")}


def _shapes(diff: _Diff, document: dict[str, Any]) -> None:
    for key, (kind, label) in _SHAPES.items():
        if key in document and not isinstance(document[key], kind):
            diff.add("settings.wrong-type", f"'{key}' is {_type(document[key])}; it must be {label}")
    vm = document.get("vm")
    if isinstance(vm, dict) and (not isinstance(vm.get("name"), str) or not vm["name"]):
        diff.add("settings.wrong-type", "'vm.name' must be a non-empty string")


def _masked(value: Any) -> bool:
    """Values the journal keeps masked (a network's cloud_properties password) cannot be compared: they are not a
    mistake."""
    from cpictl.protocol.redaction import MASK

    return value == MASK or (isinstance(value, dict) and bool(value) and all(v == MASK for v in value.values()))


def _networks(diff: _Diff, wanted: dict[str, Any], found: dict[str, Any]) -> None:
    source = "create_vm result" if diff.expected.networks_from == "result" else "create_vm request"
    for name in wanted:
        if name not in found:
            diff.add("networks.missing", f"network '{name}' of the {source} is missing from the settings")
    for name in found:
        if name not in wanted:
            diff.add("networks.extra", f"network '{name}' is in the settings but not in the {source}")
    for name, want in wanted.items():
        have = found.get(name)
        if not isinstance(want, dict) or name not in found:
            continue
        if not isinstance(have, dict):
            diff.add("networks.differ", f"network '{name}' is {_type(have)}, not an object")
            continue
        for key, value in want.items():
            if is_placeholder(value) or _masked(value) or _same(value, have.get(key, _ABSENT)):
                continue
            shown = (f": {_short(value)} in the {source}, {_short(have.get(key, _ABSENT))} in the settings"
                     if key in PUBLIC_NETWORK_KEYS else "")
            diff.add("networks.differ", f"networks.{name}.{key} differs{shown}")
        allowed = AGENT_NETWORK_KEYS | set(want) | ({"ip"} if "ip" not in want else set())
        for key in sorted(set(have) - allowed):
            diff.add("networks.differ", f"networks.{name}.{key} is in the settings but not in the {source}")


def _disks(diff: _Diff, disks: Any) -> None:
    if not isinstance(disks, dict):
        return
    persistent = disks.get("persistent")
    if persistent is not None and not isinstance(persistent, dict):
        diff.add("settings.wrong-type", f"'disks.persistent' is {_type(persistent)}; it must be an object")
        persistent = None
    for cid, hint in (persistent or {}).items():
        for where in _non_string_hint_values(hint, f"disks.persistent.{cid}"):
            diff.add("disks.hint-not-string", f"{where} is not a string; the agent type-asserts every hint value "
                     "to a string and fails on anything else")
    if "ephemeral" in disks:
        for where in _non_string_hint_values(disks["ephemeral"], "disks.ephemeral"):
            diff.add("disks.hint-not-string", f"{where} is not a string")
    if diff.expected.placement == REGISTRY and persistent is not None:
        _attachments(diff, persistent)


def _attachments(diff: _Diff, persistent: dict[str, Any]) -> None:
    wanted = diff.expected.settings.get("disks", {}).get("persistent", {})
    for cid, hint in wanted.items():
        if cid not in persistent:
            diff.add("disks.persistent-missing", f"disk '{cid}' is attached, but the registry's disks.persistent "
                     "does not list it: the agent will not mount it")
        elif not is_placeholder(hint) and not _same(hint, persistent[cid]):
            diff.add("disks.hint-differs", f"disks.persistent.{cid} differs from the hint attach_disk returned")
    for cid in persistent:
        if cid not in wanted:
            diff.add("disks.persistent-extra", f"disk '{cid}' is listed in disks.persistent, but it is not attached "
                     "(detached, or never attached in this session)")


def _non_string_hint_values(hint: Any, where: str) -> list[str]:
    if isinstance(hint, str):
        return []
    if isinstance(hint, dict):
        return [path for key, value in hint.items() for path in _non_string_hint_values(value, f"{where}.{key}")]
    return [f"{where} ({_type(hint)})"]


_ABSENT: Any = object()


def _holds_mask(value: str) -> bool:
    from cpictl.protocol.redaction import MASK

    return MASK in value


def _matches_masked(wanted: str, found: Any) -> bool:
    """Whether `found` may be the value the journal keeps masked as `wanted` (a network's cloud_properties
    password, `https://<redacted>@host`): any value for the mask alone, else a string equal but where the mask
    stands. A masked value cannot be compared, so it is no mistake."""
    from cpictl.protocol.redaction import MASK

    if wanted == MASK:
        return found is not _ABSENT
    if not isinstance(found, str):
        return False
    import re

    return re.fullmatch(".+".join(re.escape(part) for part in wanted.split(MASK)), found, re.DOTALL) is not None


def _same(wanted: Any, found: Any) -> bool:
    return not _differences(wanted, found, "")


def _differences(wanted: Any, found: Any, path: str) -> list[str]:
    """Paths where `found` differs from `wanted`; placeholders in `wanted` match any present value, and so do
    values the journal keeps masked (`_matches_masked`)."""
    if is_placeholder(wanted):
        return [] if found is not _ABSENT and found is not None else [path or "(value)"]
    if isinstance(wanted, str) and _holds_mask(wanted):
        return [] if _matches_masked(wanted, found) else [path or "(value)"]
    if isinstance(wanted, dict) and isinstance(found, dict):
        paths = [p for key, value in wanted.items()
                 for p in _differences(value, found.get(key, _ABSENT), f"{path}.{key}" if path else str(key))]
        return paths + [f"{path}.{key}" if path else str(key) for key in found if key not in wanted]
    if isinstance(wanted, list) and isinstance(found, list) and len(wanted) == len(found):
        return [p for index, (a, b) in enumerate(zip(wanted, found, strict=True))
                for p in _differences(a, b, f"{path}[{index}]")]
    same = type(wanted) is type(found) and wanted == found  # 1 == True == 1.0 must not pass as the same JSON
    return [] if same else [path or "(value)"]


def _short(value: Any) -> str:
    if value is _ABSENT:
        return "absent"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"


def _type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__)
