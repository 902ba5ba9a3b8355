"""What a main step's unresolvable reference was waiting for: a step that would have provided it but did not run.

Only a reference that *fails* is traced: `${stemcell}` that still finds an older live stemcell in the session
resolves to it, as main steps always do (that is what `--from` is for). When it fails, where its provider is
decides what the step becomes:

* the provider was skipped *in this run* — by the user (`--step`), by its `when`, or itself skipped for this
  reason. Nothing later can have what it would have made, and that is a consequence of the skip, not a broken
  recipe: the step is skipped too, saying which step it needed ("needs step 'stemcell', which was skipped"), and
  the run is not "invalid";
* the provider failed in this run, and the run was asked to skip what needs a failed step
  (`skip_dependents`, `cpictl check`: each step is a check of its own): skipped, "needs step 'vm', which
  failed";
* the provider lies outside `--from`/`--to` (always before `--from`: a provider comes before the step) and the
  session has nothing that stands in for it. The run the user asked for cannot work, and calling it "passed"
  would let a CI job believe a recipe that did nothing: the step is invalid, and the run stops as for any invalid
  step. The reason says what to do, e.g. "needs ${stemcell} from step 'stemcell', which is before --from vm, and
  the session has no live stemcell: start at 'stemcell' (--from stemcell) or create a stemcell first". Only a
  kind can be stood in for (by a live ID); a step's result and a saved value exist only in the run that made
  them.

The provider of a reference is the nearest earlier main step that would have made it:

* `${steps.ID…}` — the step with that id;
* `${vm}` and the other kinds — the last step before this one whose method creates that kind (not one that only
  replaces an existing one, as update_disk does, unless nothing else makes it);
* `${NAME}` — the last step before this one that saves NAME.
"""

from __future__ import annotations

import shlex
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from cpictl.recipes.plan import PlannedStep
from cpictl.store.references import Reference, ReferenceProblem, parse_reference


@dataclass(frozen=True)
class MissingProvider:
    """Why a main step cannot be sent: the step that provides one of its references did not run."""

    status: Literal["skipped", "invalid"]
    reason: str


def missing_provider(reference: str, step: PlannedStep, main_steps: Sequence[PlannedStep], *,
                     skipped: Collection[str], left_out: Mapping[str, str],
                     failed: Mapping[str, str] | None = None) -> MissingProvider | None:
    """What `step` becomes because `reference` (the text inside `${}`) names nothing, or None when no provider
    that did not run explains it (a genuine recipe problem). `skipped`: ids of the main steps skipped in this run
    (by the user, a `when`, or for a missing provider); `left_out`: ids of the main steps outside --from/--to,
    with why ("before --from vm"); `failed`: ids of main steps that failed in this run, with their status, when a
    step that needs one is to be skipped rather than invalid (`RecipeRunner(skip_dependents=True)`)."""
    try:
        ref = parse_reference(reference)
    except ReferenceProblem:
        return None
    provider = _provider(ref, step, main_steps)
    if provider is None:
        return None
    if provider.id in left_out:
        return MissingProvider("invalid", _left_out_reason(ref, provider, left_out[provider.id]))
    if provider.id in skipped:
        return MissingProvider("skipped", f"needs step '{provider.name}', which was skipped")
    if failed and provider.id in failed:
        how = {"invalid": "could not be sent", "interrupted": "was interrupted"}.get(failed[provider.id], "failed")
        return MissingProvider("skipped", f"needs step '{provider.name}', which {how}")
    return None


def _provider(ref: Reference, step: PlannedStep, main_steps: Sequence[PlannedStep]) -> PlannedStep | None:
    before = [s for s in main_steps if s.index < step.index]
    if ref.form == "step":
        return next((s for s in before if s.id == ref.name), None)
    if ref.form == "name" and ref.is_kind:
        # update_disk "creates" a disk only by replacing one: the step that made the disk is the one it needs
        makers = [s for s in reversed(before) if s.creates == ref.name]
        return next((s for s in makers if not (s.spec.creates and s.spec.creates.replaces_arg is not None)),
                    makers[0] if makers else None)
    if ref.form == "name":
        return next((s for s in reversed(before) if ref.name in s.save), None)
    return None


def _left_out_reason(ref: Reference, provider: PlannedStep, why: str) -> str:
    needs = f"needs ${{{ref.text}}} from step '{provider.name}', which is {why}"
    start = f"start at '{provider.name}' (--from {shlex.quote(provider.id)})"
    if ref.is_kind:
        return f"{needs}, and the session has no live {ref.name}: {start} or create a {ref.name} first"
    if ref.form == "step":
        return f"{needs} (a run sees only its own steps' results): {start}"
    return f"{needs} (a saved value lasts one run): {start}"
