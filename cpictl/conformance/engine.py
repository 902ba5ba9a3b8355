"""Run the conformance suite: for each caller, its negotiation, then every group recipe through the recipe runner,
then a last-resort cleanup of what the check created and did not delete.

Rules kept here:
- Each caller gets a fresh negotiation (`info` as that caller sends it), whatever the session remembers: a check
  certifies the CPI as it is now. When the caller refuses every call to the CPI, its info group still runs (a
  caller sends info to every CPI) and every other check of it is skipped, saying the caller's own words; the
  negotiation check fails with them.
- Groups run with `keep_going` and `skip_dependents` (each step is a check of its own: one that needs a failed
  step is skipped, not failed) and judged as the caller (`RecipeRunner(judged_as=…)`): a step misbehaves by what
  that caller does not cope with, and one whose method that caller never calls is skipped.
- A user's own recipe (`extra`, `cpictl check --with FILE`) is a group like the shipped ones, after them: run,
  judged and cleaned up the same way, with the same inputs.
- Every recipe is loaded before the first group runs, so an inputs file that does not fit a step's arguments is
  refused before anything is created.
- Nothing the check creates is left behind unless `keep`: each group's finally steps delete what it made, and
  then, for whatever is still live (a finally step that failed, a Ctrl-C during one), `cleanup.run_cleanup` tries
  once more in dependency order. Every ID is journalled as it comes, so `cpictl ids` and `cpictl cleanup` see
  what remains. A Ctrl-C (or SIGTERM, SIGHUP) stops the suite after the current group's finally steps and that
  cleanup; a second one stops the cleanup too.
- Nothing here prints: the observer hears what happens and the CLI shows it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cpictl.conformance.groups import DEFAULT_IMAGE, group_file
from cpictl.conformance.quirks import quirks
from cpictl.conformance.results import CallerRun, CheckReport, CheckResult, result_of
from cpictl.recipes.events import RecipeEvent, StepFinished, StepSkipped, StepStarted
from cpictl.recipes.execution import breaking
from cpictl.recipes.plan import LoadedRecipe, PlannedStep
from cpictl.session import CallOutcome, CallSession, Target
from cpictl.store import CloudIdStore
from cpictl.transport import CpiNotRunnable


class CheckObserver:
    """What the suite tells its viewer as it goes; every method may be left as it is (does nothing)."""

    def caller_started(self, caller: str, target: Target) -> None: ...

    def step_started(self, caller: str, group: str, step: PlannedStep) -> None: ...

    def stderr_line(self, line: str) -> None: ...

    def check_finished(self, result: CheckResult) -> None: ...

    def cleaning_up(self, what: str) -> None: ...


class CheckRun:
    """One `cpictl check`. `build_target(caller)` gives the target as that caller (flags, --target, default)."""

    def __init__(self, build_target: Callable[[str], Target], store: CloudIdStore, *, callers: list[str],
                 groups: list[str], variables: dict[str, Any], keep: bool = False,
                 observer: CheckObserver | None = None, extra: dict[str, Path] | None = None) -> None:
        self.build_target = build_target
        self.store = store
        self.callers = callers
        self.extra = dict(extra or {})  # the user's own groups (`--with FILE`): name → recipe file
        self.groups = [*groups, *self.extra]
        self.variables = {"image": str(DEFAULT_IMAGE), **variables}
        self.keep = keep
        self.observer = observer or CheckObserver()
        # the negotiation is a check of the info group's, whichever groups run: the table shows its row
        self.report = CheckReport("", list(dict.fromkeys(["info", *self.groups])), kept=keep)
        self._created: list[tuple[str, str]] = []
        self._stopped: str | None = None  # why the suite stopped early (an interruption)
        self._negotiated: CallOutcome | None = None  # the info the latest negotiation ran

    # -- the run --------------------------------------------------------------------------------------------------

    def run(self) -> CheckReport:
        """Run the suite; returns the report (also when interrupted: `report.interrupted`). Raises RecipeError
        when the inputs do not fit the recipes (before anything is created)."""
        import time

        started = time.monotonic()
        try:
            for caller in self.callers:
                if self._stopped is not None:
                    break
                self._run_caller(caller)
        finally:
            self.report.duration = time.monotonic() - started
        self.report.leftovers = self._live_created()
        return self.report

    def _run_caller(self, caller: str) -> None:
        target = self.build_target(caller)
        if not self.report.target:
            self.report.target = target.display
        self.observer.caller_started(caller, target)
        run = CallerRun(caller, "")
        self.report.callers.append(run)
        session = CallSession(target, self.store, observer=self._observe)
        settled = target
        try:
            settled = self._negotiate(session, target, run)
            recipes = {group: self._load(group, settled) for group in self.groups}
            for group in self.groups:
                if self._stopped is not None:
                    self._not_run(run, group, recipes[group], f"not run: {self._stopped}")
                elif run.refusal is not None and group != "info":
                    self._not_run(run, group, recipes[group], f"not run: {run.refusal}")
                else:
                    self._run_group(run, group, recipes[group], settled)
        except KeyboardInterrupt:
            self._interrupted()
        self._last_resort_cleanup(settled)

    def _negotiate(self, session: CallSession, target: Target, run: CallerRun) -> Target:
        """The caller's own negotiation, afresh, as a check of its own (skipped when --api-version forces one)."""
        from cpictl.targets.profiles import spoken

        name = f"{spoken(run.caller)} settles an api_version with the CPI's info"
        if not target.negotiate:
            run.api_version = target.api_version
            run.negotiation = f"api_version {target.api_version if target.api_version is not None else 'omitted'} " \
                              "(given: nothing negotiated)"
            self._add(run, CheckResult("info", run.caller, "negotiation", name, "info", "skipped",
                                       reason="the api_version was given (--api-version): nothing to negotiate"))
            return target
        session.renegotiate(target)
        self._negotiated = None
        try:
            settled = session.resolve(target, fresh=True)
        except CpiNotRunnable as error:
            run.refusal = f"the CPI could not be started: {error}"
            run.negotiation = run.refusal
            self._add(run, CheckResult("info", run.caller, "negotiation", name, "info", "failed", reason=run.refusal,
                                       failures=[run.refusal], misbehaved=True))
            return target
        negotiation = settled.negotiation
        assert negotiation is not None
        outcome = self._negotiated
        result = CheckResult("info", run.caller, "negotiation", name, "info", "passed", outcome=outcome,
                             why="Both callers send info before every operation and settle the api_version from it; "
                                 "a caller that cannot refuses every call to the CPI.",
                             duration=outcome.run.duration_s if outcome is not None and outcome.run else 0.0)
        if negotiation.refusal is not None:
            from cpictl.protocol.process_verdicts import call_refused

            run.refusal = f"{spoken(run.caller)} refuses every call to this CPI: {negotiation.refusal}"
            run.negotiation = run.refusal
            refused = call_refused(run.refusal, run.caller, negotiation.refusal, negotiation.other)
            result.status, result.reason, result.misbehaved = "failed", run.refusal, True
            result.breaks = [refused, *(breaking(outcome, run.caller) if outcome is not None else [])]
            if outcome is not None and outcome.failure:
                result.failures = [outcome.failure]
        else:
            run.api_version = negotiation.version
            run.negotiation = f"api_version {negotiation.version} ({negotiation.header()})"
            result.reason = run.negotiation
            result.warnings = quirks(outcome)
        self._add(run, result)
        return settled

    def _observe(self, event: str, payload: Any) -> None:
        if event == "negotiated":
            self._negotiated = payload
        elif event == "received" and payload.run is not None:
            self.report.cpi_seconds += payload.run.duration_s

    def _load(self, group: str, target: Target) -> LoadedRecipe:
        """The group's recipe with the inputs and a fresh agent_id (each create_vm gets a new one, as the callers
        give it); arguments checked at the api_version the caller will send."""
        from cpictl.recipes import load_recipe

        version = target.api_version if isinstance(target.api_version, int) else 2
        variables = {**self.variables, "agent_id": f"cpictl-check-{uuid.uuid4()}"}
        return load_recipe(self.extra.get(group) or group_file(group), cli_vars=variables, shared_cli_vars=True,
                           default_api_version=version)

    def _run_group(self, run: CallerRun, group: str, recipe: LoadedRecipe, target: Target) -> None:
        from cpictl.recipes.runner import RecipeRunner

        session = CallSession(target, self.store, observer=self._observe)
        runner = RecipeRunner(recipe, session, keep_going=True, skip_dependents=True, judged_as=run.caller,
                              run_finally=not self.keep, on_stderr_line=self.observer.stderr_line)
        run.groups_run.append(group)
        try:
            try:
                for event in runner.events():
                    self._on_event(run, group, event)
            except KeyboardInterrupt:
                if runner.summary is None:  # a Ctrl-C while we handled an event: the runner cleans up now
                    for event in runner.abort():
                        self._on_event(run, group, event)
                raise
        finally:
            if runner.summary is not None:
                self._created += runner.summary.created

    def _on_event(self, run: CallerRun, group: str, event: RecipeEvent) -> None:
        if isinstance(event, StepStarted) and event.step.phase == "main":
            self.observer.step_started(run.caller, group, event.step)
        elif isinstance(event, (StepFinished, StepSkipped)) and event.step.phase == "main":
            self._add(run, result_of(event.row, group, run.caller))

    def _not_run(self, run: CallerRun, group: str, recipe: LoadedRecipe, reason: str) -> None:
        for step in recipe.steps:
            self._add(run, CheckResult(group, run.caller, step.id, step.name, step.method, "skipped", reason=reason,
                                       why=step.description, file=step.origin.file, line=step.origin.line))

    def _add(self, run: CallerRun, result: CheckResult) -> None:
        run.results.append(result)
        self.observer.check_finished(result)

    def _interrupted(self) -> None:
        from cpictl import shutdown

        self._stopped = f"{shutdown.describe()} ({'Ctrl-C' if shutdown.ending_signal() is None else 'a signal'})"
        self.report.interrupted = True
        self.report.interrupted_exit_code = shutdown.exit_code()

    # -- what is left ---------------------------------------------------------------------------------------------

    def _live_created(self) -> list[tuple[str, str]]:
        """What this check created that the session's journal still holds as live."""
        state = self.store.replay()
        live = {(str(record.kind), record.cid) for record in state.live()}
        return list(dict.fromkeys(pair for pair in self._created if pair in live))

    def _last_resort_cleanup(self, target: Target) -> None:
        """Delete what this caller's groups created and their finally steps did not (see the module docstring)."""
        if self.keep:
            return
        left = set(self._live_created())
        if not left:
            return
        from cpictl.cleanup import plan_cleanup, run_cleanup

        plan = [call for call in plan_cleanup(self.store.replay())
                if (str(call.record.kind), call.record.cid) in left]
        self.observer.cleaning_up(f"{len(left)} left by the finally steps")
        try:
            for row in run_cleanup(plan, self.store, lambda record: target):
                if row.call is not None and row.call.run is not None:
                    self.report.cpi_seconds += row.call.run.duration_s
                self.report.cleanup_notes.append(f"{row.planned.label}: {row.outcome}"
                                                 + (f" ({row.detail})" if row.detail else ""))
        except KeyboardInterrupt:
            self._interrupted()
            self.report.cleanup_notes.append("the cleanup was interrupted")
        except CpiNotRunnable as error:
            self.report.cleanup_notes.append(f"the cleanup could not start the CPI: {error}")
