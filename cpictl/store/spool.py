"""The session's spool: a directory beside the journal where each running call's stdout and stderr files live.

`<journal>.spool/` holds, per call that may create or delete a cloud ID, `<call>.out` and `<call>.err` (the CPI's
output, see `cpictl.transport.outputs`), from just before the call's pending entry is journalled until its outcome
is. A call ID is `<owner>-<n>`: `owner` names the cpictl process that made the call, which holds an exclusive
`flock` on `<owner>.owner` for as long as it lives. The lock, not a PID, says whether the owner is alive: the kernel
drops it when the process dies, however it dies, and a recycled PID cannot fake it. Only calls of dead owners are
settled by another process (`cpictl.store.interrupted`); a live owner settles its own.

The directory is 0700 and every file 0600: a CPI's output may hold secrets.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import itertools
import os
import threading
from pathlib import Path

from cpictl.store.errors import StoreError
from cpictl.transport.outputs import OutputFiles

OWNER_SUFFIX = ".owner"
OUTPUT_SUFFIXES = (".out", ".err")

# This process's owner ID and lock descriptor per spool directory: one owner per process, whatever the session.
_owners: dict[str, tuple[str, int]] = {}
#: Threads of one process (`cpictl bench`'s workers) take their first call's owner under this lock: two owners for
#: one process would leave the lock file of the first held, yet forgotten, until the process ends.
_owners_lock = threading.Lock()
_counter = itertools.count(1)  # next() on it is atomic: threads never get the same call number


def _release_owners() -> None:
    """At a normal exit: remove our lock files, so the next command does not take us for a dead owner to clean up
    after. (After a SIGKILL the next command does exactly that, and finishes our calls.)"""
    for directory, (owner, fd) in list(_owners.items()):
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(directory, f"{owner}{OWNER_SUFFIX}"))
        with contextlib.suppress(OSError):
            os.close(fd)
    _owners.clear()


def spool_directory(journal_path: Path) -> Path:
    return journal_path.parent / f"{journal_path.name}.spool"


def owner_of(call_id: str) -> str:
    return call_id.rpartition("-")[0]


class Spool:
    """One session's spool directory."""

    def __init__(self, journal_path: Path) -> None:
        self.directory = spool_directory(journal_path)

    def new_call(self) -> tuple[str, OutputFiles]:
        """A fresh call ID and the CPI's output files for it, created empty (0600). Raises StoreError."""
        owner = self._own_owner()
        call_id = f"{owner}-{next(_counter)}"
        out, err = self.output_paths(call_id)
        try:
            return call_id, OutputFiles.named(str(out), str(err))
        except OSError as error:
            raise StoreError(f"cannot create the call's output files in {self.directory}: "
                             f"{error.strerror or error}") from error

    def output_paths(self, call_id: str) -> tuple[Path, Path]:
        return self.directory / f"{call_id}.out", self.directory / f"{call_id}.err"

    @property
    def own_owner(self) -> str | None:
        """This process's owner ID here, if it has made a call in this session."""
        held = _owners.get(str(self.directory))
        return held[0] if held else None

    def _own_owner(self) -> str:
        key = str(self.directory)
        held = _owners.get(key)
        if held is not None:
            return held[0]
        with _owners_lock:
            if key not in _owners:
                self._ensure_directory()
                if not _owners:
                    atexit.register(_release_owners)
                _owners[key] = self._lock_new_owner()
            return _owners[key][0]

    def _lock_new_owner(self) -> tuple[str, int]:
        while True:
            owner = os.urandom(4).hex()
            path = self.directory / f"{owner}{OWNER_SUFFIX}"
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            except FileExistsError:
                continue
            except OSError as error:
                raise StoreError(f"cannot create {path}: {error.strerror or error}") from error
            fcntl.flock(fd, fcntl.LOCK_EX)
            # Between the create and the lock, a process settling dead owners' calls could have taken the lock of
            # this new file and removed it as a dead owner's; then the lock we hold names no file: start again.
            try:
                same = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                return owner, fd
            os.close(fd)

    def owner_alive(self, owner: str) -> bool:
        """Whether the cpictl process that owns `owner` is still running (it holds its lock)."""
        if owner == self.own_owner:
            return True
        path = self.directory / f"{owner}{OWNER_SUFFIX}"
        try:
            fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            return False  # removed by whoever settled its calls: it was dead then
        except OSError:
            return True  # cannot tell: leave its calls alone
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return True
        finally:
            os.close(fd)  # drops the lock, if we took it
        return False

    def owners_with_files(self) -> set[str]:
        """Owners that have output files or a lock file here (cheap: one directory listing)."""
        try:
            names = os.listdir(self.directory)
        except OSError:
            return set()
        owners = set()
        for name in names:
            stem, _, suffix = name.rpartition(".")
            if f".{suffix}" == OWNER_SUFFIX:
                owners.add(stem)
            elif f".{suffix}" in OUTPUT_SUFFIXES:
                owners.add(owner_of(stem))
        return owners

    def files_of_owner(self, owner: str) -> list[Path]:
        try:
            names = os.listdir(self.directory)
        except OSError:
            return []
        return [self.directory / name for name in names
                if name == f"{owner}{OWNER_SUFFIX}" or name.startswith(f"{owner}-")]

    def remove_owner(self, owner: str) -> None:
        """Delete a dead owner's lock file (its calls are all settled)."""
        with contextlib.suppress(OSError):
            os.unlink(self.directory / f"{owner}{OWNER_SUFFIX}")

    def _ensure_directory(self) -> None:
        try:
            self.directory.mkdir(mode=0o700, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create the spool directory {self.directory}: {error.strerror or error}") \
                from error
