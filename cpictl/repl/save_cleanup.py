"""`:save`'s `finally:` steps: the saved recipe deletes what its own steps create, so a replay cleans up after
itself — after a success, and also when it stops half-way.

Every cloud ID a saved step created gets one finally step that deletes it through that step's output
(`delete_vm ${steps.vm.result[0]}`, with the method the catalogue says deletes the kind), newest first. Before
them, as `cpictl cleanup` does, a disk a saved step attached is detached: a CPI may refuse to delete an attached
disk (the reference CPI does).

The recipe runner already skips a finally step whose reference names nothing — the step that creates the ID
never ran, or failed. What the main steps delete themselves is guarded by a `when:` on the step that deletes it,
`!(steps."delete-vm") || steps."delete-vm".error != null`: false when that step ran and deleted it, true when
the replay stopped before it or it failed. A detach is guarded the same way by the attach before it and by
whatever ended the attachment (a detach, or deleting the disk or the VM). So the steps that end an ID's life, and
the attaches, get names (`delete-vm`, `attach-disk`), and each finally step is named after the step whose work
it undoes (`cleanup-vm-2`). `expect: {ok: any}`: an ID already gone (NotFound) must not fail the run's cleanup.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cpictl.protocol.catalogue import METHODS, CloudIdChanges

_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: The method that deletes each kind of cloud ID, from the catalogue.
DELETERS = {str(spec.deletes): spec for spec in METHODS.values() if spec.deletes is not None}


@dataclass
class _Life:
    """One thing a saved step started that a finally step may have to end: a cloud ID, or an attachment."""

    start: str  # the step that created it (or attached the disk)
    kind: str  # a cloud-ID kind, or "attachment"
    cid: str  # the ID (an attachment: the disk's)
    vm: str | None = None  # an attachment's VM
    end: str | None = None  # the saved step that ended it, if one did


def _step_ref(name: str) -> str:
    """`steps.vm`, or `steps."vm-2"`: a JMESPath name with a dash must be quoted."""
    return f"steps.{name}" if _PLAIN_NAME.fullmatch(name) else f'steps."{name}"'


class CleanupSteps:
    """Follows the saved steps' cloud-ID changes (`apply`, in order) and writes the finally steps."""

    def __init__(self) -> None:
        self.ids: dict[tuple[str, str], _Life] = {}  # (kind, cid) -> its life, while a saved step created it
        self.attachments: dict[str, _Life] = {}  # disk cid -> the attachment a saved step made
        self.lives: list[_Life] = []

    def needs_name(self, changes: CloudIdChanges) -> bool:
        """Whether a step with these changes is named by a finally step's `when` (or reference)."""
        ends = any((str(kind), cid) in self.ids for kind, cid in changes.deleted)
        detaches = changes.detached is not None and changes.detached[1] in self.attachments
        return bool(changes.created) or changes.attached is not None or ends or detaches

    def apply(self, changes: CloudIdChanges, step: str | None, created_path: str | None) -> None:
        """One saved step's changes, in the order of the steps; `created_path`: where its result holds the ID it
        created (None: it creates none, or its name cannot be referenced)."""
        for kind, cid in changes.deleted:
            self._end(self.ids.pop((str(kind), cid), None), step)
            for disk, attachment in list(self.attachments.items()):
                if (str(kind) == "disk" and disk == cid) or (str(kind) == "vm" and attachment.vm == cid):
                    self._end(self.attachments.pop(disk), step)
        if changes.detached is not None:
            self._end(self.attachments.pop(changes.detached[1], None), step)
        if step is None:
            return
        if changes.attached is not None:
            vm, disk = changes.attached
            self.attachments[disk] = _Life(step, "attachment", disk, vm)
            self.lives.append(self.attachments[disk])
        if created_path is not None:
            for kind, cid in changes.created:
                self.ids[(str(kind), cid)] = _Life(step, str(kind), cid)
                self.lives.append(self.ids[(str(kind), cid)])

    @staticmethod
    def _end(life: _Life | None, step: str | None) -> None:
        if life is not None and life.end is None and step is not None:
            life.end = step

    def finally_steps(self, reference: Callable[[str, str], str], name: Callable[[str], str]
                      ) -> list[dict[str, Any]]:
        """Detach what is attached, then delete newest first. `reference(kind, cid)` writes an ID as the
        `${steps.…}` of the step that created it (or literally); `name(base)` gives a step name not yet taken."""
        steps: list[dict[str, Any]] = []
        lives = list(reversed(self.lives))
        for life in (life for life in lives if life.kind == "attachment"):
            assert life.vm is not None
            attached = f"{_step_ref(life.start)} && !({_step_ref(life.start)}.error)"  # it ran, and attached
            steps.append(_step(name(f"cleanup-{life.start}"), "detach_disk",
                               {"vm_cid": reference("vm", life.vm), "disk_cid": reference("disk", life.cid)},
                               attached, life.end))
        for life in (life for life in lives if life.kind in DELETERS):
            spec = DELETERS[life.kind]
            steps.append(_step(name(f"cleanup-{life.start}"), spec.name,
                               {spec.params[0].name: reference(life.kind, life.cid)}, None, life.end))
        return steps


def _step(name: str, method: str, args: dict[str, Any], started: str | None, ended: str | None) -> dict[str, Any]:
    step: dict[str, Any] = {"name": name, "call": method, "args": args}
    conditions = [started] if started else []
    if ended is not None:  # a main step ends it: only when that step did not run, or failed
        conditions.append(f"(!({_step_ref(ended)}) || {_step_ref(ended)}.error != `null`)")
    if conditions:
        step["when"] = " && ".join(conditions)
    step["expect"] = {"ok": "any"}
    return step
