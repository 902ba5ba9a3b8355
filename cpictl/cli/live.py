"""Live feedback while a CPI runs: on a terminal, a spinner with elapsed time and stderr lines as they come.

Off a terminal nothing is drawn, so pipes and CI logs stay clean.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def live_progress(label: str, *, enabled: bool | None = None,
                  mask: Callable[[str], str] | None = None) -> Iterator[Callable[[str], None] | None]:
    """Yield an `on_stderr_line` callback (or None when not on a terminal)."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield None
        return
    from cpictl.render.console import make_console
    from cpictl.render.progress import Elapsed, stderr_line

    console = make_console(stderr=True)
    hide = mask or (lambda text: text)
    with console.status(Elapsed(label), spinner="dots"):
        yield lambda line: console.print(stderr_line(hide(line)), soft_wrap=True)
