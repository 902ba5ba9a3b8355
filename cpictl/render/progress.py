"""What a running call looks like: a spinner line with the elapsed time, and the CPI's stderr dimmed beneath."""

from __future__ import annotations

import time

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from cpictl.render.terminal_text import visible_controls


class Elapsed:
    """A renderable that reads the clock each time it is drawn, so the spinner shows live elapsed time."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.started = time.monotonic()

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        seconds = time.monotonic() - self.started
        yield Text.assemble((self.label, "bold"), (f"  {seconds:5.1f} s", "dim"), ("   Ctrl-C stops it", "dim"))


def stderr_line(line: str, prefix: str = "│ ") -> Text:
    """One live stderr line of the CPI, dimmed and prefixed so it never looks like cpictl's own output."""
    return Text.assemble((prefix, "dim cyan"), (visible_controls(line), "dim"))
