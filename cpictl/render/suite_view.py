"""The end of a run: one line for a recipe, or a table for several — per recipe how many steps passed, failed and
were skipped, and the totals — in the manner of `hurl --test` and runn. The step lines above it carry the rest.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cpictl.recipes import RunSummary
from cpictl.recipes.suite import NOT_PASSED, SuiteEntry, SuiteSummary
from cpictl.render.recipe_view import STATUS_MARK
from cpictl.render.terminal_text import one_line

_STATUS_STYLE = {"passed": "bold green", "stopped": "yellow", "dry-run": "cyan", "not run": "dim",
                 "interrupted": "yellow"}


def _seconds(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds >= 0.1 else f"{seconds * 1000:.0f} ms"


def _counts(passed: int, failed: int, skipped: int) -> str:
    parts = [f"{passed} passed"] + ([f"{failed} failed"] if failed else []) + ([f"{skipped} skipped"] if skipped
                                                                                else [])
    return " · ".join(parts)


def recipe_summary_line(summary: RunSummary) -> Text:
    """`walkthrough: passed — 13 passed · 3 skipped · 1.9 s`."""
    status = summary.status
    style = _STATUS_STYLE.get(status, "bold red")
    failed = sum(summary.count(s) for s in NOT_PASSED)  # type: ignore[arg-type]
    if summary.dry_run:
        counts = f"{summary.count('planned')} planned" + (f" · {summary.count('skipped')} skipped"
                                                           if summary.count("skipped") else "")
    else:
        counts = _counts(summary.count("passed"), failed, summary.count("skipped"))
    return Text.assemble((f"{one_line(summary.recipe.name)}: ", "bold"), (summary.headline, style),
                         (f" — {counts} · {_seconds(summary.duration)}", "dim"))


def _outcome(entry: SuiteEntry) -> Text:
    status = entry.status
    mark, style = STATUS_MARK.get(status, ("·", _STATUS_STYLE.get(status, "")))
    if status == "passed":
        style = "green"
    return Text(f"{mark} {status}", style=style)


def suite_table(suite: SuiteSummary) -> RenderableType:
    """One row per recipe (its file, as given: that is what to run again) and a total row; the line under it
    counts the recipes."""
    table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False, padding=(0, 1), show_footer=True)
    table.add_column("recipe", overflow="fold", footer="total")
    table.add_column("outcome", no_wrap=True, footer=_outcome_of_suite(suite))
    for what in ("passed", "failed", "skipped"):
        table.add_column(what, justify="right", no_wrap=True, footer=str(suite.count(what)))
    table.add_column("duration", justify="right", no_wrap=True, footer=_seconds(suite.duration))
    for entry in suite.entries:
        ran = entry.summary is not None
        table.add_row(Text(one_line(str(entry.file))), _outcome(entry),
                      *((str(entry.count(what)) if ran else "-") for what in ("passed", "failed", "skipped")),
                      _seconds(entry.duration) if ran else "")
    return Group(table, _recipes_line(suite))


def _outcome_of_suite(suite: SuiteSummary) -> Text:
    status = suite.status
    mark, style = STATUS_MARK.get(status, ("·", ""))
    return Text(f"{mark} {status}", style="bold green" if status == "passed" else style)


def _recipes_line(suite: SuiteSummary) -> Text:
    """`5 recipes: 4 passed, 1 failed`."""
    by_status: dict[str, int] = {}
    for entry in suite.entries:
        by_status[entry.status] = by_status.get(entry.status, 0) + 1
    count = len(suite.entries)
    words = ", ".join(f"{number} {status}" for status, number in by_status.items())
    return Text(f"{count} recipe{'' if count == 1 else 's'}: {words}", style="bold")
