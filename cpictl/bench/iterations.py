"""What one bench iteration does: one call of a method (`MethodIteration`), or one run of a recipe
(`RecipeIteration`). Both go through the bench's one `CallSession`, as every cpictl call does.

Each is `prepare`d once, in the main thread, before any worker starts: the caller's negotiation with the CPI's
`info` runs there once (eight workers would otherwise all ask at the same moment), and arguments or a recipe that
cannot be sent fail there, before anything is created. Calling it then runs one iteration and returns its
`Sample`; it raises only what stops a bench (CpiInterrupted, CpiNotRunnable, StoreError).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cpictl.bench.samples import Sample, masked, sample_of
from cpictl.session import build_request, verdict_codes

if TYPE_CHECKING:
    from cpictl.recipes.plan import LoadedRecipe
    from cpictl.session import CallSession, Target


class NotSent(Exception):
    """The bench cannot start: its caller would refuse every call to this CPI (the message says why)."""


class MethodIteration:
    """One call of `method` with the same arguments each time; each request gets its own request_id, as the
    director's do."""

    def __init__(self, session: CallSession, method: str, arguments: Sequence[Any] | Mapping[str, Any], *,
                 validate: bool = True, show_secrets: bool = False) -> None:
        self.session = session
        self.method = method
        self.arguments = arguments
        self.validate = validate
        self.show_secrets = show_secrets
        self.target: Target = session.target

    @property
    def label(self) -> str:
        return self.method

    def prepare(self) -> None:
        """Negotiate (once) and build one request, so a mistake in the arguments stops the bench before it starts.
        Raises ArgumentProblem, UnknownMethod or NotSent."""
        self.target = self.session.begin_operation(self.session.target, self.method)
        request = build_request(self.target, self.method, self.arguments, validate=self.validate)
        negotiation = self.target.negotiation
        if negotiation is not None and negotiation.refusal is not None and self.method != "info":
            refused = self.session.execute(request, target=self.target)  # runs nothing: says why, as `call` does
            raise NotSent(refused.failure or negotiation.refusal)

    def __call__(self) -> Sample:
        target = self.target
        if target.negotiate_every_call:  # as the callers do: `info` before every operation
            target = self.session.begin_operation(self.session.target, self.method)
        request = build_request(target, self.method, self.arguments, validate=self.validate)
        started = time.perf_counter()
        outcome = self.session.execute(request, target=target)
        # The CPI's own time, spawn to reap: what a caller waits. A call refused without running has none.
        latency = outcome.run.duration_s if outcome.run is not None else time.perf_counter() - started
        return sample_of(outcome, latency, show_secrets=self.show_secrets)


class RecipeIteration:
    """One run of a recipe — its steps, then its `finally` steps — as `cpictl run` makes it; its latency is the
    run's wall time. It failed when a step did: as a CPI error when that step's call answered one (its expectation
    was to succeed), else as misbehaved or `failed` (an unmet expectation)."""

    def __init__(self, session: CallSession, recipe: LoadedRecipe, *, show_secrets: bool = False) -> None:
        self.session = session
        self.recipe = recipe
        self.show_secrets = show_secrets

    @property
    def label(self) -> str:
        return f"recipe {self.recipe.name}" if self.recipe.name else f"recipe {self.recipe.file}"

    def prepare(self) -> None:
        """Negotiate once and check the recipe as `cpictl run` does before its first step (RecipeError)."""
        from cpictl.recipes import RecipeRunner

        self.session.target = self.session.resolve(self.session.target)
        RecipeRunner(self.recipe, self.session)

    def __call__(self) -> Sample:
        from cpictl.recipes import RecipeRunner

        started = time.perf_counter()
        runner = RecipeRunner(self.recipe, self.session)
        for _ in runner.events():  # a stopped call re-raises (KeyboardInterrupt) after the finally steps ran
            pass
        latency = time.perf_counter() - started
        summary = runner.summary
        assert summary is not None
        rows = [row for row in summary.rows if row.outcome is not None]
        verdicts = tuple(code for row in rows for code in verdict_codes(row.outcome))  # type: ignore[arg-type]
        failing = next((row for row in summary.rows if not row.ok), None)
        if failing is None:
            return Sample(latency, "ok", time.monotonic(), verdicts=verdicts, calls=len(rows))
        if failing.outcome is not None and failing.outcome.status != "ok":
            called = sample_of(failing.outcome, latency, show_secrets=self.show_secrets)
            return Sample(latency, called.status, called.finished_at, called.error_type, called.ok_to_retry,
                          called.error_message, verdicts, len(rows), called.killed_by)
        why = masked("; ".join(failing.failures) or failing.reason or failing.status, self.show_secrets)
        return Sample(latency, "failed", time.monotonic(), f"step '{failing.name}': {failing.status}", None, why,
                      verdicts, len(rows))
