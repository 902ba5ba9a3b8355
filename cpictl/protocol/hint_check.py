"""What becomes of a v2 attach_disk disk hint that is not a plain string (contract §8.3, §13 "Disk hints").

Read in the callers' code and the agent's they hand the hint to:

- director: `nil? || empty?` ⇒ AttachDiskResponseError "No disk_hint" (external_cpi_response_wrapper.rb), so null,
  '', {} and [] fail, and a number or boolean has no `empty?` (NoMethodError); anything else is forwarded to the
  agent's `add_persistent_disk` (deployment_plan/steps/attach_disk_step.rb).
- create-env: forwards any non-null hint to `add_persistent_disk`; for null it skips that and the agent's
  `mount_disk` cannot find the disk (deployment/vm/vm.go AttachDisk; bosh-agent settings/service.go).
- agent (bosh-agent settings/settings.go `populatePersistentDiskSettings`): a string is the disk's path and volume
  ID; of an object it reads only `path`, `volume_id`, `id`, `lun`, `host_device_id` and, inside an
  `iscsi_settings` object, `username`, `password`, `initiator_name`, `target`, each with an unchecked `.(string)`
  type assertion (a panic on anything else); other keys and other hint types it ignores.
"""

from __future__ import annotations

from typing import Any

from cpictl.protocol import callers
from cpictl.protocol.json_markers import NonFinite
from cpictl.protocol.shapes import brief, json_type_name, non_finite_reactions, shown
from cpictl.protocol.violations import Violation, both, fails, misreads

#: The hint keys the agent reads, each type-asserted as a string.
AGENT_KEYS = ("path", "volume_id", "id", "lun", "host_device_id")
ISCSI_KEYS = ("username", "password", "initiator_name", "target")
_NOTHING_LEARNT = "which learns no path or volume ID from it, only the disk CID"
_RUBY_CLASS = {"integer": "Integer", "number": "Float", "boolean": "TrueClass/FalseClass"}


def hint_violations(value: Any) -> list[Violation]:
    if isinstance(value, NonFinite):
        return [Violation("result.wrong-type", f"v2 attach_disk must return a disk hint, got {value}",
                          **non_finite_reactions(value))]
    if value is None or value == "" or value == {} or value == []:
        return [_no_hint(value)]
    if isinstance(value, dict):
        return _object_hint(value)
    if isinstance(value, list):
        return [Violation("result.wrong-type", f"v2 attach_disk disk hint must be a string or an object, got "
                          f"{shown(value)}", **both(misreads(
                              f"forwards a non-empty array to the agent's add_persistent_disk, {_NOTHING_LEARNT}")))]
    ruby = _RUBY_CLASS.get(json_type_name(value), json_type_name(value))
    return [Violation("result.wrong-type", f"v2 attach_disk disk hint must be a string or an object, got "
                      f"{shown(value)}", director=fails(f"undefined method 'empty?' for an instance of {ruby} (its "
                                                         "'No disk_hint' check)"),
                      create_env=misreads(f"forwards it to the agent's add_persistent_disk, {_NOTHING_LEARNT}"))]


def _no_hint(value: Any) -> Violation:
    if value is None:
        create_env = fails("skips add_persistent_disk for null (deployment/vm/vm.go), and the agent's mount_disk "
                           "then fails: 'Persistent disk with volume id '<disk cid>' could not be found'")
    elif value == "":
        create_env = misreads("forwards '' to the agent's add_persistent_disk, which takes it as the disk's path "
                              "and volume ID")
    else:
        create_env = misreads(f"forwards it to the agent's add_persistent_disk, {_NOTHING_LEARNT}")
    return Violation("result.no-disk-hint", f"v2 attach_disk must return a disk hint, got {brief(value)}",
                     director=fails(f"{callers.DIRECTOR_NO_DISK_HINT} (external_cpi_response_wrapper.rb)"),
                     create_env=create_env)


def _object_hint(hint: dict[str, Any]) -> list[Violation]:
    iscsi = hint.get("iscsi_settings")
    read = [(key, hint[key]) for key in AGENT_KEYS if key in hint]
    if isinstance(iscsi, dict):
        read += [(f"iscsi_settings.{key}", iscsi[key]) for key in ISCSI_KEYS if key in iscsi]
    bad = [(key, item) for key, item in read if not isinstance(item, str)]
    if bad:
        key, item = bad[0]
        listed = ", ".join(f"{name}={brief(item, 20)}" for name, item in bad)
        return [Violation("result.hint-not-string", f"disk hint values the agent reads must be strings; not "
                          f"strings: {listed}", **both(fails(
                              f"forwards the hint to the agent's add_persistent_disk, whose `{key.split('.')[-1]}"
                              f".(string)` type assertion panics on {json_type_name(item)}: the agent crashes and "
                              "the attach fails (bosh-agent settings/settings.go)")))]
    if not read and not isinstance(iscsi, dict):
        keys = ", ".join(sorted(hint))
        return [Violation("result.hint-unread", f"the disk hint has none of the keys the agent reads ({keys}); it "
                          f"reads {', '.join(AGENT_KEYS)} and iscsi_settings", **both(misreads(
                              f"forwards it to the agent's add_persistent_disk, {_NOTHING_LEARNT}")))]
    return []
