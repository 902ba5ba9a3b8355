"""What a step's `${...}` references see: variables in layers, saved values, finished steps and live cloud IDs.

`LiveIds` is seeded from the store's replayed state once per run and then kept current from each call's
`changes`, so `${vm}` after a create_vm step is that new VM without re-reading the journal for every step (a
500-step recipe would otherwise replay the journal 500 times).

A bare kind reference (`${vm}`, `${disk}`, `${stemcell}`, `${snapshot}`, `${network}`) means two things:

- in a main step after a step of this run that creates that kind (whether it ran, failed or was skipped), the
  newest ID of that kind that *this run* created and still holds: with `--keep-going`, a create_vm that failed
  must not make the next steps attach to, and delete, an older VM of the session. Without one the reference is
  undefined (`NotCreatedByRun`): "this run's create_vm did not produce a vm; …". Steps left out by --from/--to
  are not part of this run, so `--from attach` still works on the IDs an earlier run left;
- in any other main step, the newest live ID of that kind in the session (whoever created it), never one
  imported from a `bosh create-env` state file (see `cpictl.store.references`): recipes that work on existing IDs
  need that;
- in a `finally` step, the newest ID of that kind that *this run* created and that is still live. When there is
  none the reference is undefined (`NotCreatedByRun`) and the step is skipped, so a cleanup step can never delete
  a VM some earlier command created just because this run's create_vm failed. The reason names the step of the
  run that deleted it ("'delete the VM' already deleted the VM"), which `LiveIds.apply(changes, by=…)` records.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

from cpictl.protocol.catalogue import CloudIdChanges
from cpictl.protocol.kinds import KIND_NAMES
from cpictl.recipes.plan import PlannedStep, VarLayer
from cpictl.recipes.problems import RecipeProblem
from cpictl.store.reference_syntax import child_place
from cpictl.store.references import ReferenceProblem, Resolver, UndefinedReference, parse_reference
from cpictl.store.state import StoreState


class _Live:
    """The part of a CloudIdRecord the resolver reads."""

    __slots__ = ("cid", "imported", "kind")

    def __init__(self, kind: str, cid: str, imported: bool = False) -> None:
        self.kind, self.cid, self.imported = kind, cid, imported


class LiveIds:
    """Live cloud IDs per kind, newest first; quacks like the `StoreState` the resolver reads (`latest`). Also
    remembers which IDs this run created, for the `finally` steps' meaning of `${kind}`."""

    def __init__(self, state: StoreState | None = None) -> None:
        self._live: dict[str, list[str]] = {kind: [] for kind in KIND_NAMES}
        self._own: dict[str, set[str]] = {kind: set() for kind in KIND_NAMES}
        self._deleted_by: list[tuple[str, str, str]] = []  # (kind, cid, the step that deleted it), in order
        self.hidden: set[str] = set()  # kinds a dry run must not guess (an earlier step would create a new one)
        self._imported: set[tuple[str, str]] = set()  # (kind, cid) imported from a state file: `${kind}` skips them
        if state is not None:
            for kind in KIND_NAMES:
                records = state.live(kind)
                self._live[kind] = [record.cid for record in records]
                self._imported.update((kind, record.cid) for record in records if record.imported)

    def latest(self, kind: Any) -> _Live | None:
        name = str(kind)
        cids = self._live.get(name)
        if not cids or name in self.hidden:
            return None
        return _Live(name, cids[0], (name, cids[0]) in self._imported)

    def created_any(self, kind: Any) -> bool:
        """Whether this run created an ID of `kind` (live or since deleted)."""
        return bool(self._own.get(str(kind)))

    def latest_own(self, kind: Any) -> str | None:
        """The newest live ID of `kind` that this run created, or None."""
        name = str(kind)
        own = self._own.get(name)
        if not own:
            return None
        return next((cid for cid in self._live.get(name, []) if cid in own), None)

    def live(self, kind: Any = None) -> list[_Live]:
        kinds = [str(kind)] if kind is not None else list(KIND_NAMES)
        return [_Live(k, cid, (k, cid) in self._imported) for k in kinds for cid in self._live.get(k, [])]

    def deleted_by(self, kind: Any) -> str | None:
        """The name of the step of this run that last deleted an ID of `kind` this run created, if one did."""
        own = self._own.get(str(kind), set())
        return next((step for k, cid, step in reversed(self._deleted_by) if k == str(kind) and cid in own), None)

    def apply(self, changes: CloudIdChanges, by: str | None = None) -> None:
        """Apply one call's changes; `by` names the step that made them (for "'delete it' already deleted the VM")."""
        apply_changes(self._live, changes)
        if by is not None:
            self._deleted_by += [(str(kind), cid, by) for kind, cid in changes.deleted]
        for kind, cid in changes.created:
            self._own.setdefault(str(kind), set()).add(cid)
            self._imported.discard((str(kind), cid))  # created again by this run: no longer the imported one

    def as_state(self) -> StoreState:
        return cast(StoreState, self)  # the resolver only calls latest() and live()


def apply_changes(live: dict[str, list[str]], changes: CloudIdChanges) -> None:
    """Keep per-kind lists of live IDs (newest first) in step with one call's creations and deletions."""
    for kind, cid in changes.deleted:
        cids = live.get(str(kind), [])
        if cid in cids:
            cids.remove(cid)
    for kind, cid in changes.created:
        cids = live.setdefault(str(kind), [])
        if cid in cids:
            cids.remove(cid)
        cids.insert(0, cid)


class NotCreatedByRun(UndefinedReference):
    """A `${kind}` that may only name an ID this run created, when there is none: a finally step is skipped, a
    main step cannot be sent."""


def _plural(kind: str) -> str:
    return "VMs" if kind == "vm" else f"{kind}s"


def own_kinds_before(steps: Iterable[PlannedStep], in_run: Callable[[int], bool]) -> dict[str, dict[str, str]]:
    """For each main step (by id), the kinds an earlier step of this run creates, with the method that creates
    them: there `${kind}` means only what this run created. `in_run(position)` leaves out --from/--to."""
    seen: dict[str, str] = {}
    found: dict[str, dict[str, str]] = {}
    for position, step in enumerate(steps):
        found[step.id] = dict(seen)
        if step.creates and in_run(position):
            seen[step.creates] = step.method
    return found


class LenientResolver(Resolver):
    """A resolver for dry runs and previews: a reference it cannot resolve stays in the value as `${...}` text."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unresolved: list[ReferenceProblem] = []

    def lookup(self, ref: str, where: str = "") -> Any:
        try:
            return super().lookup(ref, where)
        except ReferenceProblem as problem:
            self.unresolved.append(problem)
            return "${" + ref + "}"


class StepResolver(Resolver):
    """The resolver of one step: `${kind}` by the step's phase (module docstring); `lenient` keeps what it cannot
    resolve as `${...}` text and lists it in `unresolved`."""

    def __init__(self, live: LiveIds, variables: Mapping[str, Any], steps: Mapping[str, Any],
                 environ: Mapping[str, str] | None = None, *, finally_phase: bool = False,
                 lenient: bool = False, own_kinds: Mapping[str, str] | None = None) -> None:
        super().__init__(live.as_state(), variables, steps, environ)
        self.live, self.finally_phase, self.lenient = live, finally_phase, lenient
        self.own_kinds: Mapping[str, str] = own_kinds or {}  # kind -> the method of this run that creates it
        self.unresolved: list[ReferenceProblem] = []

    def lookup(self, ref: str, where: str = "") -> Any:
        try:
            if self.finally_phase or self.own_kinds:
                parsed = parse_reference(ref, where)
                if parsed.is_kind and parsed.name not in self.variables:
                    if self.finally_phase:
                        return self._own(parsed.text, parsed.name, where, self._none_left(parsed.name))
                    if parsed.name in self.own_kinds:
                        return self._own(parsed.text, parsed.name, where, self._not_produced(parsed.name))
            return super().lookup(ref, where)
        except ReferenceProblem as problem:
            if not self.lenient:
                raise
            self.unresolved.append(problem)
            return "${" + ref + "}"

    def _own(self, text: str, kind: str, where: str, reason: str) -> str:
        cid = self.live.latest_own(kind)
        if cid is None:
            raise NotCreatedByRun(text, where, reason)
        return cid

    def _none_left(self, kind: str) -> str:
        """Why a finally step's `${kind}` names nothing: "'delete the VM' already deleted the VM", or "no vm created
        by this run"."""
        who = self.live.deleted_by(kind)
        if who is not None:
            return f"'{who}' already deleted the {'VM' if kind == 'vm' else kind}"
        if self.live.created_any(kind):
            return f"the {kind} this run created is gone"
        return f"no {kind} created by this run"

    def _not_produced(self, kind: str) -> str:
        what = (f"the {kind} this run created is deleted" if self.live.created_any(kind)
                else f"this run's {self.own_kinds[kind]} did not produce a {kind}")
        return f"{what}; not falling back to older {_plural(kind)} in the session"


def resolve_layers(layers: Iterable[VarLayer], base: Mapping[str, Any], live: LiveIds,
                   steps: Mapping[str, Any], environ: Mapping[str, str] | None = None, *,
                   lenient: bool = False, finally_phase: bool = False,
                   own_kinds: Mapping[str, str] | None = None) -> dict[str, Any]:
    """`base` with each layer applied on top; a layer's references see the variables below it. Raises
    ReferenceProblem (unless `lenient`)."""
    variables = dict(base)
    env = os.environ if environ is None else environ
    for layer in layers:
        if not layer.values:
            continue
        if not layer.has_references:
            variables.update(layer.values)
            continue
        resolver = StepResolver(live, variables, steps, env, finally_phase=finally_phase, lenient=lenient,
                                own_kinds=own_kinds)
        resolved = {}
        for name, value in layer.values.items():  # a layer's values see the layers below, not each other
            try:
                resolved[name] = resolver.resolve(value, child_place(layer_place(layer), name))
            except ReferenceProblem as problem:
                problem.recipe_layer = (layer, name)  # type: ignore[attr-defined]  # for `layer_problem`
                raise
        variables.update(resolved)
    return variables


def layer_problem(problem: ReferenceProblem, fallback_file: str) -> RecipeProblem:
    """A ReferenceProblem raised by `resolve_layers` as a RecipeProblem at the variable's value (file:line:column
    for a recipe or vars file, `--var NAME` for the command line)."""
    found: tuple[VarLayer, str] | None = getattr(problem, "recipe_layer", None)
    if found is None:
        return RecipeProblem(fallback_file, None, None, str(problem))
    layer, name = found
    if layer.origin is None:
        return RecipeProblem(f"--var {name}", None, None, str(problem))
    return layer.origin.problem(str(problem), name)


def layer_place(layer: VarLayer) -> str:
    """Where a layer was written, for messages: `--var`, or file:path."""
    if layer.origin is None:
        return "--var"
    path = ".".join(str(part) for part in layer.origin.path)
    return f"{layer.origin.file}:{path}" if path else layer.origin.file
