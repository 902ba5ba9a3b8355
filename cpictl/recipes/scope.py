"""What a step's `${...}` references see: variables in layers, saved values, finished steps and live cloud IDs.

`LiveIds` is seeded from the store's replayed state once per run and then kept current from each call's
`changes`, so `${vm}` after a create_vm step is that new VM without re-reading the journal for every step (a
500-step recipe would otherwise replay the journal 500 times).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any, cast

from cpictl.protocol.catalogue import CloudIdChanges
from cpictl.protocol.kinds import KIND_NAMES
from cpictl.recipes.plan import VarLayer
from cpictl.store.references import ReferenceProblem, Resolver
from cpictl.store.state import StoreState


class _Live:
    """The part of a CloudIdRecord the resolver reads."""

    __slots__ = ("cid", "kind")

    def __init__(self, kind: str, cid: str) -> None:
        self.kind, self.cid = kind, cid


class LiveIds:
    """Live cloud IDs per kind, newest first; quacks like the `StoreState` the resolver reads (`latest`)."""

    def __init__(self, state: StoreState | None = None) -> None:
        self._live: dict[str, list[str]] = {kind: [] for kind in KIND_NAMES}
        self.hidden: set[str] = set()  # kinds a dry run must not guess (an earlier step would create a new one)
        if state is not None:
            for kind in KIND_NAMES:
                self._live[kind] = [record.cid for record in state.live(kind)]

    def latest(self, kind: Any) -> _Live | None:
        name = str(kind)
        cids = self._live.get(name)
        if not cids or name in self.hidden:
            return None
        return _Live(name, cids[0])

    def live(self, kind: Any = None) -> list[_Live]:
        kinds = [str(kind)] if kind is not None else list(KIND_NAMES)
        return [_Live(k, cid) for k in kinds for cid in self._live.get(k, [])]

    def apply(self, changes: CloudIdChanges) -> None:
        for kind, cid in changes.deleted:
            cids = self._live.setdefault(str(kind), [])
            if cid in cids:
                cids.remove(cid)
        for kind, cid in changes.created:
            cids = self._live.setdefault(str(kind), [])
            if cid in cids:
                cids.remove(cid)
            cids.insert(0, cid)

    def as_state(self) -> StoreState:
        return cast(StoreState, self)  # the resolver only calls latest()


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


def resolve_layers(layers: Iterable[VarLayer], base: Mapping[str, Any], live: LiveIds,
                   steps: Mapping[str, Any], environ: Mapping[str, str] | None = None, *,
                   lenient: bool = False) -> dict[str, Any]:
    """`base` with each layer applied on top; a layer's references see the variables below it. Raises
    ReferenceProblem (unless `lenient`)."""
    variables = dict(base)
    env = os.environ if environ is None else environ
    for layer in layers:
        if not layer.values:
            continue
        if layer.has_references:
            resolver_class = LenientResolver if lenient else Resolver
            resolver = resolver_class(live.as_state(), variables, steps, env)
            variables.update(resolver.resolve(layer.values, _where(layer)))
        else:
            variables.update(layer.values)
    return variables


def _where(layer: VarLayer) -> str:
    if layer.origin is None:
        return "--var"
    path = ".".join(str(part) for part in layer.origin.path)
    return f"{layer.origin.file}:{path}" if path else layer.origin.file
