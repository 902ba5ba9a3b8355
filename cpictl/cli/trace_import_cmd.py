"""`cpictl trace import FILE…`: BOSH debug logs turned into trace entries. (Being built: see `register`.)"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to `cpictl trace`."""
