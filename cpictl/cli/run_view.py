"""How `cpictl run` shows a run: the view's settings, live progress per step, and each event of the runner.

Rendering functions come from `cpictl.render`; this module decides which of them to print for which event and
where. In machine output (`-o json|yaml`) the console is stderr and shows only the live progress: the report
comes at the end, on stdout.
"""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass
class RunView:
    """How this run is shown: where, how much, the registry whose events belong to each step, and the secrets of
    every request so far (a secret one step sent may reappear in a later step's failure)."""

    target: Any
    store: Any
    fmt: str
    verbose: bool
    registry: Any = None
    mark: int = 0
    run_finally: bool = True
    secrets: Any = None  # a Redactor that has seen every request of the run
    stdout_closed: bool = False
    closed_mid_run: bool = False  # stdout went away before the run had finished
    session_option: str = ""  # `--session NAME` / `--state FILE` (shell-quoted) for the leftovers line's commands


class StepConsole:
    """Live progress for a run on a terminal: a spinner per step and the CPI's stderr beneath it."""

    def __init__(self, console: Any, live: bool, mask: Any) -> None:
        self.console, self.live, self.mask, self.status = console, live, mask, None

    def start(self, label: str) -> None:
        if self.live:
            from cpictl.render.progress import Elapsed

            self.stop()
            self.status = self.console.status(Elapsed(label), spinner="dots")
            self.status.start()

    def stop(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None

    def stderr_line(self, line: str) -> None:
        if self.live:
            from cpictl.render.progress import stderr_line

            self.console.print(stderr_line(self.mask(line)), soft_wrap=True)


SETTINGS_METHODS = ("create_vm", "attach_disk", "detach_disk")


def _step_details(event: Any, console: Any, view: RunView) -> None:
    """With --verbose the whole call; the embedded registry's requests; and after calls that change agent
    settings, the user-metadata panel."""
    outcome = event.row.outcome
    if outcome is None:
        return
    if view.verbose:
        from cpictl.render.call_view import render_call

        console.print(render_call(outcome, view.target, in_sequence=True))  # the recipe's heading names it
    if view.registry is not None:
        from cpictl.render.registry_view import render_registry_events

        events = view.registry.events_since(view.mark)
        if events:
            console.print(render_registry_events(events, view.registry.endpoint))
    if event.row.method in SETTINGS_METHODS and outcome.status == "ok":
        from cpictl.render.metadata_view import metadata_panel

        panel = metadata_panel(outcome, view.target, view.store)
        if panel is not None:
            console.print(panel)


def render_event(event: Any, console: Any, progress: StepConsole, view: RunView) -> None:
    """Show one event of the runner: a spinner while a step runs, its line (and details) when it ends."""
    from cpictl.recipes import (
        RunFinished,
        RunStarted,
        StepFinished,
        StepPlanned,
        StepRetrying,
        StepSkipped,
        StepStarted,
    )
    from cpictl.render import recipe_view

    fmt = view.fmt
    if isinstance(event, StepStarted):
        view.secrets.request(event.request.as_dict())  # learn this request's secrets, for what is shown later
        if view.registry is not None:
            view.mark = view.registry.mark()
        attempt = f" (attempt {event.attempt}/{event.attempts})" if event.attempts > 1 else ""
        progress.start(f"{event.step.name}  {event.step.method}{attempt}")
        return
    progress.stop()
    if fmt != "table" and not isinstance(event, RunFinished):
        return  # machine output: only the report, at the end
    if isinstance(event, RunStarted):
        # the heading names the target once; with --verbose the calls' own views leave it out (`in_sequence`)
        console.print(recipe_view.run_header(event, view.target))
    elif isinstance(event, StepRetrying):
        console.print(recipe_view.retry_line(event, view.secrets))
    elif isinstance(event, (StepFinished, StepSkipped)):
        if isinstance(event, StepFinished):
            _step_details(event, console, view)
        # soft wrap: the terminal folds a long line itself, so no line break lands inside a cloud ID in a CI log
        console.print(recipe_view.step_line(event.row), soft_wrap=True)
        if event.row.status in ("failed", "misbehaved", "invalid"):
            console.print(recipe_view.failure_details(event.row, view.secrets))
    elif isinstance(event, StepPlanned):
        console.print(recipe_view.planned_step(event))
    elif isinstance(event, RunFinished) and fmt == "table":
        console.print(recipe_view.summary_table(event.summary, leftovers=False))
        line = recipe_view.leftovers_line(event.summary, view.session_option)
        if line is not None:  # soft wrap, unlike a caption: a command cut in two by a line break cannot be pasted
            from rich.text import Text

            console.print(Text(line, style="table.caption"), soft_wrap=True)
