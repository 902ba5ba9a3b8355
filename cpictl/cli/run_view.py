"""How `cpictl run` shows a run: the view's settings, live progress per step, and each event of the runner.

Rendering functions come from `cpictl.render`; this module decides which of them to print for which event, at
which detail level, and where. What each level shows:

- default: one line per finished or skipped step (`step_view.step_line`), a failed step expanded beneath it (what
  the recipe wanted, then the call), the agent settings once per VM and then only what changed (`run_settings`),
  the embedded registry's requests, and a summary line;
- `-q`: only the failed steps (expanded) and the summary;
- `-v`: every call in full, as `cpictl call -v` shows it, the settings panel after each settings call, and the
  summary table of every step;
- `--print WHAT`: each step's line with those parts of its call.

While a step runs, a terminal shows a spinner and the CPI's latest stderr lines beneath it; both are erased when
the step ends (a failed step's expansion shows the stderr's tail). In machine output (`-o json|yaml`) the console
is stderr and shows only that live progress: the report comes at the end, on stdout.
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any

from cpictl.render.run_settings import RunSettings


@dataclasses.dataclass
class RunView:
    """How this run is shown: where, how much, the registry whose events belong to each step, and the secrets of
    every request so far (a secret one step sent may reappear in a later step's failure). `target` and `registry`
    are the current recipe's: a run of several recipes sets them for each."""

    target: Any
    store: Any
    fmt: str
    detail: Any  # a cpictl.render.detail.Detail
    registry: Any = None
    mark: int = 0
    run_finally: bool = True
    secrets: Any = None  # a Redactor that has seen every request of the run
    stdout_closed: bool = False
    closed_mid_run: bool = False  # stdout went away before the run had finished
    session_option: str = ""  # `--session NAME` / `--state FILE` (shell-quoted) for the leftovers line's commands
    several: bool = False  # one recipe of several: its summary is a line, the table of all comes at the end
    settings: RunSettings = dataclasses.field(default_factory=RunSettings)
    in_finally: bool = False  # the "finally" heading was shown for the current recipe

    @property
    def verbose(self) -> bool:
        return bool(self.detail.verbose)


class StepConsole:
    """Live progress for a run on a terminal: a spinner per step and the CPI's latest stderr lines beneath it,
    erased when the step ends (`cpictl.render.progress.running_call`)."""

    def __init__(self, console: Any, live: bool, mask: Any) -> None:
        self.console, self.live, self.mask = console, live, mask
        self._stack: contextlib.ExitStack | None = None
        self._on_line: Any = None

    def start(self, label: str) -> None:
        if self.live:
            from cpictl.render.progress import running_call

            self.stop()
            self._stack = contextlib.ExitStack()
            self._on_line = self._stack.enter_context(running_call(self.console, label, self.mask))

    def stop(self) -> None:
        stack, self._stack, self._on_line = self._stack, None, None
        if stack is not None:
            stack.close()

    def stderr_line(self, line: str) -> None:
        on_line = self._on_line  # read once: the runner's reader thread calls this while the main thread stops
        if on_line is not None:
            on_line(line)


def _step_shown(event: Any, console: Any, view: RunView) -> None:
    """A finished or skipped step at the run's detail level (module docstring; `render.step_output` decides)."""
    from cpictl.render.step_output import step_output

    shown, view.in_finally = step_output(event.row, view.detail, view.target, view.store, view.secrets,
                                         view.settings, registry=view.registry, registry_mark=view.mark,
                                         in_finally=view.in_finally)
    for part, soft_wrap in shown:
        # a terminal folds a soft-wrapped line inside an ID; rich folds it between words, keeping IDs whole
        console.print(part, soft_wrap=soft_wrap and not console.is_terminal)


def _finished(summary: Any, console: Any, view: RunView) -> None:
    from rich.text import Text

    from cpictl.render import recipe_view
    from cpictl.render.suite_view import recipe_summary_line

    if view.verbose:
        console.print(recipe_view.summary_table(summary, leftovers=False))
    if view.several and view.detail.quiet:
        return  # the table of all recipes says it
    console.print(recipe_summary_line(summary))
    line = recipe_view.leftovers_line(summary, view.session_option)
    if line is not None and not view.several:  # soft wrap, unlike a caption: a command cut in two cannot be pasted
        console.print(Text(line, style="table.caption"), soft_wrap=True)


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
        progress.start(f"{event.step.label}{attempt}")
        return
    progress.stop()
    if fmt != "table":
        return  # machine output: only the report, at the end
    quiet = view.detail.quiet
    if isinstance(event, RunStarted):
        view.in_finally = False
        if not quiet:  # the heading names the target once; the calls' own views leave it out (`in_sequence`)
            console.print(recipe_view.run_header(event, view.target))
    elif isinstance(event, StepRetrying):
        if not quiet:
            console.print(recipe_view.retry_line(event, view.secrets))
    elif isinstance(event, (StepFinished, StepSkipped)):
        _step_shown(event, console, view)
    elif isinstance(event, StepPlanned):
        console.print(recipe_view.planned_step(event))
    elif isinstance(event, RunFinished):
        _finished(event.summary, console, view)
