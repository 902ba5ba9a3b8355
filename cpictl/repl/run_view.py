"""How `:run RECIPE` shows a recipe run in the REPL: the view `cpictl run` shows, from the same pieces.

The lines come from `cpictl.render.recipe_view` (the header, one line per step, the failure panel with the recipe
lines it is about — file:line:column and the quoted YAML — and the summary table), and after each step the
embedded registry's requests and, after create_vm/attach_disk/detach_disk, the agent-settings panel, as `cpictl run`
shows them (`call_output.show_settings`; nothing of them at `:set detail quiet`). On a terminal a spinner runs
while a step does.
The REPL cannot import the CLI layer, so this is the REPL's copy of `cpictl run`'s small event switch; keep the
two in step.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from cpictl.recipes import RunFinished, RunStarted, StepFinished, StepRetrying, StepSkipped, StepStarted
from cpictl.render.terminal_text import one_line
from cpictl.repl.call_output import show_settings
from cpictl.repl.context import ReplContext
from cpictl.session import Target

FAILED = ("failed", "misbehaved", "invalid")


class RecipeRunView:
    """Renders one run's events as they come; `stop()` clears the spinner (call it when the run ends)."""

    def __init__(self, ctx: ReplContext, target: Target) -> None:
        self.ctx, self.target = ctx, target
        self.mark = 0  # the registry's position when the current step started
        self.status: Any = None

    def show(self, event: object) -> None:
        from cpictl.render import recipe_view

        if isinstance(event, StepStarted):
            registry = self.ctx.state.registry
            self.mark = registry.mark() if registry is not None else 0
            attempt = f" (attempt {event.attempt}/{event.attempts})" if event.attempts > 1 else ""
            self._spin(f"{event.step.name}  {event.step.method}{attempt}")
            return
        self.stop()
        term = self.ctx.term
        if isinstance(event, RunStarted):
            term.print(recipe_view.run_header(event, self.target))
        elif isinstance(event, StepRetrying):
            term.print(Text(f"  ↻ {event.step.name}: {'; '.join(event.reasons)[:200]} — retrying in "
                            f"{event.delay:g} s", style="yellow"))
        elif isinstance(event, (StepFinished, StepSkipped)):
            if isinstance(event, StepFinished) and event.row.outcome is not None:
                show_settings(self.ctx, event.row.outcome, self.target, self.mark, panel=True)
            term.print(recipe_view.step_line(event.row))
            if event.row.status in FAILED:
                term.print(recipe_view.failure_details(event.row))
        elif isinstance(event, RunFinished):
            # the CLI's caption would give `cpictl cleanup` (and for the default session): here the REPL's own commands
            term.print(recipe_view.summary_table(event.summary, leftovers=False))
            if event.summary.leftovers:
                left = ", ".join(f"{kind} {one_line(cid)}" for kind, cid in event.summary.leftovers)
                term.note(f"left behind: {left} — :ids lists them, :cleanup deletes them", style="yellow")

    def _spin(self, label: str) -> None:
        console = self.ctx.term.progress_console
        if console is None:
            return
        from cpictl.render.progress import Elapsed

        self.stop()
        self.status = console.status(Elapsed(label), spinner="dots")
        self.status.start()

    def stop(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None
