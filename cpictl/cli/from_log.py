"""`cpictl call --from-log FILE --request-id ID`: a call found in a BOSH debug log, to send again. (Being built.)"""

from __future__ import annotations

from typing import Any

from cpictl.cli.exits import UsageError


def call_from_log(path: str, request_id: str | None, variables: list[str]) -> tuple[str, Any]:
    """(method, arguments) of the call `request_id` in the log at `path`, redacted values filled from `variables`."""
    raise UsageError("--from-log is not available yet")
