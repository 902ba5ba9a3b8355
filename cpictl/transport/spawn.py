"""Start a CPI process in its own session, and explain in one sentence why it could not be started.

Own session (`start_new_session`): the terminal's Ctrl-C reaches cpictl only, which then stops the CPI on purpose,
and the whole process group (the CPI and anything it started) can be killed with one `killpg`.
The executable is exec'd directly and never through a shell, so no argument is ever re-parsed: by
`os.posix_spawn` where it applies (`child.py`: less work per call), by `subprocess.Popen` otherwise — and
whenever other calls run in other threads of this process (`cpictl bench`): there posix_spawn holds up the other
threads while it runs, and Popen's fork does not. Measured with 8 threads spawning a trivial CPI on 2 cores:
~600 spawns/s with posix_spawn, ~850 with Popen (single-threaded the two are alike, posix_spawn a little ahead).
"""

from __future__ import annotations

import errno
import os
import subprocess

from .child import SpawnedCpi, spawn_with_posix_spawn
from .command import CpiCommand
from .errors import CpiNotRunnable, CpiWorkdirUnusable

#: Errors from exec that say "this path cannot be run"; anything else (EMFILE, ENOMEM, ...) is not the CPI's fault
#: and propagates unchanged.
_NOT_RUNNABLE_ERRNOS = frozenset(
    {
        errno.ENOENT,
        errno.EACCES,
        errno.EPERM,
        errno.EISDIR,
        errno.ENOEXEC,
        errno.ENOTDIR,
        errno.ETXTBSY,
        errno.ELOOP,
        errno.ENAMETOOLONG,
    }
)


def spawn_cpi(command: CpiCommand, stdout_fd: int, stderr_fd: int, *,
              concurrent: bool = False) -> subprocess.Popen[bytes] | SpawnedCpi:
    """Start the CPI with a pipe for its request and `stdout_fd`/`stderr_fd` as its output; raise CpiNotRunnable
    (or CpiWorkdirUnusable) if it cannot be exec'd. `concurrent`: other calls run in other threads now (Popen)."""
    if not command.argv:
        raise ValueError("CpiCommand.argv is empty; it needs at least the CPI executable")
    try:
        spawned = None if concurrent else spawn_with_posix_spawn(command, stdout_fd, stderr_fd)
        return spawned or subprocess.Popen(
            command.argv,
            stdin=subprocess.PIPE,
            stdout=stdout_fd,
            stderr=stderr_fd,
            bufsize=0,
            env=command.env,
            cwd=command.cwd,
            start_new_session=True,
        )
    except OSError as error:
        if error.errno not in _NOT_RUNNABLE_ERRNOS:
            raise
        raise explain_start_failure(command, error) from error


def explain_start_failure(command: CpiCommand, error: OSError) -> CpiNotRunnable:
    """Turn an exec error into a sentence a user can act on. exec's errno alone is ambiguous: ENOENT also means
    "the #! interpreter is missing", EACCES also means "that is a directory"."""
    cwd = command.cwd
    # subprocess reports a failed chdir with the cwd as filename; also check, in case the names coincide.
    if cwd is not None and (error.filename == cwd or not os.path.isdir(cwd)):
        return _workdir_error(cwd, error)
    name = command.argv[0]
    path = _locate(name, command.env)
    if path is None:
        return CpiNotRunnable(name, "not found", f"CPI executable not found on PATH: {name}{_here_hint(name)}")
    if error.errno == errno.ENOENT:
        return _explain_missing(path)
    if os.path.isdir(path) or error.errno == errno.EISDIR:
        return CpiNotRunnable(path, "is a directory", f"CPI path is a directory, not an executable: {path}")
    if error.errno in (errno.EACCES, errno.EPERM):
        if os.path.isfile(path) and not os.access(path, os.X_OK):
            return CpiNotRunnable(path, "not executable", f"CPI is not executable: {path} (chmod +x?)")
        return CpiNotRunnable(
            path, "permission denied", f"Permission denied running CPI: {path} (a parent directory, or a noexec mount?)"
        )
    if error.errno == errno.ENOEXEC:
        return CpiNotRunnable(
            path,
            "exec format error",
            f"CPI is not a valid executable: {path} (exec format error; a script needs a #! line)",
        )
    return CpiNotRunnable(path, error.strerror or "cannot execute", f"Cannot run CPI {path}: {error.strerror}")


def _workdir_error(cwd: str, error: OSError) -> CpiWorkdirUnusable:
    if not os.path.exists(cwd):
        return CpiWorkdirUnusable(cwd, "not found", f"CPI working directory does not exist: {cwd}")
    if not os.path.isdir(cwd):
        return CpiWorkdirUnusable(cwd, "not a directory", f"CPI working directory is not a directory: {cwd}")
    return CpiWorkdirUnusable(cwd, "cannot enter", f"Cannot enter CPI working directory {cwd}: {error.strerror}")


def _explain_missing(path: str) -> CpiNotRunnable:
    if os.path.islink(path) and not os.path.exists(path):
        return CpiNotRunnable(path, "broken symlink", f"CPI executable is a broken symlink: {path}")
    if not os.path.exists(path):
        return CpiNotRunnable(path, "not found", f"CPI executable not found: {path}")
    interpreter = _shebang_interpreter(path)
    if interpreter is not None:
        return CpiNotRunnable(
            path, "interpreter not found", f"CPI interpreter not found: {interpreter} (from the #! line of {path})"
        )
    return CpiNotRunnable(path, "not found", f"CPI executable or its loader not found: {path}")


def _locate(name: str, env: dict[str, str] | None) -> str | None:
    """The path exec would try for `name`: itself if it has a slash, else the first PATH entry holding it."""
    if os.sep in name:
        return name
    for directory in os.get_exec_path(env):
        candidate = os.path.join(directory, name)
        if os.path.lexists(candidate):
            return candidate
    return None


def _here_hint(name: str) -> str:
    """A bare name is looked up on PATH only, never in the current directory (as a shell does): when the file is
    right here, that is most likely what the user meant."""
    if os.path.isfile(name):
        return f" (there is ./{name} here: did you mean ./{name}?)"
    return ""


def _shebang_interpreter(path: str) -> str | None:
    try:
        with open(path, "rb") as script:
            first = script.readline(256)
    except OSError:
        return None
    if not first.startswith(b"#!"):
        return None
    words = first[2:].split()
    return words[0].decode("utf-8", errors="replace") if words else None
