"""Run a loaded recipe step by step through `CallSession`, yielding events; never printing.

Rules kept:
- Nothing runs while a problem knowable up front remains: `RecipeRunner(...)` resolves the variables, `--var`,
  the vars file and `${env.X}` in every step that will run and type-checks the arguments they complete, raising
  RecipeError (see `preflight`). Kinds, `steps.*` and saved values wait for the run.
- References are resolved right before each step, against the variables, the values saved so far, the steps
  finished so far and the live cloud IDs at that moment (seeded once from the store, then kept current).
- A step runs once unless it says `retry:`; a create is never repeated behind the user's back.
- The first failed, misbehaving or inapplicable main step stops the main steps (unless `keep_going`).
- A main step whose reference names nothing because a step it needs was skipped in this run (by the user, its
  `when`, or itself for this reason) is skipped too — "needs step 'stemcell', which was skipped" — without
  asking in step mode (there is no request to show), and does not make the run invalid. When the step it needs
  lies outside --from/--to and the session has nothing that stands in ("needs ${stemcell} from step 'stemcell',
  which is before --from vm, and the session has no live stemcell: …"), it is invalid and the run stops: a run
  that could do nothing it was asked must not pass (see `dependencies`). A dry run shows that as the step's
  problem.
- `finally` steps always run: after success, failure, "quit" in step mode, Ctrl-C and a closed stdout. Their
  references are resolved leniently: one that names nothing (the VM was never created) skips that step with the
  reason. In them a bare kind (`${vm}`, `${disk}`, …) names only an ID this run created and still holds — never
  an older one of the session — and without one the step is skipped, saying why ("'delete the VM' already deleted
  the VM", "no vm created by this run"). Main steps see
  the newest live ID of the kind in the session, unless an earlier step of this run creates that kind: then only
  this run's own (see `scope`).
- Ctrl-C inside a call or at a step-mode prompt: the step is recorded as interrupted (or not run), the finally
  steps run — without asking, even in step mode: the user wants out, and the cleanup is what makes that safe —
  then KeyboardInterrupt is raised again. Ctrl-C while the consumer handles an event: call `abort()`.
- `stop(cause)` (the CLI's answer to a closed stdout): the main steps stop at the next step boundary or between
  two attempts, the finally steps all run, and the run ends interrupted with the cause's exit code.
- `judged_as` (a caller: what `cpictl check` runs per profile): a call misbehaves only by what that caller does
  not cope with, and a main step whose method that caller never calls is skipped, saying so.
- `skip_dependents` (with `keep_going`: each step is a check of its own): a main step whose reference names
  nothing because the step that provides it failed is skipped ("needs step 'create the VM', which failed"),
  not invalid.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import Any, Literal

from cpictl.protocol.codec import Request
from cpictl.recipes.dependencies import MissingProvider, missing_provider
from cpictl.recipes.events import (
    CTRL_C,
    Interruption,
    RecipeEvent,
    RunFinished,
    RunStarted,
    RunSummary,
    StepFinished,
    StepPlanned,
    StepRetrying,
    StepRow,
    StepSkipped,
    StepStarted,
    StepStatus,
)
from cpictl.recipes.execution import StepExecution
from cpictl.recipes.plan import LoadedRecipe, PlannedStep
from cpictl.recipes.preflight import check_before_run
from cpictl.recipes.preparation import NotPrepared, Prepared, StepPreparer, WhenSkipped, raw_bytes
from cpictl.recipes.scope import LiveIds
from cpictl.recipes.selection import StepRange
from cpictl.session import CallSession
from cpictl.transport import CpiNotRunnable

Decision = Literal["run", "skip", "quit"]
#: Step mode: asked before each step that is about to be sent, with its request; "quit" stops the main steps
#: (the finally steps are still asked about, one by one — but not after a Ctrl-C: then they just run).
ShouldRunStep = Callable[[PlannedStep, Request], Decision]


class RecipeRunner:
    """One run of one recipe. Use it like this (the CLI's loop)::

        runner = RecipeRunner(recipe, session, keep_going=False)
        try:
            for event in runner.events():
                render(event)
        except KeyboardInterrupt:
            for event in runner.abort():  # no-op when the runner already ran its finally steps
                render(event)
        exit_code = runner.summary.exit_code
    """

    def __init__(self, recipe: LoadedRecipe, session: CallSession, *, from_step: str | None = None,
                 to_step: str | None = None, keep_going: bool = False, dry_run: bool = False,
                 run_finally: bool = True, should_run_step: ShouldRunStep | None = None,
                 on_stderr_line: Callable[[str], None] | None = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, environ: Mapping[str, str] | None = None,
                 judged_as: str | None = None, skip_dependents: bool = False) -> None:
        self.recipe = recipe
        self.judged_as = judged_as
        self.skip_dependents = skip_dependents
        self.session = session
        self.keep_going = keep_going
        self.dry_run = dry_run
        self.run_finally = run_finally
        self.should_run_step = should_run_step
        self.on_stderr_line = on_stderr_line
        self.sleep = sleep
        self.clock = clock
        self.range = StepRange(recipe, from_step, to_step)
        self.live = LiveIds(session.store.replay() if session.store is not None else None)
        self.preparer = StepPreparer(recipe, session, self.live, environ, lenient=dry_run,
                                     in_run=lambda position: self.range.outside(position) is None)
        if not dry_run:  # a dry run reports these per step instead
            check_before_run(recipe, self._steps_to_run(), self.preparer.global_vars, session.target.api_version,
                             self.preparer.environ)
        self.rows: list[StepRow] = []
        self.summary: RunSummary | None = None
        self._started_at = 0.0
        self._interrupted = False
        self._stopped: Interruption | None = None  # stop(): what asked the main steps to stop
        self._quit = False
        self._cpi_unusable: str | None = None
        self._finally_done: set[str] = set()
        self._in_finally = False
        self._cut_off: StepRow | None = None  # the step a consumer's Ctrl-C cut off, for abort() to report
        self._generator: Generator[RecipeEvent, None, None] | None = None

    # -- public -------------------------------------------------------------------------------------------------

    @property
    def saved(self) -> dict[str, Any]:
        """Values the steps saved so far (`save:`), e.g. for the REPL to offer as `${name}` after `:run`."""
        return self.preparer.saved

    @property
    def interrupted(self) -> bool:
        """A Ctrl-C stopped the main steps (or the finally steps, when `in_finally`)."""
        return self._interrupted

    @property
    def in_finally(self) -> bool:
        """The run has reached its finally steps (a Ctrl-C now stops them instead of starting them)."""
        return self._in_finally

    def events(self) -> Generator[RecipeEvent, None, None]:
        """The run, as events. Call once."""
        if self._generator is not None:
            raise RuntimeError("a RecipeRunner runs once; make a new one")
        self._generator = self._dry_run() if self.dry_run else self._run()
        return self._generator

    def stop(self, cause: Interruption) -> None:
        """Stop the main steps at the next step boundary (or between two attempts of a retried one), then run every
        finally step; the run ends interrupted, with `cause.exit_code`. For a consumer that can no longer show the
        run (its stdout was closed) but must not leave what it created behind. Keep reading `events()`."""
        if self._stopped is None:
            self._stopped = cause

    def abort(self) -> Iterator[RecipeEvent]:
        """After a KeyboardInterrupt raised outside `events()` (while the consumer handled an event): stop the run
        and yield the finally steps that have not run yet, then `RunFinished`. Does nothing when the run already
        finished (including when the interrupt arrived inside a call: `events()` ran the finally steps itself)."""
        if self._generator is not None:
            self._generator.close()
        if self.summary is not None or self.dry_run:
            return
        row = self._cut_off
        if row is not None and row.status == "skipped":
            yield StepSkipped(row.step, row.reason or "", row)
        elif row is not None:
            yield StepFinished(row.step, row)
        if self._in_finally:  # a Ctrl-C during cleanup means stop, as it does inside a cleanup call
            self._interrupted = True
            yield from self._skip_unrun_finally()
            yield self._finish()
            return
        self._interrupted = True
        yield from self._skip_unrun("not run: interrupted (Ctrl-C)")
        yield from self._finally_phase()
        yield self._finish()

    # -- the run ------------------------------------------------------------------------------------------------

    def _steps_to_run(self) -> list[PlannedStep]:
        main = [step for position, step in enumerate(self.recipe.steps) if self.range.outside(position) is None]
        return [*main, *(self.recipe.finally_steps if self.run_finally else [])]

    def _run(self) -> Generator[RecipeEvent, None, None]:
        self._started_at = self.clock()
        yield RunStarted(self.recipe, self.session.target.display, False)
        try:
            yield from self._main_phase()
        except KeyboardInterrupt:
            self._interrupted = True
            yield from self._skip_unrun("not run: interrupted (Ctrl-C)")
            yield from self._finally_phase()
            yield self._finish()
            raise
        yield from self._finally_phase()
        yield self._finish()

    def _skip_unrun(self, reason: str) -> Iterator[RecipeEvent]:
        """Rows for the main steps that never got one, so the summary lists every step."""
        recorded = {row.step.id for row in self.rows}
        for step in self.recipe.steps:
            if step.id not in recorded:
                yield self._skip(step, reason)

    def _finish(self) -> RunFinished:
        cause = self._stopped or CTRL_C
        self.summary = RunSummary(self.recipe, self.session.target.display, list(self.rows),
                                  self.clock() - self._started_at, dry_run=self.dry_run,
                                  interrupted=self._interrupted or self._stopped is not None, quit=self._quit,
                                  interrupted_exit_code=cause.exit_code)
        return RunFinished(self.summary)

    def _main_phase(self) -> Iterator[RecipeEvent]:
        stopped: str | None = None
        for position, step in enumerate(self.recipe.steps):
            reason = stopped or self.range.outside(position)
            if reason is None and self._stopped is not None:
                reason = f"not run: {self._stopped.what}"
            if reason is None and self._quit:
                reason = "you chose to quit"
            if reason is not None:
                yield self._skip(step, reason)
                continue
            row = yield from self._run_step(step, lenient=False)
            if row.status in ("failed", "misbehaved", "invalid") and not self.keep_going:
                stopped = f"not run: step '{step.name}' {row.status}"
            if self._cpi_unusable:
                stopped = f"not run: {self._cpi_unusable}"

    def _finally_phase(self) -> Iterator[RecipeEvent]:
        self._in_finally = True
        try:
            for step in self.recipe.finally_steps:
                if step.id in self._finally_done:
                    continue
                if not self.run_finally:
                    self._finally_done.add(step.id)
                    yield self._skip(step, "finally steps were turned off for this run")
                elif self._cpi_unusable:
                    self._finally_done.add(step.id)
                    yield self._skip(step, f"not run: {self._cpi_unusable}")
                else:
                    try:
                        yield from self._run_step(step, lenient=True)
                    finally:
                        self._finally_done.add(step.id)
        except KeyboardInterrupt:
            # Ctrl-C during the cleanup itself: the user wants out now. What is left is in summary.leftovers.
            self._interrupted = True
            yield from self._skip_unrun_finally()
            yield self._finish()
            raise

    def _skip_unrun_finally(self) -> Iterator[RecipeEvent]:
        for step in self.recipe.finally_steps:
            if step.id not in self._finally_done:
                self._finally_done.add(step.id)
                yield self._skip(step, "not run: interrupted (Ctrl-C) during the finally steps")

    def _skip(self, step: PlannedStep, reason: str) -> StepSkipped:
        row = StepRow(step, "skipped", reason=reason)
        self.rows.append(row)
        return StepSkipped(step, reason, row)

    def _run_step(self, step: PlannedStep, *, lenient: bool) -> Generator[RecipeEvent, None, StepRow]:
        """Prepare, ask, run (with retries), judge and record one step; returns its row."""
        started = self.clock()
        never = self._never_called(step)
        if never is not None:
            row = StepRow(step, "skipped", reason=never)
            self.rows.append(row)
            yield StepSkipped(step, never, row)
            return row
        try:
            prepared = self.preparer.prepare(step)
        except NotPrepared as stop:
            status: StepStatus = "skipped" if lenient and stop.status == "skipped" else "invalid"
            reason, location = stop.reason, stop.location
            missing = self._missing_provider(step, stop) if status == "invalid" else None
            if missing is not None:
                status, reason = missing.status, missing.reason
                if location is not None:  # still the value holding the reference, now with the reason shown
                    location = dataclasses.replace(location, message=reason)
            row = StepRow(step, status, reason=reason, duration=self.clock() - started, reason_location=location)
            self.rows.append(row)
            yield StepSkipped(step, reason, row) if status == "skipped" else StepFinished(step, row)
            return row
        if isinstance(prepared, WhenSkipped):
            row = StepRow(step, "skipped", reason=prepared.reason)
            self.rows.append(row)
            yield StepSkipped(step, prepared.reason, row)
            return row
        request = prepared.request
        if self.should_run_step is not None and not self._interrupted:  # after Ctrl-C, clean up without asking
            decision = self.should_run_step(step, request)
            started = self.clock()  # the time the user took to answer is not the step's
        else:
            decision = "run"
        if decision != "run":
            self._quit = self._quit or decision == "quit"
            row = StepRow(step, "skipped", reason="you chose to quit" if decision == "quit" else "you skipped it",
                          request=request)
            self.rows.append(row)
            yield StepSkipped(step, row.reason or "", row)
            return row
        execution = StepExecution(step, prepared.variables, self.preparer.resolver(prepared.variables, step),
                                  caller=self.judged_as, settings=self._settings_check(prepared.target))
        row = StepRow(step, "passed", request=request)
        self.rows.append(row)
        try:
            yield from self._attempts(step, prepared, execution, row)
        except KeyboardInterrupt:
            row.status, row.reason = "interrupted", "interrupted (Ctrl-C) during the call"
            row.duration = self.clock() - started
            yield StepFinished(step, row)
            raise
        except GeneratorExit:
            # The consumer stopped us (abort()) while it handled this step's StepStarted or StepRetrying: no call
            # is running. abort() reports the row.
            row.duration = self.clock() - started
            if row.attempts == 0:
                row.status, row.reason = "skipped", "not run: interrupted (Ctrl-C)"
            else:
                row.status, row.reason = "interrupted", "interrupted (Ctrl-C) between attempts"
            self._cut_off = row
            raise
        row.duration = self.clock() - started
        if row.status == "passed":
            self.preparer.saved.update(row.saved)
        yield StepFinished(step, row)
        return row

    def _never_called(self, step: PlannedStep) -> str | None:
        """Why a main step is not for the caller the run is judged as: that caller never sends its method."""
        if self.judged_as is None or step.phase != "main" or step.unchecked:
            return None
        from cpictl.protocol import callers

        if self.judged_as == "create-env" and not callers.create_env_calls(step.method):
            return f"create-env never calls {step.method}"
        if self.judged_as == "director" and not callers.director_calls(step.method):
            return f"the director never calls {step.method}"
        return None

    def _settings_check(self, target: Any) -> Callable[[Any], tuple[list[str], str | None]]:
        """The agent-settings check of a call to `target`, for steps whose `expect.settings` asks for it."""
        store = self.session.store

        def check(outcome: Any) -> tuple[list[str], str | None]:
            from cpictl.recipes.settings_expectation import settings_verdict

            return settings_verdict(outcome, target, store)

        return check

    def _missing_provider(self, step: PlannedStep, stop: NotPrepared) -> MissingProvider | None:
        if stop.problem is None or step.phase != "main":
            return None
        return self._provider_not_run(stop.problem.name, step)

    def _provider_not_run(self, reference: str, step: PlannedStep) -> MissingProvider | None:
        """Whether a main step that did not run explains why `reference` names nothing (see `dependencies`)."""
        left_out = {s.id: why for position, s in enumerate(self.recipe.steps)
                    if (why := self.range.outside(position)) is not None}
        skipped = {row.step.id for row in self.rows if row.phase == "main" and row.status == "skipped"}
        failed = {row.step.id: row.status for row in self.rows if row.phase == "main"
                  and row.status in ("failed", "misbehaved", "invalid", "interrupted")} if self.skip_dependents else {}
        return missing_provider(reference, step, self.recipe.steps, skipped=skipped - left_out.keys(),
                                left_out=left_out, failed=failed)

    def _attempts(self, step: PlannedStep, prepared: Prepared, execution: StepExecution,
                  row: StepRow) -> Iterator[RecipeEvent]:
        attempts = step.retry.attempts if step.retry else 1
        request = prepared.request
        for attempt in range(1, attempts + 1):
            if attempt > 1:  # a fresh request_id, as a real caller's retry has
                request = row.request = self.preparer.build(step, prepared.target, prepared.args)
            yield StepStarted(step, request, attempt, attempts)
            try:
                outcome = self.session.execute(request, target=prepared.target, on_stderr_line=self.on_stderr_line,
                                               stdin=raw_bytes(request))
            except CpiNotRunnable as error:
                self._cpi_unusable = f"the CPI could not be started: {error}"
                row.status, row.reason, row.attempts = "misbehaved", self._cpi_unusable, attempt
                return
            self.live.apply(outcome.changes, by=step.name)
            row.created += [(str(k), c) for k, c in outcome.changes.created]
            row.deleted += [(str(k), c) for k, c in outcome.changes.deleted]
            verdict = execution.judge(outcome, last=attempt == attempts)
            row.outcome, row.attempts = outcome, attempt
            if verdict.done or attempt == attempts:
                execution.record(verdict, row)
                if outcome.response is not None:
                    self.preparer.step_data[step.id] = outcome.response
                return
            delay = step.retry.delay_before(attempt + 1) if step.retry else 0.0
            yield StepRetrying(step, attempt, outcome, verdict.reasons, delay)
            if self._stopped is not None and step.phase == "main":
                row.status, row.reason = "interrupted", f"{self._stopped.what} between attempts"
                return
            if delay > 0:
                self.sleep(delay)

    # -- dry run ------------------------------------------------------------------------------------------------

    def _dry_run(self) -> Generator[RecipeEvent, None, None]:
        self._started_at = self.clock()
        yield RunStarted(self.recipe, self.session.target.display, True)
        for position, step in enumerate([*self.recipe.steps, *self.recipe.finally_steps]):
            skipped = self.range.outside(position) if step.phase == "main" else None
            if self._stopped is not None:
                skipped = f"not run: {self._stopped.what}"
            event = self.preparer.plan(step, skipped)
            if step.phase == "main" and not skipped:
                event = self._left_out_needs(event)
            self.rows.append(StepRow(step, "skipped" if skipped else "planned", reason=skipped,
                                     request=event.request))
            yield event
            if step.creates and not skipped:
                self.live.hidden.add(step.creates)  # later `${kind}` means the one this step would create
        yield self._finish()

    def _left_out_needs(self, event: StepPlanned) -> StepPlanned:
        """A dry run's step whose reference waits for a step outside --from/--to, with nothing in the session to
        stand in: not "unresolved until run time" (the run would never resolve it) but the problem the run would
        stop at."""
        kept, problems = [], list(event.problems)
        for text in event.unresolved:
            missing = self._provider_not_run(text[2:-1], event.step)  # "${stemcell}" -> "stemcell"
            if missing is not None and missing.status == "invalid":
                problems.append(missing.reason)
            else:
                kept.append(text)
        if len(kept) == len(event.unresolved):
            return event
        return dataclasses.replace(event, unresolved=kept, problems=problems)
