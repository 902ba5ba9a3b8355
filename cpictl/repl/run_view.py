"""How `:run RECIPE` shows a recipe's events in the REPL: one line per step, the full call view for a step that
did not pass, and a summary line. Returns renderables; the caller prints them.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from cpictl.recipes import RunFinished, RunStarted, StepFinished, StepRetrying, StepSkipped, StepStarted
from cpictl.session import Target

STATUS_STYLE = {"passed": ("✔", "green"), "failed": ("✖", "bold red"), "misbehaved": ("⚠", "bold red"),
                "invalid": ("✖", "bold red"), "interrupted": ("■", "yellow"), "skipped": ("–", "dim")}


def render_event(event: object, target: Target) -> RenderableType | None:
    """The lines for one runner event; None for events the REPL shows nothing for."""
    if isinstance(event, RunStarted):
        steps = len(event.recipe.steps)
        return Text.assemble(("▶ recipe ", "bold"), (event.recipe.name, "bold"), f"  {steps} step(s) → {event.target}")
    if isinstance(event, StepStarted):
        attempt = f"  attempt {event.attempt}/{event.attempts}" if event.attempts > 1 else ""
        return Text(f"  … {event.step.label}{attempt}", style="dim")
    if isinstance(event, StepRetrying):
        return Text(f"  ↻ {event.step.name}: {'; '.join(event.reasons)}; again in {event.delay:g} s", style="yellow")
    if isinstance(event, StepSkipped):
        return Text(f"  – {event.step.label} skipped: {event.reason}", style="dim")
    if isinstance(event, StepFinished):
        return _finished(event, target)
    if isinstance(event, RunFinished):
        return _summary(event)
    return None


def _finished(event: StepFinished, target: Target) -> RenderableType:
    row = event.row
    mark, style = STATUS_STYLE.get(row.status, ("?", ""))
    line = Text.assemble((f"  {mark} ", style), row.step.label,
                         (f"  {row.status}  {row.duration * 1000:.0f} ms", style))
    problems = [*row.failures, *([row.reason] if row.reason and row.status != "passed" else [])]
    if row.status == "passed" or row.status == "interrupted":
        return line
    parts: list[RenderableType] = [line, *(Text(f"      {problem}", style="red") for problem in problems)]
    if row.outcome is not None:
        from cpictl.render.call_view import render_call

        parts.append(render_call(row.outcome, target))
    return Group(*parts)


def _summary(event: RunFinished) -> Text:
    summary = event.summary
    counts = ", ".join(f"{summary.count(status)} {status}" for status in ("passed", "failed", "misbehaved",
                                                                          "invalid", "skipped")
                       if summary.count(status))
    mark, style = STATUS_STYLE.get(summary.status, ("?", ""))
    text = Text.assemble((f"{mark} recipe {summary.recipe.name} {summary.status}", style),
                         f": {counts or 'no steps'} in {summary.duration:.1f} s")
    if summary.leftovers:
        left = ", ".join(f"{kind} {cid}" for kind, cid in summary.leftovers)
        text.append(f"\n  still live in the session: {left} (:cleanup deletes them)", style="yellow")
    return text
