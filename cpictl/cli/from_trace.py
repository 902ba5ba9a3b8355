"""`cpictl call --from-trace N`: a call of the session's trace, to send again. (Being built.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cpictl.cli.exits import UsageError


def call_from_trace(number: int, journal: Path, variables: list[str]) -> tuple[str, Any]:
    """(method, arguments) of trace entry `number`, its masked values filled from `variables` (`PATH=VALUE`)."""
    raise UsageError("--from-trace is not available yet")
