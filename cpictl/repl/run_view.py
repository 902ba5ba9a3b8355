"""How `:run RECIPE` shows a recipe run in the REPL: the view `cpictl run` shows, from the same pieces, at the
REPL's `:set detail`.

The header, one line per finished step (`render.step_view`), a failed step expanded beneath it with the recipe
lines it is about (file:line:column and the quoted YAML) and its call, the agent settings once per VM and then only
what changed (`render.run_settings`), the embedded registry's requests, and the run's summary line. Quiet shows
only failures and the summary; verbose every call in full and the table of steps. On a terminal a spinner runs
while a step does.
The REPL cannot import the CLI layer, so this is the REPL's copy of `cpictl run`'s small event switch; keep the
two in step.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from cpictl.recipes import RunFinished, RunStarted, StepFinished, StepRetrying, StepSkipped, StepStarted
from cpictl.render.run_settings import RunSettings
from cpictl.render.terminal_text import one_line
from cpictl.repl.context import ReplContext
from cpictl.session import Target


class RecipeRunView:
    """Renders one run's events as they come; `stop()` clears the spinner (call it when the run ends)."""

    def __init__(self, ctx: ReplContext, target: Target) -> None:
        self.ctx, self.target = ctx, target
        self.mark = 0  # the registry's position when the current step started
        self.status: Any = None
        self.settings = RunSettings()
        self.in_finally = False

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
            self._step(event.row)
        elif isinstance(event, RunFinished):
            from cpictl.render.suite_view import recipe_summary_line

            if self.ctx.state.detail.verbose:
                term.print(recipe_view.summary_table(event.summary, leftovers=False))
            term.print(recipe_summary_line(event.summary))
            # the CLI's caption would give `cpictl cleanup` (and for the default session): here the REPL's own commands
            if event.summary.leftovers:
                left = ", ".join(f"{kind} {one_line(cid)}" for kind, cid in event.summary.leftovers)
                term.note(f"left behind: {left} — :ids lists them, :cleanup deletes them", style="yellow")

    def _step(self, row: Any) -> None:
        """A finished or skipped step at the REPL's detail level, as `cpictl run` shows it (`render.step_output`)."""
        from cpictl.protocol.redaction import Redactor
        from cpictl.render.step_output import step_output

        state = self.ctx.state
        secrets = Redactor()
        if row.request is not None:
            secrets.request(row.request.as_dict())
        shown, self.in_finally = step_output(row, state.detail, self.target, state.store, secrets, self.settings,
                                             registry=state.registry, registry_mark=self.mark,
                                             in_finally=self.in_finally)
        on_terminal = self.ctx.term.console.is_terminal
        for part, soft_wrap in shown:  # as `cpictl run` prints them (cli/run_view.py says why)
            self.ctx.term.print(part, soft_wrap=soft_wrap and not on_terminal)

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
