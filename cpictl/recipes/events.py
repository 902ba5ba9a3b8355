"""What a recipe run reports, as plain data: one event per thing that happened, and the summary at the end.

The runner yields these; the CLI renders them and the reports are made from the summary. Nothing here prints.
Event order for one step: `StepStarted` (per attempt) [`StepRetrying` between attempts] then `StepFinished`; or
a single `StepSkipped`. A dry run yields `StepPlanned` instead. Every run ends with `RunFinished`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from cpictl.protocol.codec import Request
from cpictl.recipes.plan import LoadedRecipe, PlannedStep
from cpictl.recipes.problems import RecipeProblem
from cpictl.session import CallOutcome

StepStatus = Literal["passed", "failed", "misbehaved", "invalid", "skipped", "interrupted", "planned"]
RunStatus = Literal["passed", "failed", "misbehaved", "invalid", "interrupted", "stopped", "dry-run"]

# Exit codes, as `cpictl` documents them (cpictl/cli/exits.py): the recipe part of that table. 141 is 128 + SIGPIPE,
# what a program killed by a closed pipe reports, so `cpictl run … | head` ends the way shells expect.
EXIT_OK, EXIT_INVALID, EXIT_MISBEHAVED, EXIT_EXPECTATION, EXIT_INTERRUPTED = 0, 2, 3, 4, 130
EXIT_STDOUT_CLOSED = 141


@dataclass(frozen=True)
class Interruption:
    """What stopped a run from outside: how the steps it cut off say it, and the exit code the run ends with."""

    what: str
    exit_code: int


CTRL_C = Interruption("interrupted (Ctrl-C)", EXIT_INTERRUPTED)
STDOUT_CLOSED = Interruption("stdout was closed", EXIT_STDOUT_CLOSED)


@dataclass
class StepRow:
    """How one step went: the summary line of the run table and one test case of a report."""

    step: PlannedStep
    status: StepStatus
    reason: str | None = None  # why it was skipped, invalid or misbehaved
    reason_location: RecipeProblem | None = None  # the recipe value the reason is about (None: the `call:` line)
    request: Request | None = None  # of the last attempt
    outcome: CallOutcome | None = None  # of the last attempt
    failures: list[str] = field(default_factory=list)  # unmet expectations (and failed saves)
    failure_paths: list[tuple[str | int, ...]] = field(default_factory=list)  # where in the step each one is
    warnings: list[str] = field(default_factory=list)  # contract warnings that do not fail the step
    saved: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    duration: float = 0.0  # seconds, all attempts and retry delays included
    created: list[tuple[str, str]] = field(default_factory=list)  # (kind, cid) over all attempts
    deleted: list[tuple[str, str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.step.name

    @property
    def method(self) -> str:
        return self.step.method

    @property
    def phase(self) -> str:
        return self.step.phase

    @property
    def ok(self) -> bool:
        return self.status in ("passed", "skipped", "planned")

    @property
    def accepted_error(self) -> str | None:
        """The error type this step's `expect: {ok: any}` let through: it passed, but it did not succeed, and the
        views and reports say so instead of a bare "passed"."""
        outcome = self.outcome
        error = outcome.decoded.error if outcome is not None and outcome.decoded is not None else None
        if self.status != "passed" or error is None or self.step.expect.ok != "any":
            return None
        return error.type

    def located_failures(self) -> list[RecipeProblem]:
        """Each failure as a problem pointing at the recipe line it is about — the predicate that failed, the
        save, the call — so the CLI can quote the recipe next to the response (file:line:column and a caret)."""
        if self.failures:
            paths = self.failure_paths + [("call",)] * (len(self.failures) - len(self.failure_paths))
            return [self.step.origin.problem(message, *path) for message, path in zip(self.failures, paths,
                                                                                        strict=True)]
        if self.reason and self.status in ("invalid", "misbehaved", "interrupted"):
            if self.reason_location is not None:  # e.g. the value holding a reference that names nothing
                return [self.reason_location]
            return [self.step.origin.problem(self.reason, "call")]
        return []


@dataclass(frozen=True)
class RunStarted:
    recipe: LoadedRecipe
    target: str  # what runs: the target's display text
    dry_run: bool


@dataclass(frozen=True)
class StepStarted:
    """About to send `request` (attempt `attempt` of `attempts`)."""

    step: PlannedStep
    request: Request
    attempt: int = 1
    attempts: int = 1

    @property
    def index(self) -> int:
        return self.step.index


@dataclass(frozen=True)
class StepRetrying:
    """Attempt `attempt` did not satisfy the step; the next one starts after `delay` seconds."""

    step: PlannedStep
    attempt: int
    outcome: CallOutcome | None
    reasons: list[str]
    delay: float


@dataclass(frozen=True)
class StepFinished:
    step: PlannedStep
    row: StepRow

    @property
    def outcome(self) -> CallOutcome | None:
        return self.row.outcome


@dataclass(frozen=True)
class StepSkipped:
    step: PlannedStep
    reason: str
    row: StepRow


@dataclass(frozen=True)
class StepPlanned:
    """Dry run: the request the step would send. References that cannot be resolved yet stay as `${...}` text
    (listed in `unresolved`); `problems` says what else would stop it (e.g. an argument of the wrong type)."""

    step: PlannedStep
    request: Request | None
    unresolved: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: str | None = None  # outside --from/--to


@dataclass
class RunSummary:
    """The whole run: one row per step (main steps, then finally steps) and the overall status."""

    recipe: LoadedRecipe
    target: str
    rows: list[StepRow]
    duration: float
    dry_run: bool = False
    interrupted: bool = False
    quit: bool = False  # the user chose "quit" in step mode
    interrupted_exit_code: int = EXIT_INTERRUPTED  # what stopped an interrupted run decides its exit code

    @property
    def status(self) -> RunStatus:
        """"stopped": the user chose quit in step mode and nothing failed (a run that did not do everything
        never counts as "passed")."""
        if self.interrupted:
            return "interrupted"
        if self.dry_run:
            return "dry-run"
        statuses = {row.status for row in self.rows}
        for status in ("misbehaved", "failed", "invalid"):
            if status in statuses:
                return status  # type: ignore[return-value]
        return "stopped" if self.quit else "passed"

    @property
    def steps_run(self) -> int:
        """Main steps that were sent to the CPI (not skipped)."""
        return sum(1 for row in self.rows if row.phase == "main" and row.status != "skipped")

    @property
    def headline(self) -> str:
        """The run's outcome in words, for the summary line: the status, or who stopped it and where."""
        if self.status == "stopped":
            return f"stopped by the user after {self.steps_run} of {len(self.recipe.steps)} steps"
        return self.status

    @property
    def exit_code(self) -> int:
        return exit_status(self)

    def count(self, status: StepStatus) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def created(self) -> list[tuple[str, str]]:
        return [pair for row in self.rows for pair in row.created]

    @property
    def leftovers(self) -> list[tuple[str, str]]:
        """Cloud IDs this run created and did not delete (an aborted run's cleanup list)."""
        deleted = {pair for row in self.rows for pair in row.deleted}
        return [pair for pair in self.created if pair not in deleted]


def exit_status(summary: RunSummary) -> int:
    """0 all passed (or the user stopped a step-mode run and nothing failed); 3 a CPI misbehaved (or could not be
    run); 4 an expectation failed; 2 the recipe could not be applied (a reference or argument that only fails at
    run time); 130 interrupted (141 when stdout was closed). The first that applies wins."""
    return {"passed": EXIT_OK, "stopped": EXIT_OK, "dry-run": EXIT_OK, "misbehaved": EXIT_MISBEHAVED,
            "failed": EXIT_EXPECTATION, "invalid": EXIT_INVALID,
            "interrupted": summary.interrupted_exit_code}[summary.status]


@dataclass(frozen=True)
class RunFinished:
    summary: RunSummary

    @property
    def exit_code(self) -> int:
        return self.summary.exit_code


RecipeEvent = RunStarted | StepStarted | StepRetrying | StepFinished | StepSkipped | StepPlanned | RunFinished
