"""Which skipped step a main step's unresolvable reference was waiting for.

A step skipped by the user (`--step`), by its `when`, by `--from`/`--to`, or itself skipped for this reason never
produces what later steps refer to. When a later step's reference then names nothing, that is not a broken recipe
but a consequence of the skip: the step is skipped too, saying which step it needed ("needs step 'stemcell',
which was skipped"), and the run is not "invalid". Only a reference that *fails* is traced: `${stemcell}` that
still finds an older live stemcell in the session resolves to it, as main steps always do (that is what `--from`
is for).

The provider of a reference is the nearest earlier main step that would have made it:

* `${steps.NAME…}` — the step NAME;
* `${vm}` and the other kinds — the last step before this one whose method creates that kind;
* `${NAME}` — the last step before this one that saves NAME.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from cpictl.recipes.plan import PlannedStep
from cpictl.store.references import ReferenceProblem, parse_reference


def skipped_provider(problem: ReferenceProblem, step: PlannedStep, main_steps: Sequence[PlannedStep],
                     skipped: Iterable[str]) -> str | None:
    """The name of the skipped step `problem`'s reference depends on, or None (a genuine recipe problem)."""
    try:
        ref = parse_reference(problem.name)
    except ReferenceProblem:
        return None
    before = [s for s in main_steps if s.index < step.index]
    if ref.form == "step":
        provider = next((s for s in before if s.name == ref.name), None)
    elif ref.form == "name" and ref.is_kind:
        provider = next((s for s in reversed(before) if s.creates == ref.name), None)
    elif ref.form == "name":
        provider = next((s for s in reversed(before) if ref.name in s.save), None)
    else:
        return None
    return provider.name if provider is not None and provider.name in set(skipped) else None
