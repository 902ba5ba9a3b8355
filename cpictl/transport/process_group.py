"""The OS calls about a CPI's process group: signal all of it, and learn when its leader exits without polling.

The CPI runs as the leader of its own session, so its pid is also its process-group id, and one `killpg` reaches
every process it started (except one that made its own session: the runner abandons that one's pipes).
"""

from __future__ import annotations

import contextlib
import os


def signal_group(pgid: int, signum: int) -> None:
    """Send `signum` to the whole group; a group that is already gone is not an error."""
    # PermissionError: macOS answers EPERM when only zombies are left in the group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def open_pidfd(pid: int) -> int | None:
    """A descriptor that becomes readable when the process exits (Linux >= 5.3); None means poll instead."""
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is None:
        return None
    try:
        return int(pidfd_open(pid))
    except OSError:
        return None  # old kernel or a sandbox that forbids it
