"""What a running call looks like: the CPI's latest stderr lines, dimmed, above a spinner with the elapsed time.

It is erased when the call ends: the call's view then shows the stderr's tail once, instead of a second time under
the lines streamed here (an operator reads each line once). While the call runs, the last `LIVE_LINES` show.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable, Iterator

from rich.console import Console, ConsoleOptions, Group, RenderResult
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


#: Stderr lines shown while a call runs (one row each, cut at the terminal's width).
LIVE_LINES = 8


@contextlib.contextmanager
def running_call(console: Console, label: str,
                 mask: Callable[[str], str] | None = None) -> Iterator[Callable[[str], None]]:
    """Draw the call running until the block ends; yields the `on_stderr_line` callback (called from the runner's
    reader thread: `Live.update` takes its own lock)."""
    from rich.live import Live
    from rich.spinner import Spinner

    hide = mask or (lambda text: text)
    spinner = Spinner("dots", text=Elapsed(label))
    # the cursor waits on an empty line below the spinner: the terminal's own "^C" echo lands there instead of
    # wrapping a full spinner line into a row the erasing does not know of
    rest = Text("")
    recent: deque[Text] = deque(maxlen=LIVE_LINES)

    def on_line(line: str) -> None:
        shown = stderr_line(hide(line))
        shown.no_wrap, shown.overflow = True, "ellipsis"
        recent.append(shown)
        live.update(Group(*recent, spinner, rest))

    with Live(Group(spinner, rest), console=console, transient=True, refresh_per_second=12.5) as live:
        yield on_line


def stderr_line(line: str, prefix: str = "│ ") -> Text:
    """One live stderr line of the CPI, dimmed and prefixed so it never looks like cpictl's own output."""
    return Text.assemble((prefix, "dim cyan"), (visible_controls(line), "dim"))
