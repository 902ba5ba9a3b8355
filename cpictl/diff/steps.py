"""Two runs of the same steps, set beside each other step by step.

A step both sides sent is compared as `trace replay` compares a call with its replay (`compare_entries`: outcome,
exit code or signal, result down to the path that differs, error, verdicts), with what neither run can repeat left
aside (`ignored`), and two more rows:
- `cloud IDs`: the shape of what the call created and deleted (`+vm`, `-disk`) — a side that makes a VM where the
  other makes none differs; with `exact`, the IDs themselves.
- `step`: the recipe's verdict (passed, failed with N expectations, skipped and why, invalid and why): a step
  one side skips or cannot resolve differs even though no call can be compared.
The request's own request_id is never compared, not even with `exact`: cpictl makes a fresh one for every call, so
it would differ always (a request ID that comes back in an answer is compared with `exact`). Logs and stderr are
never compared (`trace show` has them).

Steps are matched by their id (a traced call is one step on each side), in the recipe's order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cpictl.diff.ignored import IGNORED, placeholders
from cpictl.diff.sides import SideRun, SideStep
from cpictl.traces.compare import ABSENT, Comparison, Difference, Row, compare_entries, header
from cpictl.traces.reading import entry_changes


@dataclass
class StepDiff:
    key: str
    name: str
    method: str
    phase: str
    a: SideStep | None
    b: SideStep | None
    comparison: Comparison

    @property
    def equal(self) -> bool:
        return self.comparison.equal

    def as_dict(self) -> dict[str, Any]:
        comparison = self.comparison
        return {"step": self.key, "name": self.name, "method": self.method, "phase": self.phase,
                "equal": self.equal, "differs_in": comparison.differing,
                "a": _side_dict(self.a, comparison.old), "b": _side_dict(self.b, comparison.new),
                "differences": [{"field": d.field, "path": d.path, "a": _plain(d.old), "b": _plain(d.new)}
                                for d in comparison.differences],
                "more_differences": comparison.more,
                "fields": [{"field": row.name, "a": _plain(row.old), "b": _plain(row.new), "same": row.same,
                            "compared": row.compared} for row in comparison.rows]}


@dataclass
class Diff:
    a: SideRun
    b: SideRun
    exact: bool
    steps: list[StepDiff] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return all(step.equal for step in self.steps)

    @property
    def differing(self) -> list[StepDiff]:
        return [step for step in self.steps if not step.equal]

    @property
    def unusable(self) -> list[SideRun]:
        """The sides that could not be compared at all (`sides.SideRun.unusable`)."""
        return [run for run in (self.a, self.b) if run.unusable]

    def as_dict(self) -> dict[str, Any]:
        """The machine-readable comparison (`-o json|yaml`): the sides, every step with its differences."""
        return {"equal": self.equal, "comparable": not self.unusable, "exact": self.exact,
                "ignored": ["durations"] if self.exact else list(IGNORED),
                "sides": [_run_dict(run) for run in (self.a, self.b)],
                "steps": [step.as_dict() for step in self.steps],
                "summary": {"steps": len(self.steps), "differ": len(self.differing),
                            "differing": [step.key for step in self.differing]}}


def _run_dict(run: SideRun) -> dict[str, Any]:
    side = run.side
    return {"side": side.letter, "label": side.label, "target": side.target.display, "as": side.target.caller,
            "session": side.session_option, "journal": str(side.journal), "status": run.status,
            "unusable": run.unusable, "interrupted": run.interrupted,
            "cleanup": [{"call": row.planned.label, "outcome": row.outcome, "detail": row.detail}
                        for row in run.cleaned],
            "leftovers": [{"kind": kind, "cid": cid} for kind, cid in run.leftovers], "may_exist": run.maybe}


def compare_runs(a: SideRun, b: SideRun, *, exact: bool = False) -> Diff:
    """The two runs step by step (see the module docstring)."""
    entries = [step.entry for run in (a, b) for step in run.steps if step.entry is not None]
    known = {} if exact else placeholders(entries)
    lefts, rights = ({step.key: step for step in run.steps} for run in (a, b))
    diff = Diff(a, b, exact)
    for key in dict.fromkeys([*lefts, *rights]):  # the recipe's order; a step only one side has comes last
        left, right = lefts.get(key), rights.get(key)
        some = left or right
        assert some is not None
        diff.steps.append(StepDiff(key, some.name, some.method, some.phase, left, right,
                                   _compare(left, right, exact, known)))
    return diff


def _compare(a: SideStep | None, b: SideStep | None, exact: bool, known: dict[str, str]) -> Comparison:
    if a is not None and b is not None and a.entry is not None and b.entry is not None:
        comparison = compare_entries(a.entry, b.entry, exact=exact, placeholders=known)
        for row in comparison.rows:
            if row.name == "request_id":
                row.compared = False  # fresh for every call (see the module docstring)
            elif row.name == "cloud IDs":
                _ids_row(row, a.entry, b.entry, exact, comparison)
    else:
        heads = [header(step.entry) if step is not None and step.entry is not None else
                 {"n": None, "method": step.method if step is not None else None} for step in (a, b)]
        comparison = Comparison(heads[0], heads[1], [], exact=exact)
        outcomes = [_outcome(step) for step in (a, b)]
        _add(comparison, Row("outcome", outcomes[0], outcomes[1], outcomes[0] == outcomes[1]))
    if (a is not None and a.status is not None) or (b is not None and b.status is not None):
        verdicts = [_verdict(step, exact, known) for step in (a, b)]
        _add(comparison, Row("step", verdicts[0], verdicts[1], verdicts[0] == verdicts[1]))
    return comparison


def _ids_row(row: Row, old: dict[str, Any], new: dict[str, Any], exact: bool, comparison: Comparison) -> None:
    """The created/deleted IDs: their shape compared, or with `exact` the IDs themselves."""
    row.compared = True
    if not exact:
        row.old, row.new = _shape(old), _shape(new)
        row.same = row.old == row.new
    if not row.same:
        comparison.differences.append(Difference("cloud IDs", "", row.old, row.new))


def _shape(entry: dict[str, Any]) -> list[str]:
    changes = entry_changes(entry)
    return [f"+{kind}" for kind, _ in changes.created] + [f"-{kind}" for kind, _ in changes.deleted]


def _add(comparison: Comparison, row: Row) -> None:
    comparison.rows.append(row)
    if not row.same:
        comparison.differences.append(Difference(row.name, "", row.old, row.new))


def _outcome(step: SideStep | None) -> Any:
    """What came of a step that sent nothing on at least one side."""
    if step is None:
        return ABSENT
    if step.entry is not None:
        from cpictl.traces.compare import STATUS_WORDS
        from cpictl.traces.reading import entry_status

        status = entry_status(step.entry)
        return STATUS_WORDS.get(status, status)
    return "not sent"


def _verdict(step: SideStep | None, exact: bool, known: dict[str, str]) -> Any:
    """The recipe's verdict on the step in words; its reason with the ignored values replaced."""
    if step is None or step.status is None:
        return ABSENT
    if step.status == "failed":
        return f"failed: {step.failures} expectation{'s' if step.failures != 1 else ''}"
    if step.status in ("passed", "planned") or not step.reason or (step.status == "misbehaved" and step.entry):
        return step.status  # a call that misbehaved: its verdicts say how
    reason = step.reason
    if not exact:
        for value, shown in sorted(known.items(), key=lambda item: -len(item[0])):
            reason = reason.replace(value, shown)
    return f"{step.status}: {reason}"


def _side_dict(step: SideStep | None, head: dict[str, Any]) -> dict[str, Any] | None:
    if step is None:
        return None
    return {"status": step.status, "reason": step.reason, "trace_call": head.get("n") if step.entry else None}


def _plain(value: Any) -> Any:
    return None if value is ABSENT else value
