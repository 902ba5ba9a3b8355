"""The files a CPI writes its stdout and stderr into, instead of pipes, when its answer must outlive cpictl (a call
that may create or delete a cloud ID; `output_pipes.py` serves the others).

With pipes, a cpictl killed by SIGKILL takes the read ends with it: the CPI, which leads its own session and lives
on, creates its VM and then dies of SIGPIPE (or writes its answer into a pipe nobody reads), and the VM's ID is
lost. A file keeps whatever the CPI writes, whoever is left to read it; a later cpictl finds the answer there
(`cpictl.store.interrupted`). Rules kept:

- The CPI gets write-only, append-mode descriptors; cpictl keeps read-only ones and no writer of its own, so
  "does anyone still hold this file open for writing?" is one `F_SETLEASE` call (a read lease is refused while a
  writer exists). That is how the runner knows a child still holds the CPI's output after it exited (what a
  caller reading pipes would wait for), and how a later cpictl knows an orphaned CPI is still running.
- Disk and memory stay bounded whatever the CPI prints: stdout beyond the limit and stderr already read are
  released with `fallocate(PUNCH_HOLE)` (file sizes keep counting every byte; the blocks are freed), or, where the
  filesystem cannot punch holes, by truncation.
- Files are created 0600 with O_EXCL: a CPI's output can hold secrets, and nothing may be written through a name
  someone else prepared.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Callable

#: Linux's F_SETLEASE, for Pythons whose fcntl module does not name it.
_F_SETLEASE = getattr(fcntl, "F_SETLEASE", 1024)
_FALLOC_PUNCH_HOLE = 0x01 | 0x02  # FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE
#: Bytes asked for per read.
READ_CHUNK = 256 * 1024
#: How much of stdout is kept once it outgrew its limit: enough for a preview; the answer is unusable anyway.
TRUNCATED_HEAD = 64 * 1024
#: Stderr already read is released from the disk once this much of it has piled up.
STDERR_RELEASE = 8 * 1024 * 1024


class OutputFiles:
    """The stdout and stderr files of one CPI run: the CPI's write ends, cpictl's read ends, and their upkeep."""

    def __init__(self, stdout_path: str, stderr_path: str, *, keep_names: bool) -> None:
        self.paths = (stdout_path, stderr_path)
        self.keep_names = keep_names
        self._child: list[int] = []
        self._read: list[int] = []
        try:
            for path in self.paths:
                self._child.append(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC,
                                           0o600))
                self._read.append(os.open(path, os.O_RDONLY | os.O_CLOEXEC))
        except BaseException:
            self.close()
            self._unlink()
            raise
        if not keep_names:
            self._unlink()  # nobody needs the names: no file is ever left behind, whatever happens to us
        self.stderr_offset = 0  # what has been read of stderr so far
        self._stderr_freed = 0  # stderr bytes before this offset no longer take disk space
        self.stdout_head: bytes | None = None  # set once stdout outgrew its limit
        self._stdout_freed = 0
        self._stdout_counted = 0  # stdout bytes counted before a truncation (where holes cannot be punched)
        self._can_punch = True

    @classmethod
    def named(cls, stdout_path: str, stderr_path: str) -> OutputFiles:
        """Files that stay on disk after the run (the session's spool): the caller removes them."""
        return cls(stdout_path, stderr_path, keep_names=True)

    @classmethod
    def anonymous(cls, directory: str | None = None) -> OutputFiles:
        """Files without names, for a run whose answer needs no keeping beyond this process."""
        name = f"cpictl-{os.getpid()}-{os.urandom(6).hex()}"
        try:
            base = os.path.join(directory or os.environ.get("TMPDIR") or "/tmp", name)
            return cls(base + ".out", base + ".err", keep_names=False)
        except OSError:
            import tempfile  # its search for a usable directory costs a millisecond of start-up: only when needed

            base = os.path.join(tempfile.gettempdir(), name)
            return cls(base + ".out", base + ".err", keep_names=False)

    @property
    def child_descriptors(self) -> tuple[int, int]:
        """The CPI's stdout and stderr (write-only, append)."""
        return self._child[0], self._child[1]

    def attach(self, poller: object, feed_stderr: Callable[[bytes], None]) -> None:
        """Nothing to register: files are looked at on every wake-up (`drain_stderr`, `watch_stdout`)."""

    def close_child_ends(self) -> None:
        """After the spawn: only the CPI (and what it starts) may hold the files open for writing."""
        for fd in self._child:
            os.close(fd)
        self._child.clear()

    def close(self) -> None:
        """Close every descriptor we hold; the files (when named) stay. Safe to call twice."""
        for fd in (*self._child, *self._read):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._child.clear()
        self._read.clear()

    def remove(self) -> None:
        """Close and delete the files (once their content is safely recorded elsewhere)."""
        self.close()
        self._unlink()

    def _unlink(self) -> None:
        for path in self.paths:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    # -- stderr ------------------------------------------------------------------------------------------------

    def drain_stderr(self, feed: Callable[[bytes], None]) -> None:
        """Hand every stderr byte written since the last call to `feed`; free what was read once it piles up."""
        fd = self._read[1]
        while True:
            chunk = os.pread(fd, READ_CHUNK, self.stderr_offset)
            if not chunk:
                break
            self.stderr_offset += len(chunk)
            feed(chunk)
        if self.stderr_offset - self._stderr_freed < STDERR_RELEASE:
            return
        if self._punch(fd, self._stderr_freed, self.stderr_offset):
            self._stderr_freed = self.stderr_offset
        elif os.fstat(fd).st_size == self.stderr_offset and _truncate(fd):
            # Bytes the CPI writes between our look at the size and the truncation are lost: a flood's middle.
            self.stderr_offset = self._stderr_freed = 0

    # -- stdout ------------------------------------------------------------------------------------------------

    def watch_stdout(self, limit: int) -> bool:
        """Keep stdout within `limit` bytes on disk: past it, keep a short head and free the rest as it comes.
        True while stdout floods past its limit (the caller then looks again sooner)."""
        fd = self._read[0]
        size = os.fstat(fd).st_size
        if self.stdout_head is None:
            if size <= limit:
                return False
            self.stdout_head = os.pread(fd, min(limit, TRUNCATED_HEAD), 0)
        if size - self._stdout_freed < READ_CHUNK:
            return False
        if self._punch(fd, self._stdout_freed, size):
            self._stdout_freed = size
        elif _truncate(fd):  # bytes written meanwhile go uncounted; the answer is unusable anyway
            self._stdout_counted += size
            self._stdout_freed = 0
        return True

    def stdout_bytes(self) -> int:
        """Every byte the CPI wrote on stdout, also those past the limit."""
        return os.fstat(self._read[0]).st_size + self._stdout_counted

    def read_stdout(self, limit: int) -> tuple[bytes, bool]:
        """(what the CPI wrote on stdout, whether it was cut at `limit`). Call when the CPI is done."""
        self.watch_stdout(limit)
        if self.stdout_head is not None:
            return self.stdout_head, True
        fd = self._read[0]
        size = os.fstat(fd).st_size
        data = os.pread(fd, size, 0) if size else b""
        while len(data) < size:  # a short read: read the rest
            more = os.pread(fd, size - len(data), len(data))
            if not more:
                break
            data += more
        return data, False

    # -- upkeep ------------------------------------------------------------------------------------------------

    def _punch(self, read_fd: int, start: int, end: int) -> bool:
        """Free the disk blocks of bytes [start, end); False where this filesystem cannot."""
        if self._can_punch:
            self._can_punch = _punch_hole(read_fd, start, end)
        return self._can_punch

    def still_written(self) -> bool:
        """Whether any process still holds one of the files open for writing (the CPI, or something it started)."""
        return any(has_writer(fd) for fd in self._read)

    def writer_pids(self) -> list[int]:
        """The processes that hold one of the files open for writing (Linux; empty where /proc cannot say)."""
        from .holders import processes_holding

        return processes_holding([os.fstat(fd) for fd in self._read])


def has_writer(fd: int) -> bool:
    """Whether any process holds the file behind `fd` open for writing (`fd` itself must be read-only)."""
    try:
        fcntl.fcntl(fd, _F_SETLEASE, fcntl.F_RDLCK)
    except OSError as error:
        if error.errno in (errno.EAGAIN, errno.EBUSY):
            return True
        # Leases unsupported here (NFS, leases disabled): ask /proc, or assume no writer where it cannot say.
        from .holders import processes_holding

        return bool(processes_holding([os.fstat(fd)]))
    fcntl.fcntl(fd, _F_SETLEASE, fcntl.F_UNLCK)
    return False


def _writable_twin(read_fd: int) -> int | None:
    """A short-lived write descriptor for the file behind `read_fd` (also when it has no name)."""
    try:
        return os.open(f"/proc/self/fd/{read_fd}", os.O_WRONLY | os.O_CLOEXEC)
    except OSError:
        return None


def _punch_hole(read_fd: int, start: int, end: int) -> bool:
    if end <= start:
        return True
    fd = _writable_twin(read_fd)
    if fd is None:
        return False
    try:
        return _fallocate(fd, _FALLOC_PUNCH_HOLE, start, end - start)
    finally:
        os.close(fd)


def _truncate(read_fd: int) -> bool:
    fd = _writable_twin(read_fd)
    if fd is None:
        return False
    try:
        os.ftruncate(fd, 0)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _fallocate(fd: int, mode: int, offset: int, length: int) -> bool:
    """libc's fallocate(2), which Python does not wrap; loaded only on this rare path (a flood of output)."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.fallocate
    except (OSError, AttributeError):
        return False
    function.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong]
    return bool(function(fd, mode, offset, length) == 0)
