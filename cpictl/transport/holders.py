"""Which processes hold given files open: how cpictl names a child that escaped the CPI's process group.

A child that made its own session (`setsid`) is out of reach of the group kill; when it still holds the CPI's
output, the user should learn its PID, to look at it and kill it. Linux tells through `/proc/<pid>/fd`; elsewhere
the answer is an empty list. This walks every process's descriptors, so it runs only on the rare paths that need
it (a timeout, a lingering child, an interrupted call whose CPI may still run), never on every call.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

_NOT_FILES = ("pipe:", "socket:", "anon_inode:", "/dev/", "/proc/")


def processes_holding(files: Iterable[os.stat_result]) -> list[int]:
    """PIDs (ascending, ours excluded) with a descriptor open on any of `files` (regular files or pipes)."""
    wanted = {(status.st_dev, status.st_ino) for status in files}
    if not wanted:
        return []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    own = os.getpid()
    found = []
    for entry in entries:
        if not entry.isdigit() or int(entry) == own:
            continue
        if _holds(f"/proc/{entry}/fd", wanted):
            found.append(int(entry))
    return sorted(found)


def _holds(fd_dir: str, wanted: set[tuple[int, int]]) -> bool:
    try:
        descriptors = os.listdir(fd_dir)
    except OSError:  # gone meanwhile, or not ours to look at
        return False
    for name in descriptors:
        link = f"{fd_dir}/{name}"
        try:
            target = os.readlink(link)
            if target.startswith(_NOT_FILES) and not target.startswith("pipe:"):
                continue
            status = os.stat(link)  # a pipe's link stats as the pipe itself (its pipefs device and inode)
        except OSError:
            continue
        if (status.st_dev, status.st_ino) in wanted:
            return True
    return False
