"""Rendering a recipe run: one line per step as it finishes, the full context of a failure, and the summary table."""

from __future__ import annotations

import json

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from cpictl.protocol.redaction import Redactor
from cpictl.recipes import RunStarted, RunSummary, StepPlanned, StepRow
from cpictl.render.call_view import target_line
from cpictl.render.fit import COLUMN_GAP, ByWidth, fold_at_breaks, share, shorten, widest
from cpictl.render.values import value_renderable
from cpictl.session import Target

STATUS_MARK = {"passed": ("✔", "green"), "failed": ("✖", "bold red"), "misbehaved": ("⚠", "bold red"),
               "invalid": ("✖", "red"), "skipped": ("↷", "dim"), "interrupted": ("■", "yellow"),
               "planned": ("·", "cyan"), "stopped": ("■", "yellow")}


def run_header(event: RunStarted, target: Target) -> RenderableType:
    title = Text.assemble(("recipe ", "dim"), (event.recipe.name, "bold"), (f"  {event.recipe.file}", "dim"))
    if event.dry_run:
        title.append("  (dry run: nothing is executed)", style="yellow")
    return Group(title, target_line(target))


def _id_lines(row: StepRow) -> list[tuple[str, str]]:
    """`+kind cid` / `-kind cid`, with the style each is shown in."""
    return ([(f"+{kind} {cid}", "green") for kind, cid in row.created]
            + [(f"-{kind} {cid}", "red") for kind, cid in row.deleted])


def _ids_count(row: StepRow) -> list[tuple[str, str]]:
    """`+1 vm`, `-2 disk`: what a narrow summary shows instead of the IDs (the step lines carry them whole)."""
    parts: list[tuple[str, str]] = []
    for sign, pairs, style in (("+", row.created, "green"), ("-", row.deleted, "red")):
        kinds: dict[str, int] = {}
        for kind, _ in pairs:
            kinds[kind] = kinds.get(kind, 0) + 1
        parts += [(f"{sign}{count} {kind}", style) for kind, count in kinds.items()]
    return parts


def step_line(row: StepRow) -> Text:
    mark, style = STATUS_MARK.get(row.status, ("?", ""))
    line = Text.assemble((f"{mark} ", style), (row.name, "bold"), (f"  {row.method}", "dim"))
    if row.status not in ("skipped", "planned"):
        line.append(f"  {row.duration * 1000:.0f} ms", style="dim")
    if row.attempts > 1:
        line.append(f"  {row.attempts} attempts", style="yellow")
    if row.phase == "finally":
        line.append("  (finally)", style="dim")
    if row.status == "skipped" and row.reason:
        line.append(f"  skipped: {row.reason}", style="dim")
    for text, id_style in _id_lines(row):
        line.append("  ").append(text, style=id_style)
    for warning in row.warnings:
        line.append(f"\n    warning: {warning}", style="yellow")
    # a long name or cloud ID folds onto the next line, whatever the console's overflow: never cut, never `…`
    line.overflow = "fold"
    line.no_wrap = False
    return line


def failure_details(row: StepRow) -> RenderableType:
    """Everything needed to understand a failed step: its YAML, the request, the response, stderr, expectations."""
    redactor = Redactor()
    parts: list[RenderableType] = []
    for problem in row.located_failures():
        parts.append(Text(problem.location + ": " + problem.message, style="bold red"))
        if problem.quote():
            parts.append(Text("\n".join(problem.quote()), style="yellow"))
    if row.request is not None:
        request = redactor.request(row.request.as_dict())
        parts.append(Text("request", style="bold"))
        parts.append(Syntax(json.dumps(request, ensure_ascii=False), "json", background_color="default",
                            word_wrap=True))
    outcome = row.outcome
    if outcome is not None:
        response = outcome.response
        parts.append(Text("response", style="bold"))
        if response is None:
            parts.append(Text(outcome.failure or "no usable response", style="red"))
        else:
            shown = redactor.response(row.method, response) or {}
            if isinstance(shown.get("log"), str):
                shown["log"] = shown["log"][-2000:]
            parts.append(value_renderable(shown))
        for violation in redactor.violations(outcome.violations):
            parts.append(Text(f"{violation.severity}: {violation.code}: {violation.message}",
                              style="red" if violation.severity == "error" else "yellow"))
        if outcome.run is not None and outcome.run.stderr_tail.strip():
            stderr = redactor.text(outcome.run.stderr_tail.decode("utf-8", errors="replace"))
            parts.append(Text("stderr (tail)", style="bold"))
            parts.append(Text("\n".join(stderr.splitlines()[-15:]), style="dim"))
    return Panel(Group(*parts), title=f"{row.name} failed", title_align="left", border_style="red")


def planned_step(event: StepPlanned) -> RenderableType:
    head = Text.assemble(("· ", "cyan"), (event.step.name, "bold"), (f"  {event.step.method}", "dim"))
    if event.skipped:
        head.append(f"  skipped: {event.skipped}", style="dim")
        return head
    parts: list[RenderableType] = [head]
    if event.request is not None:
        request = Redactor().request(event.request.as_dict())
        parts.append(Syntax(json.dumps(request, ensure_ascii=False), "json", background_color="default",
                            word_wrap=True))
    for ref in event.unresolved:
        parts.append(Text(f"    unresolved until run time: {ref}", style="dim"))
    for problem in event.problems:
        parts.append(Text(f"    problem: {problem}", style="red"))
    return Group(*parts)


def summary_table(summary: RunSummary) -> RenderableType:
    """One row per step, laid out for the width it is shown at (see `_summary_at`)."""
    return ByWidth(lambda width: _summary_at(summary, width))


def _summary_at(summary: RunSummary, width: int) -> Table:
    """Outcome and duration are short and vital: they always get their full width. Step names and methods fold
    (at `_` and `-`) when they must; the cloud IDs take what is left — whole, else each cut to a prefix that still
    tells them apart, else counted (`+1 vm`): the step lines above the table carry every ID in full."""
    rows = summary.rows
    marks = [STATUS_MARK.get(row.status, ("?", "")) for row in rows]
    outcomes = [f"{mark} {row.status}" for (mark, _), row in zip(marks, rows, strict=True)]
    durations = ["" if row.status in ("skipped", "planned") else f"{row.duration * 1000:.0f} ms" for row in rows]
    outcome_w, duration_w = widest(outcomes, len("outcome")), widest(durations, len("duration"))
    room = width - 4 * COLUMN_GAP - outcome_w - duration_w
    natural = [widest((row.name for row in rows), len("step")), widest((row.method for row in rows), len("method"))]
    id_lines = [_id_lines(row) for row in rows]
    ids_w = widest((text for lines in id_lines for text, _ in lines), len("cloud IDs"))
    # the names may give way a little (down to 16 cells) before the IDs are shortened
    step_w, method_w = share(room - ids_w, natural, [min(w, 16) for w in natural])
    left = room - step_w - method_w
    if ids_w > left:
        step_w, method_w = natural
        left = room - step_w - method_w
        kept = min((left - len(kind) - 3 for row in rows for kind, _ in row.created + row.deleted), default=0)
        if kept >= 12:  # enough of each ID to tell it apart
            id_lines = [[(shorten(text, left), style) for text, style in lines] for lines in id_lines]
        else:
            id_lines = [_ids_count(row) for row in rows]
            ids_w = widest((text for lines in id_lines for text, _ in lines), len("cloud IDs"))
            step_w, method_w = share(room - ids_w, natural, [min(w, 8) for w in natural])
    table = Table(box=box.SIMPLE_HEAD, title=f"{summary.recipe.name}: {summary.headline}", title_justify="left",
                  show_edge=False, pad_edge=False, padding=(0, 1))
    table.add_column("step", width=step_w, overflow="fold")
    table.add_column("method", width=method_w, overflow="fold")
    table.add_column("outcome", width=outcome_w, no_wrap=True)
    table.add_column("duration", width=duration_w, no_wrap=True, justify="right")
    table.add_column("cloud IDs", overflow="fold")
    for row, (_, style), outcome, duration, lines in zip(rows, marks, outcomes, durations, id_lines, strict=True):
        ids = Text("\n").join(Text(text, style=id_style) for text, id_style in lines)
        table.add_row(fold_at_breaks(row.name, step_w), fold_at_breaks(row.method, method_w),
                      Text(outcome, style=style), duration, ids)
    leftovers = summary.leftovers
    if leftovers:
        table.caption = (f"left behind: {', '.join(f'{k} {c}' for k, c in leftovers)} — "
                         "`cpictl ids` lists them, `cpictl cleanup` deletes them")
        table.caption_justify = "left"
    return table
