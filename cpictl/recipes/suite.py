"""Several recipes in one run (`cpictl run recipes/`): what became of each, and the run's outcome across them.

A recipe of the suite either ran (its `RunSummary`), could not be run (its `RecipeError`: exit 2, the others still
run), or was not reached (a Ctrl-C, a closed stdout or a signal stopped the run during an earlier recipe). The
suite's exit code is the worst of them, worst first: an interruption (130, 141, 143, 129), a CPI that misbehaved
(3), an expectation that failed (4), a recipe that could not be run (2), success (0) — the order a single run uses
to pick between its steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cpictl.recipes.events import EXIT_EXPECTATION, EXIT_INVALID, EXIT_MISBEHAVED, EXIT_OK, RunSummary
from cpictl.recipes.problems import RecipeError

#: How bad an exit code is, for picking the worst; anything else (an interruption: 128 + signal) is worse still.
_RANK = {EXIT_OK: 0, EXIT_INVALID: 1, EXIT_EXPECTATION: 2, EXIT_MISBEHAVED: 3}
#: Step statuses counted as failed in a suite's counts.
NOT_PASSED = ("failed", "misbehaved", "invalid", "interrupted")


def worst_exit_code(codes: list[int]) -> int:
    return max(codes, key=lambda code: _RANK.get(code, len(_RANK)), default=EXIT_OK)


@dataclass
class SuiteEntry:
    """One recipe of the suite: its summary, why it could not be run, or why it was not reached."""

    file: Path
    summary: RunSummary | None = None
    error: RecipeError | None = None
    not_run: str | None = None
    recipe_name: str | None = None  # once loaded: its `name:`

    @property
    def name(self) -> str:
        if self.summary is not None:
            return self.summary.recipe.name
        return self.recipe_name or self.file.stem

    @property
    def status(self) -> str:
        if self.summary is not None:
            return self.summary.status
        return "invalid" if self.error is not None else "not run"

    @property
    def exit_code(self) -> int | None:
        """None: not reached (it changes nothing about the suite's outcome; the interruption does)."""
        if self.summary is not None:
            return self.summary.exit_code
        return EXIT_INVALID if self.error is not None else None

    def count(self, what: str) -> int:
        """Steps that `passed`, `failed` (any of NOT_PASSED) or were `skipped`."""
        if self.summary is None:
            return 0
        statuses = NOT_PASSED if what == "failed" else (what,)
        return sum(self.summary.count(status) for status in statuses)  # type: ignore[arg-type]

    @property
    def duration(self) -> float:
        return self.summary.duration if self.summary is not None else 0.0


@dataclass
class SuiteSummary:
    entries: list[SuiteEntry] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return worst_exit_code([code for entry in self.entries if (code := entry.exit_code) is not None])

    @property
    def status(self) -> str:
        """The status of the recipe that decided the exit code; with exit 0, `passed` unless no recipe did
        everything (all dry runs: `dry-run`; a quit in step mode: `stopped`)."""
        code = self.exit_code
        if code != EXIT_OK:
            return next(entry.status for entry in self.entries if entry.exit_code == code)
        statuses = {entry.status for entry in self.entries}
        if statuses == {"dry-run"}:
            return "dry-run"
        return "stopped" if "stopped" in statuses else "passed"

    def count(self, what: str) -> int:
        return sum(entry.count(what) for entry in self.entries)

    @property
    def dry_run(self) -> bool:
        return any(entry.summary is not None and entry.summary.dry_run for entry in self.entries)

    @property
    def headline(self) -> str:
        """The suite's outcome in words: `passed`, `failed`, …, and how many recipes."""
        count = len(self.entries)
        return f"{self.status}, {count} recipe{'' if count == 1 else 's'}"

    @property
    def duration(self) -> float:
        return sum(entry.duration for entry in self.entries)

    @property
    def leftovers(self) -> list[tuple[str, str]]:
        return [pair for entry in self.entries if entry.summary is not None for pair in entry.summary.leftovers]
