"""Result shapes: what a method's `result` must look like for an api_version, as reusable checkers.

Each shape is data the catalogue points at. `check` returns violations saying what the director and `bosh
create-env` each do with a wrong value, method by method (contract §5, §6, §8.3, §13): a caller that never calls
the method, or never at this api_version, ignores it (`callers`). What the director does with a cloud ID it is
given is in `cid_verdicts`; `info` and attach_disk's disk hint have modules of their own (`info_check`,
`hint_check`), loaded only when such an answer is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cpictl.protocol.json_markers import NonFinite, marker_type_name
from cpictl.protocol.violations import Reaction, Violation, both, fails, ignores, misreads

if TYPE_CHECKING:
    from cpictl.protocol.violations import Reactions


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


def brief(value: Any, limit: int = 80) -> str:
    from cpictl.protocol.strict_json import preview  # only a wrong answer needs it: not on every start-up

    return preview(value, limit)


def shown(value: Any) -> str:
    """`string "x"`, `null`: a value with its JSON type, for messages."""
    return json_type_name(value) + ("" if value is None else f" {brief(value)}")


def unexpected_result(value: Any) -> str:
    """create-env's words for a result of the wrong Go type: `Unexpected external CPI command result: '%#v'`."""
    from cpictl.protocol.callers import CREATE_ENV_UNEXPECTED  # a wrong answer only: not on every start-up

    if value is None:
        shown = "<nil>"
    elif isinstance(value, list):
        shown = "[]interface {}{" + brief(value, 40).removeprefix("[").removesuffix("]") + "}"
    elif isinstance(value, dict):
        shown = "map[string]interface {}{" + brief(value, 40).removeprefix("{").removesuffix("}") + "}"
    else:
        shown = brief(value, 40)
    return f"{CREATE_ENV_UNEXPECTED}: '{shown}'"


@dataclass(frozen=True)
class ResultShape:
    """A named result shape; `describe` is the human form shown by `describe` and `methods`."""

    name: str
    description: str

    def describe(self) -> str:
        return self.description

    def check(self, value: Any, method: str, api_version: int | None = 2) -> list[Violation]:
        raise NotImplementedError  # pragma: no cover - overridden


def _director(method: str, api_version: int | None) -> Reaction | None:
    """The director's reaction when it never sends this request, else None (the check decides)."""
    from cpictl.protocol import callers  # a wrong answer only: not on every start-up

    return None if callers.director_calls(method, api_version) else callers.not_called_by_director(method,
                                                                                                     api_version)


def _create_env(method: str) -> Reaction | None:
    from cpictl.protocol import callers

    return None if callers.create_env_calls(method) else callers.not_called_by_create_env(method)


class Nothing(ResultShape):
    def check(self, value: Any, method: str, api_version: int | None = 2) -> list[Violation]:
        if value is None:
            return []
        return [Violation("result.unexpected-value", f"{method} should return null, got {brief(value)}",
                          **both(ignores(f"does not read the result of {method}")))]


class Anything(ResultShape):
    def check(self, value: Any, method: str, api_version: int | None = 2) -> list[Violation]:
        return []


class CloudId(ResultShape):
    """A new cloud ID: the director stores it in its database (`cid_verdicts`), create-env in its state file."""

    def check(self, value: Any, method: str, api_version: int | None = 2) -> list[Violation]:
        if isinstance(value, str) and value.strip():
            return []
        from cpictl.protocol.cid_verdicts import cid_violation  # a wrong answer only

        return [cid_violation(value, method, api_version)]


class CloudIdOrNull(ResultShape):
    """update_disk v2: a new disk CID, or null to keep the old one (director only: create-env never calls it)."""

    def check(self, value: Any, method: str, api_version: int | None = 2) -> list[Violation]:
        if value is None or (isinstance(value, str) and value.strip()):
            return []
        from cpictl.protocol.cid_verdicts import cid_violation

        return [cid_violation(value, method, api_version)]


class Boolean(ResultShape):
    """has_vm and has_disk: the director's cloud check reads the answer by Ruby truthiness (problem_scanner
    vm_scan_stage.rb, disk_scan_stage.rb); create-env's `HasVM` type-asserts a bool (cloud.go)."""

    def check(self, value: Any, method: str, api_version: int | None = 2) -> list[Violation]:
        if isinstance(value, bool):
            return []
        taken = "missing" if value is None else "present"
        director = _director(method, api_version) or misreads(
            f"takes it by Ruby truthiness: only null and false mean 'gone', so it reads {brief(value, 40)} as "
            f"'the resource is {taken}'")
        create_env = _create_env(method) or fails(
            f"{unexpected_result(value)}; it calls {method} on every redeploy or delete of an existing VM "
            "(instance.go Delete → vm.Exists)")
        return [Violation("result.not-boolean", f"{method} must return true or false, got {shown(value)}",
                          director=director, create_env=create_env)]


class Object(ResultShape):
    """calculate_vm_cloud_properties: merged into the instance's cloud_properties (director only)."""

    def check(self, value: Any, method: str, api_version: int | None = 2) -> list[Violation]:
        if isinstance(value, dict):
            return []
        director = _director(method, api_version) or fails(
            f"merges it into the VM's cloud_properties (instance.rb update_vm_cloud_properties `merge!`), "
            f"which raises TypeError for {json_type_name(value)}")
        create_env = _create_env(method) or fails(unexpected_result(value))
        return [Violation("result.wrong-type", f"{method} must return an object, got {shown(value)}",
                          director=director, create_env=create_env)]


class StringList(ResultShape):
    """get_disks: the director's snapshot-self snapshots each item (jobs/snapshot_self.rb)."""

    def check(self, value: Any, method: str, api_version: int | None = 2) -> list[Violation]:
        if isinstance(value, list) and all(isinstance(item, str) and item for item in value):
            return []
        if isinstance(value, list):
            director = misreads("calls snapshot_disk with each item as a disk CID, also the items that are not "
                                "disk CIDs")
        elif isinstance(value, dict):
            director = misreads("iterates it as [key, value] pairs and calls snapshot_disk with each pair")
        else:
            director = fails(f"undefined method 'each' for {json_type_name(value)} (jobs/snapshot_self.rb)")
        director = _director(method, api_version) or director
        create_env = _create_env(method) or fails(unexpected_result(value))
        return [Violation("result.wrong-type", f"{method} must return an array of disk CID strings, got "
                          f"{shown(value)}", director=director, create_env=create_env)]


class Info(ResultShape):
    def check(self, value: Any, method: str, api_version: int | None = 2) -> list[Violation]:
        if (isinstance(value, dict) and _plain_formats(value.get("stemcell_formats"))
                and _plain_version(value.get("api_version"))):
            return []  # the everyday answer: no import for it
        from cpictl.protocol.info_check import info_violations

        return info_violations(value)


def _plain_formats(formats: Any) -> bool:
    return isinstance(formats, list) and all(isinstance(item, str) for item in formats)


def _plain_version(version: Any) -> bool:
    return isinstance(version, int) and not isinstance(version, bool) and version >= 2


class VmTuple(ResultShape):
    """v2 create_vm: `[vm_cid, networks]`. The director reads `result[0]` (create_vm_step.rb), create-env
    type-asserts an array and its element 0 as a string (cloud.go CreateVM)."""

    def check(self, value: Any, method: str, api_version: int | None = 2) -> list[Violation]:
        if isinstance(value, list) and value and isinstance(value[0], str) and value[0].strip():
            return _tuple_warnings(value)
        from cpictl.protocol.cid_verdicts import vm_tuple_violation

        extra = _tuple_warnings(value) if isinstance(value, list) and value else []
        return [vm_tuple_violation(value, api_version), *extra]


def _tuple_warnings(value: list[Any]) -> list[Violation]:
    both_read_one = both(ignores("reads only element 0, the VM CID"))
    if len(value) != 2:
        return [Violation("result.tuple-length", f"v2 create_vm should return 2 elements, got {len(value)}",
                          **both_read_one)]
    if not isinstance(value[1], dict):
        return [Violation("result.networks-type", "v2 create_vm element 1 (networks) should be an object, got "
                          f"{json_type_name(value[1])}", **both_read_one)]
    return []


class DiskHint(ResultShape):
    """v2 attach_disk: a string or an object with the keys the agent reads, as strings."""

    def check(self, value: Any, method: str, api_version: int | None = 2) -> list[Violation]:
        if isinstance(value, str) and value:
            return []
        from cpictl.protocol.hint_check import hint_violations

        return hint_violations(value)


class NetworkTuple(ResultShape):
    """create_network: `[network_cid, {range?, gateway?, reserved?}, cloud_properties]`. The director reads
    element 1's `range` and `reserved` and JSON-dumps element 2, whatever it is (stages/create_network.rb)."""

    def check(self, value: Any, method: str, api_version: int | None = 2) -> list[Violation]:
        if not (isinstance(value, list) and len(value) >= 2 and isinstance(value[1], dict)):
            from cpictl.protocol.callers import not_called_by_create_env

            director = _director(method, api_version) or fails(
                "'deployment failed during creating managed networks: …' (it reads element 1's 'range' and "
                "'reserved' as an object); the network the CPI made is not rolled back")
            return [Violation("result.wrong-type", "create_network must return [network_cid, {range, gateway, "
                              f"reserved}}, cloud_properties], got {brief(value)}", director=director,
                              create_env=not_called_by_create_env(method))]
        if isinstance(value[0], str) and value[0].strip():
            return []
        from cpictl.protocol.cid_verdicts import cid_violation

        return [cid_violation(value[0], method, api_version)]


def non_finite_reactions(value: NonFinite) -> Reactions:
    """A result that is NaN/Infinity: neither parser gets as far as the result (see json.non-finite)."""
    from cpictl.protocol.callers import CREATE_ENV_UNMARSHAL, DIRECTOR_PARSER_ERROR

    return {"director": fails(f"'{DIRECTOR_PARSER_ERROR} - unexpected token' on {value} before it reads the "
                              "result"),
            "create_env": fails(f"'{CREATE_ENV_UNMARSHAL}' (invalid character) before it reads the result")}


NOTHING = Nothing("null", "null (nothing)")
ANYTHING = Anything("any", "any value (callers ignore it)")
CID = CloudId("cid", "cloud ID string")
CID_OR_NULL = CloudIdOrNull("cid-or-null", "new cloud ID string, or null to keep the CID")
BOOLEAN = Boolean("boolean", "boolean")
OBJECT = Object("object", "object")
STRING_LIST = StringList("string-list", "array of cloud ID strings")
INFO = Info("info", "{stemcell_formats: [string], api_version: integer}")
#: v1's documented info result has no api_version (missing means 1); the check still flags it, as today's director
#: refuses a CPI that does not report one.
INFO_V1 = Info("info", "{stemcell_formats: [string]} (api_version optional: missing means 1)")
VM_TUPLE = VmTuple("vm-tuple", "[vm_cid, networks]")
DISK_HINT = DiskHint("disk-hint", "disk hint: string, or object with path, volume_id, id, lun, host_device_id or "
                     "iscsi_settings, as strings")
NETWORK_TUPLE = NetworkTuple("network-tuple", "[network_cid, {range, gateway, reserved}, cloud_properties]")
