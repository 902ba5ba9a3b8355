"""Live feedback while a call runs in the REPL: a spinner with the elapsed time and the CPI's stderr as it comes.

The REPL's own small equivalent of `cpictl.cli.live` (the REPL may not import the CLI layer): it draws on the
terminal's progress console, and nothing at all when there is none (pipes, tests, benchmarks).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console

from cpictl.render.progress import Elapsed, stderr_line

LineCallback = Callable[[str], None]


@contextlib.contextmanager
def live_progress(console: Console | None, label: str,
                  mask: Callable[[str], str] | None = None) -> Iterator[LineCallback | None]:
    """Yield an `on_stderr_line` callback that prints under the spinner, or None when nothing is drawn."""
    if console is None:
        yield None
        return
    hide = mask or (lambda text: text)
    with console.status(Elapsed(label), spinner="dots"):
        yield lambda line: console.print(stderr_line(hide(line)), soft_wrap=True)
