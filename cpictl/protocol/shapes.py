"""Result shapes: what a method's `result` must look like for an api_version, as reusable checkers.

Each shape is data the catalogue points at. `check` returns violations whose messages say what the director and
`bosh create-env` would do with the wrong value (contract §5, §6, §8.3, §10).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cpictl.protocol.json_markers import NonFinite, marker_type_name
from cpictl.protocol.violations import Violation


def json_type_name(value: Any) -> str:
    """The JSON type of a decoded value, as JSON Schema names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return marker_type_name(value) or type(value).__name__


def _brief(value: Any, limit: int = 80) -> str:
    from cpictl.protocol.strict_json import preview  # only a wrong answer needs it: not on every start-up

    return preview(value, limit)


def _wrong(code: str, message: str) -> list[Violation]:
    return [Violation(code, "error", message)]


@dataclass(frozen=True)
class ResultShape:
    """A named result shape; `describe` is the human form shown by `describe` and `methods`."""

    name: str
    description: str

    def describe(self) -> str:
        return self.description

    def check(self, value: Any, method: str) -> list[Violation]:  # pragma: no cover - overridden
        raise NotImplementedError


class Nothing(ResultShape):
    def check(self, value: Any, method: str) -> list[Violation]:
        if value is None:
            return []
        return [Violation("result.unexpected-value", "warning",
                          f"{method} should return null, got {_brief(value)}; the director and create-env "
                          "ignore it")]


class Anything(ResultShape):
    def check(self, value: Any, method: str) -> list[Violation]:
        return []


class CloudId(ResultShape):
    def check(self, value: Any, method: str) -> list[Violation]:
        if isinstance(value, str) and value:
            return []
        if isinstance(value, NonFinite):
            return _wrong("result.wrong-type", f"{method} must return a cloud ID string, got {value}; no caller "
                          "gets that far (see json.non-finite), and cpictl records no ID")
        if value == "":
            return _wrong("result.empty-cid", f"{method} returned an empty cloud ID; BOSH would record '' and "
                          "later calls on it would fail or hit the wrong resource")
        return _wrong("result.wrong-type", f"{method} must return a cloud ID string, got "
                      f"{json_type_name(value)} {_brief(value)}; the director would store it as the CID and "
                      "create-env would fail the call")


class CloudIdOrNull(ResultShape):
    def check(self, value: Any, method: str) -> list[Violation]:
        if value is None or (isinstance(value, str) and value):
            return []
        return _wrong("result.wrong-type", f"{method} must return a new cloud ID string or null, got "
                      f"{json_type_name(value)} {_brief(value)}")


class Boolean(ResultShape):
    def check(self, value: Any, method: str) -> list[Violation]:
        if isinstance(value, bool):
            return []
        shown = json_type_name(value) + ("" if value is None else f" {_brief(value)}")
        return _wrong("result.not-boolean", f"{method} must return true or false, got {shown}; the director's "
                      "cloud check would misjudge whether the resource exists (create-env never calls it)")


class Object(ResultShape):
    def check(self, value: Any, method: str) -> list[Violation]:
        if isinstance(value, dict):
            return []
        return _wrong("result.wrong-type", f"{method} must return an object, got {json_type_name(value)}")


class StringList(ResultShape):
    def check(self, value: Any, method: str) -> list[Violation]:
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return []
        return _wrong("result.wrong-type", f"{method} must return an array of cloud ID strings, got "
                      f"{_brief(value)}")


class Info(ResultShape):
    def check(self, value: Any, method: str) -> list[Violation]:
        if not isinstance(value, dict):
            return _wrong("result.wrong-type", f"info must return an object, got {json_type_name(value)}")
        problems: list[Violation] = []
        formats = value.get("stemcell_formats")
        if not (isinstance(formats, list) and all(isinstance(f, str) for f in formats)):
            problems.append(Violation("info.stemcell-formats", "error",
                                      "info.stemcell_formats must be an array of strings; create-env fails "
                                      "'Unmarshalling info method response' and the director cannot match "
                                      "stemcell formats"))
        version = value.get("api_version")
        if "api_version" not in value:
            problems.append(Violation("info.no-api-version", "warning",
                                      "info has no api_version: create-env assumes 1, the director (v283+) "
                                      "refuses the CPI with NotSupported 'CPI must report api_version via info'"))
        elif isinstance(version, bool) or not isinstance(version, int):
            problems.append(Violation("info.api-version-type", "error",
                                      f"info.api_version must be an integer, got {_brief(version)}; the "
                                      "director's version negotiation would raise"))
        return problems


class VmTuple(ResultShape):
    """v2 create_vm: `[vm_cid, networks]`."""

    def check(self, value: Any, method: str) -> list[Violation]:
        if isinstance(value, str):
            first = value[:1]
            return _wrong("result.v1-shape", f"v2 create_vm must return [vm_cid, networks], got the bare string "
                          f"{_brief(value)}: the director would take its first character {first!r} as the VM ID "
                          "and create-env fails 'Unexpected external CPI command result'")
        if not isinstance(value, list) or not value:
            return _wrong("result.wrong-type", f"v2 create_vm must return [vm_cid, networks], got "
                          f"{_brief(value)}; both the director and create-env would fail")
        problems = CloudId("cid", "").check(value[0], "create_vm")
        if len(value) != 2:
            problems.append(Violation("result.tuple-length", "warning", f"v2 create_vm should return 2 elements, "
                                      f"got {len(value)}; callers read only element 0"))
        elif not isinstance(value[1], dict):
            problems.append(Violation("result.networks-type", "warning", "v2 create_vm element 1 (networks) "
                                      f"should be an object, got {json_type_name(value[1])}; callers ignore it"))
        return problems


class DiskHint(ResultShape):
    """v2 attach_disk: a string or an object whose values are all strings (the agent type-asserts them)."""

    def check(self, value: Any, method: str) -> list[Violation]:
        if value is None or value == "" or value == {}:
            create_env = ("create-env skips add_persistent_disk for null, so the agent never mounts the disk"
                          if value is None else "create-env hands it to the agent as it is, which cannot mount "
                          "the disk with it")
            return _wrong("result.no-disk-hint", f"v2 attach_disk must return a disk hint, got {_brief(value)}: "
                          f"the director fails AttachDiskResponseError 'No disk_hint'; {create_env}")
        if isinstance(value, str):
            return []
        if not isinstance(value, dict):
            return _wrong("result.wrong-type", f"v2 attach_disk disk hint must be a string or an object, got "
                          f"{json_type_name(value)} {_brief(value)}; the director's hint check would raise")
        bad = sorted(_non_string_paths(value))
        if bad:
            return _wrong("result.hint-not-string", "disk hint values must all be strings; not strings: "
                          f"{', '.join(bad)}: the agent type-asserts .(string) and fails to mount the disk")
        return []


def _non_string_paths(value: dict[str, Any], prefix: str = "") -> list[str]:
    paths: list[str] = []
    for key, item in value.items():
        path = f"{prefix}{key}"
        if isinstance(item, dict):
            paths.extend(_non_string_paths(item, path + "."))
        elif not isinstance(item, str):
            paths.append(f"{path}={_brief(item, 20)}")
    return paths


class NetworkTuple(ResultShape):
    """create_network: `[network_cid, {range?, gateway?, reserved?}, cloud_properties]`."""

    def check(self, value: Any, method: str) -> list[Violation]:
        if (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str) and value[0]
                and isinstance(value[1], dict) and isinstance(value[2], dict)):
            return []
        return _wrong("result.wrong-type", "create_network must return [network_cid, {range, gateway, reserved}, "
                      f"cloud_properties], got {_brief(value)}; the director would fail to record the network")


NOTHING = Nothing("null", "null (nothing)")
ANYTHING = Anything("any", "any value (callers ignore it)")
CID = CloudId("cid", "cloud ID string")
CID_OR_NULL = CloudIdOrNull("cid-or-null", "new cloud ID string, or null to keep the CID")
BOOLEAN = Boolean("boolean", "boolean")
OBJECT = Object("object", "object")
STRING_LIST = StringList("string-list", "array of cloud ID strings")
INFO = Info("info", "{stemcell_formats: [string], api_version: integer}")
#: v1's documented info result has no api_version (missing means 1); the check still warns, as today's director
#: refuses a CPI that does not report one.
INFO_V1 = Info("info", "{stemcell_formats: [string]} (api_version optional: missing means 1)")
VM_TUPLE = VmTuple("vm-tuple", "[vm_cid, networks]")
DISK_HINT = DiskHint("disk-hint", "disk hint: string, or object whose values are all strings")
NETWORK_TUPLE = NetworkTuple("network-tuple", "[network_cid, {range, gateway, reserved}, cloud_properties]")
