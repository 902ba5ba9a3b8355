"""`cpictl trace list|show|export|replay|diff`: reading and replaying a trace. (Being built: see `register`.)"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to `cpictl trace`."""
