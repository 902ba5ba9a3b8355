"""The journal file: append JSON lines durably under a lock, and read them back tolerating a torn tail.

Rules this module keeps (issue 4, "nothing a CPI created is ever lost"):

* Append only. A line is never rewritten; state is derived by replaying (`cpictl.store.state`).
* One `write()` per batch and `fsync` before `append` returns, so a cloud ID is on disk before anyone shows it.
* Appends hold an exclusive lock on `<journal>.lock` (filelock), so concurrent cpictl processes neither interleave
  lines nor race the torn-tail repair below. Threads of one process (`cpictl bench`'s workers) are kept apart by
  the same lock: filelock's holds are per thread, each on a descriptor of its own, and `flock` locks conflict
  between descriptors of one process as between processes.
* A crash mid-write can leave a last line without its newline. The reader reports it and skips it; the next append
  first writes the missing newline so the new entry is not glued to the garbage.
* Files are created 0600 and the directories we create 0700: journals hold IPs and agent IDs of a cloud account.
"""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cpictl.input_limits import open_regular_file
from cpictl.store.errors import StoreError

LOCK_TIMEOUT_SECONDS = 30.0
#: How every line cpictl writes begins (`encode_line` keeps the entry's first key, the format version, first).
JOURNAL_SIGNATURE = b'{"v":'


@dataclass(frozen=True)
class JournalLine:
    """One decoded line and its 1-based line number (warnings and users count lines from 1)."""

    number: int
    entry: Any


@dataclass
class JournalRead:
    lines: list[JournalLine] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)
    torn_tail: bool = False


def encode_line(entry: dict[str, Any]) -> bytes:
    # ensure_ascii keeps every line encodable (lone surrogates included); default=str keeps an odd extra value
    # (a Path, a datetime) from losing the whole entry.
    return json.dumps(entry, separators=(",", ":"), default=str).encode("ascii") + b"\n"


def parse_lines(data: bytes, source: str) -> JournalRead:
    """Decode journal bytes; undecodable lines become warnings, a torn last line is flagged."""
    parts = data.split(b"\n")
    numbered = [(index + 1, raw) for index, raw in enumerate(parts) if raw.strip()]
    fast = _parse_all_at_once(numbered)
    if fast is not None:
        return fast
    read = JournalRead()
    last = len(parts)  # the line number of parts[-1], which is b"" when the file ends with a newline
    for number, raw in numbered:
        try:
            read.lines.append(JournalLine(number, json.loads(raw)))
        except RecursionError:  # only a hand-made line nests this deep; cpictl never writes one
            read.warnings.append((number, f"line {number} of {source} is nested too deeply to be a journal "
                                          "entry; skipped"))
        except ValueError:  # JSONDecodeError and UnicodeDecodeError both
            read.torn_tail = number == last
            problem = "is torn (crash mid-write?)" if read.torn_tail else "is not valid JSON (torn by a crash?)"
            read.warnings.append((number, f"line {number} of {source} {problem}; skipped"))
    return read


def _parse_all_at_once(numbered: list[tuple[int, bytes]]) -> JournalRead | None:
    """Decode a healthy journal as one JSON array, about twice as fast as line by line (REPL completion replays
    big journals). Only used when every line is one object; None sends the caller to the line-by-line path."""
    if not all(raw.lstrip().startswith(b"{") and raw.rstrip().endswith(b"}") for _, raw in numbered):
        return None
    try:
        entries = json.loads(b"[" + b",".join(raw for _, raw in numbered) + b"]")
    except (ValueError, RecursionError):
        return None
    if len(entries) != len(numbered):  # lines that only parse when glued together: go line by line
        return None
    pairs = zip(numbered, entries, strict=True)
    return JournalRead(lines=[JournalLine(number, entry) for (number, _), entry in pairs])


class Journal:
    """An append-only JSONL file with a sibling lock file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.lock_path = Path(f"{self.path}.lock")
        self._lock: Any = None  # filelock.FileLock, created on first use
        # Two threads making the FileLock at once would each hold a different one, and the first would release the
        # second's: its own flock would then be held for good.
        self._making_lock = threading.Lock()

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the exclusive journal lock (re-entrant within this object and thread; exclusive between threads)."""
        self._ensure_directory()
        import filelock  # here, not at module top: importing filelock costs start-up time

        with self._making_lock:
            if self._lock is None:
                self._refuse_foreign_file()  # before the lock file: nothing is written beside a file not ours
                try:  # a lock file that cannot exist would look like a lock held forever: say what is wrong at once
                    os.close(os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
                except OSError as error:
                    raise StoreError(f"cannot create the journal lock {self.lock_path}: "
                                     f"{error.strerror or error}") from error
                self._lock = filelock.FileLock(self.lock_path, timeout=LOCK_TIMEOUT_SECONDS, mode=0o600,
                                               thread_local=True)
        lock = self._lock
        try:
            lock.acquire()
        except filelock.Timeout as error:
            raise StoreError(
                f"journal {self.path} is still locked by another cpictl process after "
                f"{LOCK_TIMEOUT_SECONDS:.0f} s (lock file {self.lock_path})"
            ) from error
        except OSError as error:
            raise StoreError(f"cannot lock journal {self.path}: {error}") from error
        try:
            yield
        finally:
            lock.release()

    def append(self, entries: Sequence[dict[str, Any]]) -> None:
        """Append entries as lines and fsync before returning; raise StoreError if they may not be on disk."""
        if not entries:
            return
        data = b"".join(encode_line(entry) for entry in entries)
        with self.locked():
            try:
                self._append_bytes(data)
            except OSError as error:
                raise StoreError(f"cannot write journal {self.path}: {error.strerror or error}") from error

    def check_writable(self) -> None:
        """Raise StoreError unless an append could happen now: directory, lock and file all usable.

        Called before a CPI runs, so a journal that cannot take the new cloud ID stops the call instead of
        losing the ID after the CPI made it."""
        with self.locked():
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError as error:
                raise StoreError(f"cannot write journal {self.path}: {error.strerror or error}") from error
            try:
                self._refuse_foreign(fd)
            finally:
                os.close(fd)

    def _refuse_foreign_file(self) -> None:
        try:
            fd = open_regular_file(self.path)
        except FileNotFoundError:
            return
        except OSError as error:  # a FIFO would block a plain open; a device is no journal
            raise StoreError(f"cannot use journal {self.path}: {error.strerror or error}") from error
        try:
            self._refuse_foreign(fd)
        finally:
            os.close(fd)

    def _refuse_foreign(self, fd: int) -> None:
        """Raise StoreError when the file is not one of our journals: appending to, say, a create-env state file
        given as `--state` would break it for `bosh create-env`. Only a regular file with content is judged."""
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode) or not status.st_size:
            return
        start = os.pread(fd, len(JOURNAL_SIGNATURE) + 64, 0)
        if start.strip() and not start.lstrip().startswith(JOURNAL_SIGNATURE):
            raise StoreError(f"{self.path} is not a cpictl journal, so cpictl will neither read nor write it. A "
                             "create-env state file is imported with `cpictl ids import-state FILE`; --state "
                             "names a journal of cpictl's own (a new file is fine)")

    def _append_bytes(self, data: bytes) -> None:
        existed = self.path.exists()
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            status = os.fstat(fd)
            self._refuse_foreign(fd)
            if status.st_mode & 0o077:  # created by hand or by an older tool: tighten, never loosen
                os.fchmod(fd, 0o600)
            if status.st_size and os.pread(fd, 1, status.st_size - 1) != b"\n":
                data = b"\n" + data  # terminate a torn tail first
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if not existed:
            _fsync_directory(self.path.parent)  # a new file's directory entry must survive a crash too

    def read(self) -> JournalRead:
        """Read every line. A torn tail is re-read under the lock: it may be a concurrent append in flight."""
        data = self._read_bytes()
        if data.strip() and not data.lstrip().startswith(JOURNAL_SIGNATURE):
            self._refuse_foreign_file()
        read = parse_lines(data, str(self.path))
        if read.torn_tail:
            try:
                with self.locked():
                    read = parse_lines(self._read_bytes(), str(self.path))
            except StoreError:
                pass  # no lock to be had (a read-only directory): what was read stands, the torn line a warning
        return read

    def _read_bytes(self) -> bytes:
        # Only a regular file: `--state /dev/zero` would be read forever, and a FIFO would block the open.
        try:
            fd = open_regular_file(self.path)
        except FileNotFoundError:
            return b""
        except OSError as error:
            raise StoreError(f"cannot read journal {self.path}: {error.strerror or error}") from error
        try:
            with os.fdopen(fd, "rb", closefd=False) as stream:
                return stream.read()
        except OSError as error:
            raise StoreError(f"cannot read journal {self.path}: {error.strerror or error}") from error
        finally:
            os.close(fd)

    def signature(self) -> tuple[int, int, int] | None:
        """(inode, size, mtime) — changes on every append, so a replay can be reused while it stays the same."""
        try:
            status = self.path.stat()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise StoreError(f"cannot read journal {self.path}: {error.strerror or error}") from error
        return (status.st_ino, status.st_size, status.st_mtime_ns)

    def check_regular(self) -> None:
        """Raise StoreError unless the journal is a regular file or does not exist yet (not /dev/full, a FIFO …):
        calls keep their output files beside it, and a device cannot hold a journal."""
        try:
            status = self.path.stat()
        except FileNotFoundError:
            return
        except OSError as error:
            raise StoreError(f"cannot write journal {self.path}: {error.strerror or error}") from error
        if not stat.S_ISREG(status.st_mode):
            what = "a directory" if stat.S_ISDIR(status.st_mode) else "not a regular file"
            raise StoreError(f"cannot write journal {self.path}: {what}")

    def ensure_directory(self) -> None:
        self._ensure_directory()

    def _ensure_directory(self) -> None:
        directory = self.path.parent
        if directory.is_dir():
            return
        missing = []
        while not directory.exists():
            missing.append(directory)
            directory = directory.parent
        try:
            for path in reversed(missing):  # mkdir(parents=True) would ignore the mode for the parents
                path.mkdir(mode=0o700, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot create the journal directory {self.path.parent}: {error}") from error


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return  # some filesystems refuse to open directories; the data itself is already synced
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
