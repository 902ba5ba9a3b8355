"""Live feedback while a CPI runs: on a terminal, its latest stderr lines above a spinner with the elapsed time,
erased when it ends (`render.progress.running_call`).

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
    from cpictl.render.progress import running_call

    with running_call(make_console(stderr=True), label, mask) as on_line:
        yield on_line
