"""Judge a step's call outcomes: is the step done (for `retry`), did it pass, what does it save.

Kept apart from the runner so the judging rules read in one place:
- a CPI that misbehaved (transport failure or an error-severity contract violation) fails the step as
  "misbehaved", whatever `expect` says — `ok: any` accepts any answer, not a broken one;
- with `retry.until`, a step is done when the expression holds over `{result, error, log}`; without it, when
  the expectations pass. Expectations are judged on the attempt that ended the step;
- saves run only for a passed step; a save expression that finds nothing (null) fails the step, because a later
  `${name}` would otherwise silently send null.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from cpictl.recipes.events import StepRow
from cpictl.recipes.expectations import ExpectationFailure, check_response, is_truthy, short_json
from cpictl.recipes.plan import PlannedStep
from cpictl.session import CallOutcome
from cpictl.store.references import Resolver


@dataclass
class Verdict:
    done: bool  # no further attempt is needed
    status: Literal["passed", "failed", "misbehaved"]
    failures: list[ExpectationFailure] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        return [failure.message for failure in self.failures]


def misbehaviour(outcome: CallOutcome) -> list[str]:
    """Why a call counts as misbehaved: the transport failure and every error-severity violation."""
    reasons = [outcome.failure] if outcome.failure else []
    reasons += [f"{v.message} [{v.code}: {v.verdict}]" for v in outcome.violations if v.severity == "error"]
    return reasons or ["the CPI broke the contract"]


class StepExecution:
    """The judging side of one step's run: expectations, `until`, saves."""

    def __init__(self, step: PlannedStep, variables: Mapping[str, Any], resolver: Resolver) -> None:
        self.step = step
        self.variables = variables
        self.resolver = resolver

    def _resolve(self, value: Any) -> Any:
        if not self.step.expect_has_references:
            return value
        return self.resolver.resolve(value, f"{self.step.id}.expect")

    def judge(self, outcome: CallOutcome, *, last: bool) -> Verdict:
        if outcome.status == "misbehaved":
            failures = [ExpectationFailure(reason, ("call",)) for reason in misbehaviour(outcome)]
            verdict = Verdict(False, "misbehaved", failures)
        else:
            failures = check_response(self.step.expect, outcome.response, self._resolve)
            verdict = Verdict(not failures, "failed" if failures else "passed", failures)
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
            row.warnings = [f"{v.message} [{v.code}: {v.verdict}]" for v in outcome.violations
                            if v.severity == "warning"]
        row.status = verdict.status
        row.failures = verdict.reasons
        row.failure_paths = [failure.subpath for failure in verdict.failures]
        if verdict.status == "misbehaved":
            row.reason = "the CPI misbehaved"
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
