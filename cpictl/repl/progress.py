"""Live feedback while a call runs in the REPL: a spinner with the elapsed time and the CPI's stderr as it comes.

The REPL's own small equivalent of `cpictl.cli.live` (the REPL may not import the CLI layer): it draws on the
terminal's progress console, and nothing at all when there is none (pipes, tests, benchmarks).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console

from cpictl.render.progress import running_call

LineCallback = Callable[[str], None]


@contextlib.contextmanager
def live_progress(console: Console | None, label: str,
                  mask: Callable[[str], str] | None = None) -> Iterator[LineCallback | None]:
    """Yield an `on_stderr_line` callback that draws above the spinner, or None when nothing is drawn."""
    if console is None:
        yield None
        return
    with running_call(console, label, mask) as on_line:
        yield on_line
