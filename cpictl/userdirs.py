"""Where cpictl keeps its files (XDG base directories) and how it writes them: private to the user.

Config (`$XDG_CONFIG_HOME/cpictl`) holds the stable default director UUID; state (`$XDG_STATE_HOME/cpictl`) holds
session journals, REPL history and the reference CPI's state. Directories are 0700 and files 0600, because
requests and journals can carry secrets.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "cpictl"


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "cpictl"


def private_dir(path: Path) -> Path:
    """Create `path` with mode 0700, and each missing parent with 0700 too (`$XDG_CONFIG_HOME` itself, as the XDG
    spec asks: `mkdir(parents=True)` would give the parents the umask's mode)."""
    missing = []
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        missing.append(parent)
        parent = parent.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
    path.mkdir(mode=0o700, exist_ok=True)  # an existing file here is an error, as before
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write a file readable only by its owner, atomically (temp file + rename)."""
    private_dir(path.parent)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:  # os.write may write less than asked (a big report, a signal): loop until all is down
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(temp)  # a half-written temp file must not be left beside the real one
        raise
    os.close(fd)
    os.replace(temp, path)


def default_director_uuid() -> str:
    """A UUID generated once per user and kept, so every call looks like it comes from one director."""
    path = config_dir() / "director_uuid"
    try:
        existing = path.read_text().strip()
    except OSError:
        existing = ""
    if existing:
        return existing
    import uuid  # only on first use: keeps it off every start-up

    fresh = str(uuid.uuid4())
    with contextlib.suppress(OSError):  # a read-only home still gets a usable (if unstable) UUID
        write_private(path, fresh.encode())
    return fresh
