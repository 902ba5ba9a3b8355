"""Running a bench's load and its cleanup from the main thread: the live progress bar (on a terminal only; nothing
live on a pipe), and what Ctrl-C and the ending signals do.

- Ctrl-C during the load: no new calls start; the running ones finish and are counted. Ctrl-C again stops them as
  it stops `cpictl call`'s (the CPI's process group is killed; what it answered is journalled).
- SIGTERM or SIGHUP (a CI job cancelled, the terminal gone): both at once — nobody is left to wait for.
- Either way the cleanup then runs; a Ctrl-C or signal during the cleanup stops it, and the summary says what is
  left and how to delete it.

The main thread only waits and draws: it waits on an Event with a timeout, which a Ctrl-C interrupts cleanly and
which can be waited on again after.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from cpictl import shutdown
from cpictl.bench.load import Load
from cpictl.cli.output import error_message

#: How often the bar (and the live throughput) is redrawn while the workers run.
REFRESH_S = 0.125


class LiveBench:
    """The bar of one bench, or nothing off a terminal."""

    def __init__(self, label: str, load: Load, *, live: bool | None = None) -> None:
        self.load = load
        self.progress: Any = None
        self.task: Any = None
        self.label = label
        if live if live is not None else sys.stderr.isatty():
            from cpictl.render.bench_view import bench_progress
            from cpictl.render.console import make_console

            self.progress = bench_progress(make_console(stderr=True))

    @contextlib.contextmanager
    def shown(self) -> Iterator[None]:
        if self.progress is None:
            yield
            return
        plan = self.load.plan
        by_time = plan.count is None
        self.task = self.progress.add_task(self.label, total=plan.duration_s if by_time else plan.count,
                                           done=0, rate=0.0, errors=0, by_time=by_time)
        with self.progress:
            yield

    def say(self, message: str) -> None:
        """A notice above the bar (or one line on stderr)."""
        if self.progress is not None:
            from rich.text import Text

            self.progress.console.print(Text(message, style="yellow"))
        else:
            error_message(message, "note", "yellow")

    def update(self, description: str | None = None) -> None:
        if self.progress is None:
            return
        tally, plan = self.load.tally, self.load.plan
        done, errors = tally.counts()
        completed = min(time.monotonic() - tally.started_at, plan.duration_s or 0) if plan.count is None else done
        fields: dict[str, Any] = {"done": done, "rate": tally.live_rate(), "errors": errors, "completed": completed}
        if description is not None:
            fields["description"] = description
        self.progress.update(self.task, **fields)


def run_load(load: Load, live: LiveBench) -> str | None:
    """Start the load and wait for it to end; None when it ran its course, else what stopped it ("interrupted",
    "terminated", "hung up"). However this returns or raises, no worker is left running."""
    stopped = None
    with live.shown():
        try:
            load.start()
            _wait(load, live)
        except KeyboardInterrupt:
            stopped = shutdown.describe()
            _stop(load, live)
        finally:
            if not load.done:  # an error of our own while waiting: nothing may run on unwatched
                load.kill_running()
                _wait_regardless(load, live)
        live.update()
    return stopped


def _stop(load: Load, live: LiveBench) -> None:
    load.stop_launching()
    if shutdown.ending_signal() is None and load.in_flight:
        # the notice is inside the try: a second Ctrl-C pressed as soon as it shows must stop the calls, not escape
        # while the view is updated (cpictl then ended with no summary at all)
        try:
            live.say(f"interrupted: no new calls; waiting for the {load.in_flight} running (Ctrl-C again stops "
                     "them)")
            live.update("finishing")
            _wait(load, live)
            return
        except KeyboardInterrupt:
            pass
    if load.in_flight:
        live.say(f"{shutdown.describe()}: stopping the {load.in_flight} running calls (their CPIs' process groups "
                 "are killed; what they answered is journalled)")
    load.kill_running()
    _wait_regardless(load, live)


def _wait(load: Load, live: LiveBench) -> None:
    while not load.wait(REFRESH_S):
        live.update()


def _wait_regardless(load: Load, live: LiveBench) -> None:
    """Wait for the workers whatever the user presses: their calls are being stopped, which takes at most the
    runner's grace (about a second), and they journal what they answered meanwhile."""
    while not load.done:
        with contextlib.suppress(KeyboardInterrupt):
            _wait(load, live)


def run_cleanup_rows(rows: Iterator[Any], total: int, count: Callable[[Any], None], *,
                     live: bool | None = None) -> str | None:
    """Make the cleanup's calls (`rows`, made one by one as they are read), counting each; a bar on a terminal.
    None when every planned call was made, else what stopped it."""
    progress = None
    if live if live is not None else sys.stderr.isatty():
        from cpictl.render.bench_view import bench_progress
        from cpictl.render.console import make_console

        progress = bench_progress(make_console(stderr=True))
        task = progress.add_task("cleanup", total=total, done=0, rate=None, errors=0, by_time=False)
    with progress if progress is not None else contextlib.nullcontext():
        try:
            for done, row in enumerate(rows, start=1):
                count(row)
                if progress is not None:
                    progress.update(task, completed=done, done=done)
        except KeyboardInterrupt:
            return shutdown.describe()
    return None
