"""`${...}` references in recipe and REPL values, resolved against the session, variables, steps and environment.

Forms (inside `${` and `}`; surrounding blanks are ignored):

* `${vm}`, `${disk}`, `${stemcell}`, `${snapshot}`, `${network}` — the newest live cloud ID of that kind that
  the session did not import: an ID imported from a `bosh create-env` state file (the director's own VM, its
  disk) is never picked by a bare kind, only named explicitly — `cleanup` protects them, and so do references;
* `${NAME}` — a variable (letters, digits, `_`, `-`). A variable named like a kind wins over the kind: what a
  recipe names explicitly beats what the session happens to hold;
* `${steps.STEP.EXPR}` — a JMESPath expression over that step's `{result, error, log}`, e.g.
  `${steps.vm.result[0]}`; `${steps.STEP}` is the whole object. An expression that selects null is undefined:
  passing null where a cloud ID was meant is never intended (it usually means the step failed);
* `${env.NAME}` — an environment variable;
* `$${` — a literal `${`.

A string that is exactly one reference takes the referenced value with its type (`${size}` stays an integer);
references inside a longer string are stringified (strings as they are, anything else as JSON). Substituted text
is not scanned again, and dict keys are never resolved. Problems raise `UndefinedReference` or `BadReference`,
naming the reference and where it stands (`steps[2].args.disk_cid`).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from typing import Any

from cpictl.protocol.kinds import KIND_NAMES
from cpictl.store.reference_syntax import (
    BadReference,
    Placeholder,
    Reference,
    ReferenceProblem,
    UndefinedReference,
    child_place,
    compile_expression,
    find_references,
    parse_reference,
    split_references,
    strings_with_references,
)
from cpictl.store.state import StoreState

__all__ = ["BadReference", "Reference", "ReferenceProblem", "Resolver", "UndefinedReference", "find_references",
           "kind_reference_target", "parse_reference", "relation_warnings"]


def kind_reference_target(state: Any, kind: str) -> Any:
    """The record a bare `${kind}` names: the newest live one not imported from a state file, or None.

    `state` is a StoreState or anything with its `latest(kind)` / `live(kind)` (the recipe runner's LiveIds);
    records without an `imported` attribute count as not imported. The newest is checked first, so the common
    case costs no scan."""
    record = state.latest(kind)
    if record is None or not getattr(record, "imported", False):
        return record
    return next((r for r in state.live(kind) if not getattr(r, "imported", False)), None)


def _no_kind_target(state: Any, kind: str, where: str) -> UndefinedReference:
    if state.latest(kind) is not None:  # something is live, but only what was imported
        return UndefinedReference(kind, where, f"only imported {kind} IDs are live (from a create-env state "
                                               f"file); name the CID explicitly")
    return UndefinedReference(kind, where, f"no live {kind} in the session")


def escape_references(value: Any) -> Any:
    """`value` as literal text that no `${` in it is read as a reference: `${` written `$${`, at any depth (dict
    keys are never resolved, so they stay). For values that were sent as they are: a logged or traced call, a
    REPL call saved as a recipe."""
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, list):
        return [escape_references(item) for item in value]
    if isinstance(value, dict):
        return {key: escape_references(item) for key, item in value.items()}
    return value


def _stringify(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


class Resolver:
    """Everything a reference can name: the session's state, variables, finished steps and the environment."""

    def __init__(self, state: StoreState | None = None, variables: Mapping[str, Any] | None = None,
                 steps: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> None:
        self.state = state
        self.variables: Mapping[str, Any] = variables if variables is not None else {}
        self.steps: Mapping[str, Any] = steps if steps is not None else {}
        self.environ: Mapping[str, str] = environ if environ is not None else os.environ

    def resolve(self, value: Any, where: str = "") -> Any:
        """A copy of `value` with every reference replaced; values without `${` come back unchanged."""
        if isinstance(value, str):
            return self._resolve_text(value, where) if "${" in value else value
        if isinstance(value, Mapping):
            return {key: self.resolve(item, child_place(where, key)) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.resolve(item, child_place(where, index)) for index, item in enumerate(value))
        return value

    def lookup(self, ref: str, where: str = "") -> Any:
        """The value of one reference (the text inside `${}`)."""
        parsed = parse_reference(ref, where)
        if parsed.form == "name":
            return self._name(parsed.name, where)
        if parsed.form == "env":
            if parsed.name not in self.environ:
                raise UndefinedReference(parsed.text, where, f"environment variable {parsed.name} is not set")
            return self.environ[parsed.name]
        return self._step(parsed, where)

    def can_resolve(self, ref: str) -> bool:
        try:
            self.lookup(ref)
        except ReferenceProblem:
            return False
        return True

    def problems(self, value: Any, where: str = "") -> list[ReferenceProblem]:
        """Every reference in `value` that would fail, for a dry run that reports them all at once."""
        problems: list[ReferenceProblem] = []
        for text, place in strings_with_references(value, where):
            try:
                refs = [part.text for part in split_references(text, place) if isinstance(part, Placeholder)]
            except BadReference as error:
                problems.append(error)
                continue
            for ref in refs:
                try:
                    self.lookup(ref, place)
                except ReferenceProblem as error:
                    problems.append(error)
        return problems

    def _resolve_text(self, text: str, where: str) -> Any:
        parts = split_references(text, where)
        if len(parts) == 1 and isinstance(parts[0], Placeholder):
            return copy.deepcopy(self.lookup(parts[0].text, where))  # the whole string: keep the type
        return "".join(part if isinstance(part, str) else _stringify(self.lookup(part.text, where))
                       for part in parts)

    def _name(self, name: str, where: str) -> Any:
        if name in self.variables:  # variables win over kinds (module docstring)
            return self.variables[name]
        if name in KIND_NAMES:
            if self.state is None:
                raise UndefinedReference(name, where, f"no session store to take a live {name} from")
            record = kind_reference_target(self.state, name)
            if record is None:
                raise _no_kind_target(self.state, name, where)
            return record.cid
        raise UndefinedReference(name, where, f"no variable named {name!r}")

    def _step(self, ref: Reference, where: str) -> Any:
        if ref.name not in self.steps:
            raise UndefinedReference(ref.text, where, f"no step named {ref.name!r} has run")
        data = self.steps[ref.name]
        if ref.expression is None:
            return data
        value = compile_expression(ref.text, ref.expression, where).search(data)
        if value is None:
            raise UndefinedReference(ref.text, where, f"{ref.expression} is null in step {ref.name!r}{_failure(data)}")
        return value


def _failure(data: Any) -> str:
    error = data.get("error") if isinstance(data, Mapping) else None
    if isinstance(error, Mapping):
        return f" (the step failed: {error.get('type')}: {error.get('message')})"
    return ""


def relation_warnings(method: str, arguments: Any, state: StoreState | None) -> list[str]:
    """One-line warnings, before a call is sent, when the journal says a disk/VM relation makes it fail: detaching
    a disk from a VM it is not attached to, attaching a disk that is already attached. Never blocking (the journal
    may be behind the IaaS); empty for other methods, unknown disks and arguments that are not plain CIDs.

    `arguments` are the resolved arguments, positional (a list) or by parameter name (a mapping)."""
    if method not in ("attach_disk", "detach_disk") or state is None:
        return []
    if isinstance(arguments, Mapping):
        vm_cid, disk_cid = arguments.get("vm_cid"), arguments.get("disk_cid")
    elif isinstance(arguments, (list, tuple)) and len(arguments) >= 2:
        vm_cid, disk_cid = arguments[0], arguments[1]
    else:
        return []
    if not isinstance(vm_cid, str) or not isinstance(disk_cid, str):
        return []
    disk = state.get(disk_cid, "disk")
    if disk is None or not disk.is_live:
        return []
    holder = disk.attached_to
    if method == "detach_disk":
        if holder is None:
            return [f"disk {disk_cid} is not attached to any VM (per the session journal); detach_disk will "
                    f"likely fail with DiskNotAttached"]
        if holder != vm_cid:
            return [f"disk {disk_cid} is attached to vm {holder}, not to vm {vm_cid} (per the session journal); "
                    f"detach_disk will likely fail with DiskNotAttached — did you mean: detach_disk {holder} "
                    f"{disk_cid}?"]
        return []
    if holder == vm_cid:
        return [f"disk {disk_cid} is already attached to vm {vm_cid} (per the session journal)"]
    if holder is not None:
        return [f"disk {disk_cid} is already attached to vm {holder} (per the session journal); detach it there "
                f"first: detach_disk {holder} {disk_cid}"]
    return []
