"""What each caller does with a cloud ID that is empty, blank or not a string (contract §13, "Empty IDs").

Read in their code. The director stores new CIDs through Sequel models with type-casting on assignment: a
stemcell's `cid` and a persistent disk's `disk_cid` are validated present (`validates_presence`: nil, '' and
whitespace-only fail, *after* the CPI made the object, which is left in the IaaS), a VM's, snapshot's and subnet's
CIDs are not (models/vm.rb, snapshot.rb, subnet.rb); Sequel stores a number or boolean as its text and refuses an
array or object (`Sequel::InvalidValue`). create_vm takes `result[0]` (deployment_plan/steps/create_vm_step.rb).
create-env type-asserts a string, any string, '' included, and panics on `result[0]` of an empty array
(cloud/cloud.go CreateVM). Loaded only when a result holds such an ID.
"""

from __future__ import annotations

from typing import Any

from cpictl.protocol import callers
from cpictl.protocol.json_markers import BigNumber, NonFinite
from cpictl.protocol.shapes import brief, json_type_name, non_finite_reactions, shown, unexpected_result
from cpictl.protocol.violations import Reaction, Violation, crashes, fails, ignores, misreads

#: What the director records for each creating method, and the CID column Sequel validates present (None: none).
_RECORDS: dict[str, tuple[str, str | None]] = {
    "create_stemcell": ("stemcell", "cid"),
    "create_disk": ("disk", "disk_cid"),
    "update_disk": ("disk", "disk_cid"),
    "create_vm": ("VM", None),
    "snapshot_disk": ("snapshot", None),
    "create_network": ("subnet", None),
}
#: Methods whose result create-env type-asserts as a string (create_vm only below api_version 2).
_CREATE_ENV_STRING = frozenset({"create_stemcell", "create_disk", "create_vm"})


def _blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


def director_on_cid(method: str, value: Any) -> Reaction:
    """What the director does with `value` as the new CID of `method`'s object."""
    if method == "current_vm_id":
        return misreads(f"passes {brief(value, 40)} to get_disks as the ID of the VM it runs on (snapshot_self.rb)")
    what, column = _RECORDS.get(method, ("object", None))
    if method == "update_disk" and value is False:
        return ignores("reads false like null (Ruby falsy) and keeps the disk's CID")
    if isinstance(value, (list, dict)):
        return fails(f"Sequel::InvalidValue 'invalid value for String' when it records the {what}: the {what} the "
                     "CPI made is left in the IaaS, unrecorded")
    if column is not None and (value is None or _blank(value)):
        return fails(f"Sequel::ValidationFailed '{column} is not present' when it saves the {what}: the {what} the "
                     "CPI made is left in the IaaS, unrecorded")
    if value is None:
        return misreads(f"records the {what} with no CID (nil), so it can never address it again")
    if isinstance(value, str):
        return misreads(f"records {value!r} as the {what}'s CID: every later call on it gets {value!r}")
    return misreads(f"Sequel stores the number or boolean as text ({brief(value, 30)}) as the {what}'s CID")


def create_env_on_cid(method: str, value: Any, api_version: int | None) -> Reaction:
    if not callers.create_env_calls(method) or method not in _CREATE_ENV_STRING:
        return callers.not_called_by_create_env(method)
    if isinstance(value, str):
        return ignores(f"accepts {value!r} as the CID and keeps it in its deployment state")
    return fails(unexpected_result(value))


def cid_violation(value: Any, method: str, api_version: int | None, what: str | None = None) -> Violation:
    """The violation for `value` given where `method` must return a new cloud ID (`what` names the place)."""
    place = what or f"{method}'s result"
    if isinstance(value, NonFinite):
        return Violation("result.wrong-type", f"{place} must be a cloud ID string, got {value}; cpictl records no ID",
                         **non_finite_reactions(value))
    director = (director_on_cid(method, value) if callers.director_calls(method, api_version)
                else callers.not_called_by_director(method, api_version))
    create_env = create_env_on_cid(method, value, api_version)
    if _blank(value):
        kind = "an empty cloud ID" if value == "" else f"a blank cloud ID ({value!r}, whitespace only)"
        return Violation("result.empty-cid", f"{place} is {kind}", director=director, create_env=create_env)
    return Violation("result.wrong-type", f"{place} must be a cloud ID string, got {shown(value)}",
                     director=director, create_env=create_env)


def vm_tuple_violation(value: Any, api_version: int | None) -> Violation:
    """v2 create_vm answered something other than `[vm_cid, networks]` with a usable element 0."""
    if isinstance(value, NonFinite):
        return Violation("result.wrong-type", f"v2 create_vm must return [vm_cid, networks], got {value}",
                         **non_finite_reactions(value))
    if isinstance(value, list) and value:
        return cid_violation(value[0], "create_vm", api_version, "v2 create_vm's element 0 (the VM CID)")
    create_env = fails(unexpected_result(value))
    if isinstance(value, str):
        first = value[:1]
        return Violation("result.v1-shape", f"v2 create_vm must return [vm_cid, networks], got the bare string "
                         f"{brief(value)}", director=misreads(
                             f"takes result[0], the string's first character {first!r}, as the VM ID "
                             "(create_vm_step.rb)"), create_env=create_env)
    if value == []:
        return Violation("result.wrong-type", "v2 create_vm must return [vm_cid, networks], got []",
                         director=misreads("result[0] of [] is nil: it records the VM with no CID, so it can never "
                                           "address it again"),
                         create_env=crashes("panics: 'index out of range [0] with length 0' (cloud.go CreateVM "
                                            "reads element 0 without a length check)"))
    return Violation("result.wrong-type", f"v2 create_vm must return [vm_cid, networks], got {shown(value)}",
                     director=_director_indexes(value), create_env=create_env)


def _director_indexes(value: Any) -> Reaction:
    """What `result[0]` gives the director for a result that is not an array."""
    if isinstance(value, dict):
        return misreads("result[0] of an object is nil: it records the VM with no CID, so it can never address it "
                        "again")
    whole = isinstance(value, int) and not isinstance(value, bool)
    if whole or (isinstance(value, BigNumber) and value.is_integer):
        bit = int(str(value)[-1]) & 1  # the last digit's parity: int() refuses 4,300+ digits
        return misreads(f"Integer#[] reads bit 0: it records {str(bit)!r} as the VM's CID")
    return fails(f"undefined method '[]' for {json_type_name(value)} when it reads result[0]")
