"""`cpictl record …`: a recorder that sits between BOSH and its CPI. (Being built.)"""

from __future__ import annotations

import typer

record_app = typer.Typer(help="Record what a director or create-env sends its CPI: install a pass-through shim.",
                         no_args_is_help=True)
