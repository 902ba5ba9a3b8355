"""Writing a run report where the user pointed `--report-junit` / `--report-json`, whatever is at that path.

- a regular file, or nothing yet: written atomically and private (0600), as every cpictl file (`write_private`);
- a symlink to a regular file (`report.json -> results/latest.json`): the target is written, atomically, and the
  link stays a link;
- anything else that exists — a FIFO, a character device, `/dev/stdout`, `/dev/fd/63` from `>(cat)` — is opened
  and written as it is: no temporary file beside it, no rename over it, no chmod (a device node must never be
  replaced by a regular file). A path that reaches a descriptor (`/dev/stdout`, `/dev/fd/N`, `/proc/*/fd/N`) is
  written that way even when the descriptor is a regular file: renaming over it would leave the shell's redirect
  pointing at a deleted file, so the report is appended to what is there.

`check_report_path` is the same decision made before the run (nothing is opened: opening a FIFO would block, and
closing it again would end its reader's input); `write_report` makes it again at the end.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from cpictl.userdirs import private_dir, write_private

#: A path that names an open descriptor, not a file of its own.
_DESCRIPTOR = re.compile(r"^/(dev/fd|proc/[^/]+/fd)/\d+$|^/dev/std(in|out|err)$")
_MAX_LINKS = 40  # as the kernel's own limit on symlink hops


class ReportPathError(Exception):
    """A report path that cannot be written; the message says why."""


def _reaches_descriptor(path: Path) -> bool:
    """Whether `path`, or a link on the way from it, names an open descriptor."""
    current = os.path.abspath(path)
    for _ in range(_MAX_LINKS):
        if _DESCRIPTOR.match(current):
            return True
        try:
            target = os.readlink(current)
        except OSError:
            return False
        current = os.path.normpath(os.path.join(os.path.dirname(current), target))
    return False


def _kind(path: Path) -> tuple[str, Path]:
    """("stream", path) for what is written as it is, ("file", where) for an atomic write to `where`."""
    if _reaches_descriptor(path):
        return "stream", path
    try:
        status = os.stat(path)  # follows links
    except FileNotFoundError:
        status = None
    except OSError as error:
        raise ReportPathError(f"cannot write report {path}: {error.strerror or error}") from None
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise ReportPathError(f"cannot write report {path}: it is a directory")
    if status is not None and not stat.S_ISREG(status.st_mode):
        return "stream", path
    if path.is_symlink():  # to a regular file, or dangling: write where it points, keep the link
        return "file", Path(os.path.realpath(path))
    return "file", path


def check_report_path(path: Path) -> None:
    """Raise ReportPathError now if the report could not be written at the end — before any step creates cloud
    resources. Probes a regular file the way `write_private` writes it: a temporary file beside it."""
    kind, where = _kind(path)
    if kind == "stream":
        if not os.access(where, os.W_OK):
            raise ReportPathError(f"cannot write report {path}: not writable")
        return
    probe = where.with_name(f".{where.name}.{os.getpid()}.probe")
    try:
        private_dir(where.parent)
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.unlink(probe)
    except OSError as error:
        raise ReportPathError(f"cannot write report {path}: {error.strerror or error}") from None


def write_report(path: Path, data: bytes) -> None:
    """Write `data` to the report path (module docstring). Raises ReportPathError."""
    kind, where = _kind(path)
    try:
        if kind == "file":
            write_private(where, data)
            return
        fd = os.open(where, os.O_WRONLY | os.O_APPEND | os.O_NOCTTY)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
    except OSError as error:
        raise ReportPathError(f"cannot write report {path}: {error.strerror or error}") from None
