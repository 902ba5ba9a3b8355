"""Live progress of `cpictl diff` on a terminal: a spinner naming the side and the step that runs, the CPI's latest
stderr lines beneath it, all erased when the step ends (`run_view.StepConsole`, as `cpictl run` shows a step).
Off a terminal nothing is drawn: the comparison at the end is the output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cpictl.cli.run_view import StepConsole


class DiffProgress:
    def __init__(self) -> None:
        from cpictl.protocol.redaction import Redactor
        from cpictl.render.console import make_console

        console = make_console(stderr=True)
        self.console = StepConsole(console, console.is_terminal, Redactor().text)
        self.announced = False

    def event(self, side: Any) -> Callable[[Any], None]:
        """The runner's events for `side`: a step that starts shows, one that ends (or is skipped) is erased."""
        from cpictl.recipes.events import StepFinished, StepStarted

        def on_event(event: Any) -> None:
            if isinstance(event, StepStarted):
                self.start(side, event.step.name, event.step.method)
                return
            self.stop()
            if isinstance(event, StepFinished) and event.row.status == "interrupted" and not self.announced:
                self.announced = True  # said at once: the finally steps that now run take their time
                self._announce(side, event.row.phase == "finally")

        return on_event

    @staticmethod
    def _announce(side: Any, during_finally: bool) -> None:
        from cpictl import shutdown
        from cpictl.cli.output import error_message

        what = shutdown.describe()
        if during_finally:
            error_message(f"{what} during side {side.letter}'s finally steps: the rest are not run", "note", "yellow")
        else:
            error_message(f"{what}: running side {side.letter}'s finally steps (Ctrl-C again stops them)", "note",
                          "yellow")

    def start(self, side: Any, name: str, method: str) -> None:
        what = name if name == method else f"{name} ({method})"
        self.console.start(f"{side.letter} {side.label} · {what}")

    def stop(self) -> None:
        self.console.stop()

    def stderr_line(self, line: str) -> None:
        self.console.stderr_line(line)
