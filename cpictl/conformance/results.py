"""What `cpictl check` found, as plain data: one result per check and caller (`result_of` makes one from a
recipe step's row), and the whole run's outcome.

A check is one main step of a shipped group recipe, run as one caller (director or create-env), plus one check
of the suite's own per caller: the negotiation (whether that caller settles on an api_version with the CPI's
`info` at all). Each check ends one of three ways:

* `passed` — possibly with warnings: verdicts of the contract check that the caller copes with (an integer from
  detach_disk, a short error name where the type makes no difference, …), the other caller's breakages, and the
  quirks of `quirks`;
* `failed` — the caller breaks on the answer: a verdict it does not cope with (`breaks`, each saying what the
  director and create-env do, quoting them), a process that crashed or hung, or an unmet expectation whose step
  `description` says which caller behaviour it protects;
* `skipped` — the CPI answered an error the step allows (NotImplemented, NotSupported: it does not do this), the
  caller never calls the method, a step it needs failed or was skipped, the caller refuses every call to this
  CPI, or the run was interrupted first.

The exit code follows `cpictl run`'s order: 3 when a check failed because the CPI misbehaved (a verdict, a crash,
a timeout, a refusal), 4 when only expectations failed, 0 when nothing failed; an interruption wins (130, 143,
129).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from cpictl.conformance.quirks import quirks
from cpictl.protocol.catalogue import METHOD_NAMES
from cpictl.protocol.violations import Violation
from cpictl.recipes.events import EXIT_EXPECTATION, EXIT_INTERRUPTED, EXIT_MISBEHAVED, EXIT_OK, StepRow
from cpictl.recipes.execution import breaking
from cpictl.session import CallOutcome

CheckStatus = Literal["passed", "failed", "skipped"]
CALLERS = ("director", "create-env")


@dataclass
class CheckResult:
    """One check, as one caller."""

    group: str
    caller: str
    id: str
    name: str
    method: str
    status: CheckStatus
    reason: str | None = None  # why it was skipped, or what failed, in a few words
    failures: list[str] = field(default_factory=list)  # unmet expectations, transport failures
    breaks: list[Violation] = field(default_factory=list)  # the verdicts the caller does not cope with
    warnings: list[str] = field(default_factory=list)
    why: str | None = None  # which caller behaviour the check protects (the step's description)
    misbehaved: bool = False  # failed by the CPI's misbehaviour, not by an expectation
    row: StepRow | None = None  # the recipe step's row (None: the negotiation check, or a group not run)
    outcome: CallOutcome | None = None  # the call judged (a step's last attempt, or the negotiating info)
    file: str | None = None
    line: int | None = None
    duration: float = 0.0

    @property
    def api_version(self) -> int | None:
        return self.outcome.request.api_version if self.outcome is not None else None

    @property
    def key(self) -> str:
        """`disks.attach`: what the reports and tests name a check by."""
        return f"{self.group}.{self.id}"


@dataclass
class CallerRun:
    """The suite as one caller: how the api_version was settled, and every check's result in order."""

    caller: str
    negotiation: str  # in words: "api_version 3 (negotiated: the CPI reports 3, the director prefers 3 → 3)"
    api_version: int | float | None = None
    refusal: str | None = None  # the caller's own words when it refuses every call to this CPI
    results: list[CheckResult] = field(default_factory=list)
    groups_run: list[str] = field(default_factory=list)


@dataclass
class CheckReport:
    """The whole `cpictl check`: per caller its results, plus what was left behind and how the run ended."""

    target: str
    groups: list[str]
    callers: list[CallerRun] = field(default_factory=list)
    duration: float = 0.0
    interrupted: bool = False
    interrupted_exit_code: int = EXIT_INTERRUPTED
    kept: bool = False  # --keep: nothing created was deleted
    leftovers: list[tuple[str, str]] = field(default_factory=list)  # created by the check and still live
    cleanup_notes: list[str] = field(default_factory=list)  # what the last-resort cleanup did or could not do
    cpi_seconds: float = 0.0  # the CPI processes' own time, summed over every call the check made

    @property
    def results(self) -> list[CheckResult]:
        return [result for run in self.callers for result in run.results]

    def count(self, status: str, *, group: str | None = None, caller: str | None = None) -> int:
        """Checks with that status (`warnings`: passed with at least one warning), of one group and caller."""
        chosen = [r for r in self.results if (group is None or r.group == group)
                  and (caller is None or r.caller == caller)]
        if status == "warnings":
            return sum(1 for r in chosen if r.status == "passed" and r.warnings)
        return sum(1 for r in chosen if r.status == status)

    @property
    def failed(self) -> list[CheckResult]:
        return [result for result in self.results if result.status == "failed"]

    @property
    def status(self) -> str:
        if self.interrupted:
            return "interrupted"
        return "failed" if self.failed else "passed"

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return self.interrupted_exit_code
        if any(result.misbehaved for result in self.failed):
            return EXIT_MISBEHAVED
        return EXIT_EXPECTATION if self.failed else EXIT_OK

    def coverage(self) -> dict[str, list[Any]]:
        """The api_versions each catalogue method was exercised at — a check that reached the CPI and was judged
        (not skipped) — in catalogue order; a method sent without a version (the director's negotiating info)
        counts as `None`."""
        seen: dict[str, set[Any]] = {}
        for result in self.results:
            if result.outcome is None or result.outcome.run is None or result.status == "skipped":
                continue
            seen.setdefault(result.outcome.request.method, set()).add(result.api_version)
        return {method: sorted(seen[method], key=lambda v: (v is not None, v or 0))
                for method in METHOD_NAMES if method in seen}

    @property
    def not_exercised(self) -> list[str]:
        covered = self.coverage()
        return [name for name in METHOD_NAMES if name not in covered]


def result_of(row: StepRow, group: str, caller: str) -> CheckResult:
    """A finished (or skipped) main step as the check it is."""
    step, outcome = row.step, row.outcome
    result = CheckResult(group, caller, step.id, step.name, step.method, "passed", why=step.description,
                         row=row, outcome=outcome, file=step.origin.file, line=step.origin.line,
                         duration=row.duration, warnings=[*row.warnings, *quirks(outcome)])
    if row.status in ("skipped", "interrupted"):
        result.status, result.reason = "skipped", row.reason
    elif row.status == "misbehaved":
        result.status, result.misbehaved = "failed", True
        result.breaks = breaking(outcome, caller) if outcome is not None else []
        transport = [outcome.failure] if outcome is not None and outcome.failure else []
        result.failures = transport or ([] if result.breaks else [row.reason or "the CPI misbehaved"])
        if outcome is not None and outcome.journal_error:
            result.failures.append(outcome.journal_error)
        result.reason = (result.failures or [b.message for b in result.breaks] or ["the CPI misbehaved"])[0]
    elif row.status in ("failed", "invalid"):
        result.status = "failed"
        result.failures = list(row.failures) or [row.reason or row.status]
        result.reason = result.failures[0]
    return result
