"""Rendering a recipe run: one line per step as it finishes, the full context of a failure, and the summary table."""

from __future__ import annotations

import json
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from cpictl.protocol.redaction import Redactor
from cpictl.recipes import RunStarted, RunSummary, StepPlanned, StepRow
from cpictl.render.call_view import target_line
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


def _ids_text(row: StepRow, short: bool = False) -> Text:
    def shown(cid: str) -> str:
        return cid[:14] + "…" if short and len(cid) > 15 else cid

    text = Text()
    for kind, cid in row.created:
        text.append(f"+{kind} {shown(cid)} ", style="green")
    for kind, cid in row.deleted:
        text.append(f"-{kind} {shown(cid)} ", style="red")
    text.rstrip()
    return text


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
    ids = _ids_text(row)
    if ids:
        line.append("  ").append_text(ids)
    for warning in row.warnings:
        line.append(f"\n    warning: {warning}", style="yellow")
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
            shown: dict[str, Any] = {**response, "result": redactor.result(row.method, response.get("result"))}
            if isinstance(shown.get("log"), str):
                shown["log"] = redactor.text(shown["log"])[-2000:]
            parts.append(value_renderable(shown))
        for violation in outcome.violations:
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


def summary_table(summary: RunSummary) -> Table:
    table = Table(box=box.SIMPLE_HEAD, title=f"{summary.recipe.name}: {summary.headline}", title_justify="left")
    for column in ("step", "method", "outcome", "duration", "cloud IDs"):
        table.add_column(column, overflow="ellipsis", no_wrap=True)
    for row in summary.rows:
        mark, style = STATUS_MARK.get(row.status, ("?", ""))
        duration = "" if row.status in ("skipped", "planned") else f"{row.duration * 1000:.0f} ms"
        # the step lines above carry the full IDs; the summary keeps one row per step
        table.add_row(row.name, row.method, Text(f"{mark} {row.status}", style=style), duration,
                      _ids_text(row, short=True))
    leftovers = summary.leftovers
    if leftovers:
        table.caption = (f"left behind: {', '.join(f'{k} {c}' for k, c in leftovers)} — "
                         "`cpictl ids` lists them, `cpictl cleanup` deletes them")
    return table
