"""Judge a step's call outcomes: is the step done (for `retry`), did it pass, what does it save.

Kept apart from the runner so the judging rules read in one place:
- a CPI that misbehaved (transport failure or an error-severity contract violation) fails the step as
  "misbehaved", whatever `expect` says — `ok: any` accepts any answer, not a broken one;
- with `retry.until`, a step is done when the expression holds over `{result, error, log}`; without it, when
  the expectations pass. Expectations are judged on the attempt that ended the step;
- saves run only for a passed step; a save expression that finds nothing (null) fails the step, because a later
  `${name}` would otherwise silently send null;
- an error `expect.skip_on` names (NotImplemented, NotSupported: the CPI does not do this) skips the step instead
  of failing it, and says what the callers do with that answer;
- `expect.settings: clean` asks the agent-settings check of the call (`settings_expectation`): its mistakes fail
  the step, settings cpictl cannot see skip it;
- judged as one caller (`caller`, what `cpictl check` does per profile), a call misbehaves only by the verdicts
  that caller does not cope with; the other caller's are kept as warnings naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from cpictl.protocol.violations import COPES, Reaction, Violation
from cpictl.recipes.events import StepRow
from cpictl.recipes.expectations import ExpectationFailure, check_response, is_truthy, short_json
from cpictl.recipes.plan import PlannedStep
from cpictl.session import CallOutcome
from cpictl.store.references import Resolver

#: The agent-settings check of a call: (its mistakes, why cpictl cannot see the settings — None when it can).
SettingsCheck = Callable[[CallOutcome], "tuple[list[str], str | None]"]


@dataclass
class Verdict:
    done: bool  # no further attempt is needed
    status: Literal["passed", "failed", "misbehaved", "skipped"]
    failures: list[ExpectationFailure] = field(default_factory=list)
    reason: str | None = None  # why a skipped step was skipped

    @property
    def reasons(self) -> list[str]:
        return [failure.message for failure in self.failures]


def reaction_of(violation: Violation, caller: str) -> Reaction:
    """What `caller` (director or create-env) does about a violation."""
    return violation.director if caller == "director" else violation.create_env


def breaking(outcome: CallOutcome, caller: str | None = None) -> list[Violation]:
    """The verdicts that break the call: those of error severity (either caller does not cope), or, judged as one
    caller, those that caller does not cope with."""
    if caller is None:
        return [v for v in outcome.violations if v.severity == "error"]
    return [v for v in outcome.violations if reaction_of(v, caller).does != COPES]


def misbehaves(outcome: CallOutcome, caller: str | None = None) -> bool:
    """Whether the call counts as misbehaved (`outcome.status`, or judged as one caller)."""
    if caller is None:
        return outcome.status == "misbehaved"
    return bool(outcome.failure or outcome.journal_error or breaking(outcome, caller))


def misbehaviour(outcome: CallOutcome, caller: str | None = None) -> list[str]:
    """Why a call counts as misbehaved: the transport failure and every verdict that breaks it."""
    reasons = [outcome.failure] if outcome.failure else []
    reasons += [outcome.journal_error] if outcome.journal_error else []
    reasons += [f"{v.message} [{v.code}: {v.verdict}]" for v in breaking(outcome, caller)]
    return reasons or ["the CPI broke the contract"]


def _warnings(outcome: CallOutcome, caller: str | None) -> list[str]:
    """The verdicts that do not break the call, for the step's warnings; judged as one caller, those that break
    only the other one say so."""
    kept = [v for v in outcome.violations if v not in breaking(outcome, caller)]
    if caller is None:
        return [f"{v.message} [{v.code}: {v.verdict}]" for v in kept]
    other = "create-env" if caller == "director" else "director"
    return [f"{v.message} [{v.code}: {v.verdict}]" + (f" — the {other} breaks on it"
                                                       if v.severity == "error" else "") for v in kept]


def skip_reason(error: Mapping[str, Any], method: str) -> str:
    """Why a step whose error `skip_on` names is skipped: the answer, and what the callers do with it."""
    from cpictl.protocol.errors import lookup_error_type, reaction_on

    error_type = str(error.get("type", ""))
    known = lookup_error_type(error_type)
    callers = f" ({reaction_on(known, method)})" if known is not None else ""
    return f"the CPI answered {error_type.rsplit('::', 1)[-1]}: it does not do {method}{callers}"


class StepExecution:
    """The judging side of one step's run: expectations, `until`, saves."""

    def __init__(self, step: PlannedStep, variables: Mapping[str, Any], resolver: Resolver, *,
                 caller: str | None = None, settings: SettingsCheck | None = None) -> None:
        self.step = step
        self.variables = variables
        self.resolver = resolver
        self.caller = caller  # judge as this caller only (None: the severity rule, both callers)
        self.settings = settings  # the agent-settings check `expect.settings` asks for

    def _resolve(self, value: Any) -> Any:
        if not self.step.expect_has_references:
            return value
        return self.resolver.resolve(value, f"{self.step.id}.expect")

    def judge(self, outcome: CallOutcome, *, last: bool) -> Verdict:
        skipped = self._skipped(outcome)
        if skipped is not None:
            return skipped
        if misbehaves(outcome, self.caller):
            failures = [ExpectationFailure(reason, ("call",)) for reason in misbehaviour(outcome, self.caller)]
            verdict = Verdict(False, "misbehaved", failures)
        else:
            failures = check_response(self.step.expect, outcome.response, self._resolve)
            verdict = Verdict(not failures, "failed" if failures else "passed", failures)
            if not failures and self.step.expect.settings is not None:
                verdict = self._settings(outcome, verdict)
        retry = self.step.retry
        if retry is None or retry.until is None:
            verdict.done = verdict.done or last
            return verdict
        held = self._until_holds(outcome)
        if held is not True:
            reason = held or f"retry.until `{retry.until.text}` does not hold yet"
            if last:
                reason = held or f"retry.until `{retry.until.text}` never held in {retry.attempts} attempt(s)"
                if verdict.status == "passed":
                    verdict.status = "failed"
            verdict.failures.insert(0, ExpectationFailure(reason, ("retry", "until")))
            verdict.done = last
        else:
            verdict.done = True
        return verdict

    def _skipped(self, outcome: CallOutcome) -> Verdict | None:
        """A well-formed error answer that `expect.skip_on` names: the CPI does not do this, and says so."""
        skip_on = self.step.expect.skip_on
        error = outcome.response.get("error") if skip_on and outcome.response else None
        if not isinstance(error, Mapping) or misbehaves(outcome, self.caller):
            return None
        from cpictl.recipes.expectations import error_is

        if not any(error_is(error, wanted) for wanted in skip_on):
            return None
        return Verdict(True, "skipped", reason=skip_reason(error, self.step.method))

    def _settings(self, outcome: CallOutcome, verdict: Verdict) -> Verdict:
        if self.settings is None:
            return verdict
        mistakes, unseen = self.settings(outcome)
        if unseen is not None:
            return Verdict(True, "skipped", reason=unseen)
        if mistakes:
            return Verdict(True, "failed", [ExpectationFailure(f"agent settings: {mistake}", ("expect", "settings"))
                                            for mistake in mistakes])
        return verdict

    def _until_holds(self, outcome: CallOutcome) -> bool | str:
        until = self.step.retry.until if self.step.retry else None
        assert until is not None
        data = outcome.response or {"result": None, "error": None, "log": None}
        try:
            return is_truthy(until.search(data))
        except Exception as error:  # a JMESPath function on the wrong type: say so instead of retrying forever
            return f"retry.until `{until.text}` cannot be evaluated: {error}"

    def record(self, verdict: Verdict, row: StepRow) -> None:
        """Write the final verdict (and the saves of a passed step) into the row."""
        outcome = row.outcome
        if outcome is not None:
            row.warnings = _warnings(outcome, self.caller)
        row.status = verdict.status
        row.failures = verdict.reasons
        row.failure_paths = [failure.subpath for failure in verdict.failures]
        if verdict.status == "misbehaved":
            row.reason = "the CPI misbehaved"
        if verdict.status == "skipped":
            row.reason = verdict.reason
        if verdict.status != "passed" or outcome is None:
            return
        result = outcome.response.get("result") if outcome.response else None
        for name, expression in self.step.save.items():
            try:
                value = expression.search(result)
            except Exception as error:  # JMESPath type errors
                row.failures.append(f"save {name}: `{expression.text}` cannot be evaluated: {error}")
                row.failure_paths.append(("save", name))
                continue
            if value is None:
                row.failures.append(f"save {name}: `{expression.text}` found nothing in the result "
                                    f"{short_json(result)}")
                row.failure_paths.append(("save", name))
            else:
                row.saved[name] = value
        if row.failures:
            row.status = "failed"
