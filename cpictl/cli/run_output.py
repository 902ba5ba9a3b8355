"""`cpictl run` when its output goes away (`cpictl run … | head`): stop showing, stop the main steps, clean up.

A closed stdout is not a reason to leave cloud resources behind: printing stops, the main steps stop, the finally
steps run, the reports are written, stderr says what happened and the exit code is 141 (128 + SIGPIPE, as if the
pipe had killed us). The stream's descriptor is pointed at /dev/null so nothing fails again, not even Python's
flush of stdout at exit. A closed stderr (machine output puts the progress there) only stops the showing.
"""

from __future__ import annotations

import os
from typing import Any

from cpictl.cli.run_view import RunView, StepConsole, render_event


class _OutputGone(BrokenPipeError):
    """What rich's `on_broken_pipe` raises here instead of exiting with status 1."""


def output_gone() -> None:
    raise _OutputGone("the output stream was closed")


def silence(stream: Any) -> None:
    """Point the stream's descriptor at /dev/null: later writes, and Python's flush of stdout at exit, then go
    nowhere instead of failing again ("Exception ignored … BrokenPipeError")."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a descriptor (a test's capture): nothing will flush it at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def stdout_closed_message(headline: str, dry_run: bool, view: RunView) -> str:
    if not view.closed_mid_run:
        return f"stdout was closed after the run finished ({headline})"
    if dry_run:
        return "stdout was closed; stopped the dry run"
    if not view.run_finally:
        return "stdout was closed; stopped (the finally steps were turned off)"
    return "stdout was closed; stopped and ran the finally steps"


class RunOutput:
    """Shows a run's events; when the console's stream goes away, stops showing, and — if that stream was stdout —
    asks the runner to stop its main steps (the finally steps still run)."""

    def __init__(self, console: Any, progress: StepConsole, view: RunView, runner: Any) -> None:
        self.console, self.progress, self.view, self.runner = console, progress, view, runner
        self.closed = False

    def show(self, event: Any) -> None:
        self._guarded(render_event, event, self.console, self.progress, self.view)

    def say(self, renderable: Any) -> None:
        self._guarded(self.console.print, renderable)

    def _guarded(self, draw: Any, *args: Any) -> None:
        if self.closed:
            return
        try:
            draw(*args)
        except BrokenPipeError:
            self._gone()

    def _gone(self) -> None:
        from cpictl.recipes.events import STDOUT_CLOSED

        self.closed = True
        self.progress.stop()
        self.progress.live = False
        self.console.quiet = True
        silence(self.console.file)
        if not self.console.stderr:
            self.view.stdout_closed = True
            self.view.closed_mid_run = self.runner.summary is None
            self.runner.stop(STDOUT_CLOSED)
