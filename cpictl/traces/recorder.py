"""Installing, inspecting and removing a recorder shim: the executable `DIR/cpi` a director or create-env runs in
place of its CPI (`cpictl record install|status|uninstall`).

The shim is a short Python script whose settings sit in one `CONFIG = {…}` line; everything it does is in
`cpictl.traces.shim`, imported when it runs, so upgrading cpictl upgrades every shim. Rules kept:
- It runs as the callers run a CPI — no argv, a bare environment (the director's PATH holds only the system
  directories) — so the interpreter is named by absolute path in its first line (the Python that installed it;
  through `/bin/sh` when the path is too long for a `#!` line) and cpictl's location is written into it.
- `-I -S`: no PYTHON* variable of the caller's changes it, no site-packages are scanned on the critical path
  (the background recorder loads them).
- Writing it never replaces the real CPI, nor any other file without `force`; it is written whole (a temporary
  file renamed), 0755.
"""

from __future__ import annotations

import ast
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SHIM_NAME = "cpi"
MARKER = "# cpictl recorder shim"
SHIM_FORMAT = 1
#: Linux reads at most this many bytes of a `#!` line (older kernels: 127).
_SHEBANG_MAX = 127

_TEMPLATE = '''{first_lines}
{marker} (format {format}), written by `cpictl record install`. It runs the CPI in CONFIG with this process's argv,
# environment and directory, passes stdin, stdout, stderr and the exit status through unchanged, and appends each
# call, judged and masked, to the trace. `cpictl record status` describes it; `cpictl record uninstall` removes it.
CONFIG = {config}
import sys
sys.dont_write_bytecode = True  # under the caller's limits (a file size cap) a .pyc written here could be torn
sys.path.append(CONFIG["cpictl_path"])
try:
    from cpictl.traces.shim import main
except BaseException as error:  # cpictl is gone or broken: the CPI runs in our place, untouched
    import os, _signal
    try:
        os.write(2, ("cpictl recorder: not recording: cannot load cpictl (%s: %s)\\n"
                     % (type(error).__name__, " ".join(str(error).split()))).encode("utf-8", "replace"))
    except OSError:
        pass
    _signal.signal(_signal.SIGPIPE, _signal.SIG_DFL)
    _signal.signal(_signal.SIGXFSZ, _signal.SIG_DFL)
    environment = {{}}  # as given: Python may have added LC_CTYPE to os.environ (see passthrough.given_environment)
    try:
        with open("/proc/self/environ", "rb") as handle:
            for entry in handle.read().split(b"\\0"):
                if b"=" in entry:
                    environment.setdefault(*entry.split(b"=", 1))
    except OSError:
        environment = os.environ
    try:
        os.execve(CONFIG["cpi"], [CONFIG["cpi"]] + sys.argv[1:], environment)
    except OSError as failure:
        os.write(2, ("cpictl recorder: cannot run the CPI %s: %s\\n" % (CONFIG["cpi"], failure.strerror)).encode())
        os._exit(127 if failure.errno == 2 else 126)
main(CONFIG)
'''


class RecorderError(Exception):
    """A shim cannot be installed, read or removed; the message says why and what to do."""


@dataclass(frozen=True)
class Shim:
    """An installed shim: where it is and what its CONFIG line says."""

    path: Path
    config: dict[str, Any]

    @property
    def cpi(self) -> str:
        return str(self.config["cpi"])

    @property
    def trace(self) -> Path:
        return Path(self.config["trace"])


def default_trace(directory: Path) -> Path:
    return directory / f"{SHIM_NAME}.trace.jsonl"


def install(cpi: str, directory: Path, *, trace: Path | None = None, caller: str = "auto", force: bool = False,
            python: str | None = None, min_free_bytes: int | None = None) -> Shim:
    """Write `directory/cpi`, a shim in front of `cpi`. Raises RecorderError."""
    cpi = os.path.abspath(cpi)  # abspath, not realpath: /var/vcap/jobs/x is a link that moves on redeploys
    directory = Path(os.path.abspath(directory))
    path = directory / SHIM_NAME
    _check_cpi(cpi)
    _check_place(path, cpi, force)
    trace = Path(os.path.abspath(trace)) if trace is not None else default_trace(directory)
    if trace == path or str(trace) == cpi:
        raise RecorderError(f"the trace cannot be {trace}: that is the {'shim' if trace == path else 'CPI'}")
    if caller not in ("auto", "director", "create-env"):
        raise RecorderError(f"--as: expected auto, director or create-env, got '{caller}'")
    python = python or sys.executable
    config: dict[str, Any] = {"format": SHIM_FORMAT, "cpi": cpi, "trace": str(trace), "as": caller,
                              "python": python, "cpictl_path": _cpictl_path()}
    if min_free_bytes is not None:
        config["min_free_bytes"] = min_free_bytes
    _write(path, shim_text(config, python))
    return Shim(path, config)


def shim_text(config: dict[str, Any], python: str) -> str:
    """The script: `#!python -IS`, or a /bin/sh line that execs it when the path is too long for `#!`."""
    if not os.path.isabs(python) or "'" in python or "\n" in python:
        raise RecorderError(f"the shim needs the Python interpreter by a plain absolute path, not {python!r}")
    first_lines = f"#!{python} -IS"
    if len(first_lines.encode()) > _SHEBANG_MAX or any(ch.isspace() for ch in python):
        # sh runs the second line; to Python it is a string expression, so the script stays one file
        first_lines = f"#!/bin/sh\n\"exec\" '{python}' \"-IS\" \"$0\" \"$@\""
    return _TEMPLATE.format(first_lines=first_lines, marker=MARKER, format=SHIM_FORMAT, config=repr(config))


def read_shim(path: Path) -> Shim | None:
    """The shim at `path` (a file, or a directory holding `cpi`), or None if it is not one of ours."""
    path = Path(os.path.abspath(path))
    if path.is_dir():
        path = path / SHIM_NAME
    try:
        with open(path, "rb") as handle:
            head = handle.read(64 * 1024).decode("utf-8", "replace")
    except OSError:
        return None
    if MARKER not in head:
        return None
    for line in head.splitlines():
        if line.startswith("CONFIG = "):
            try:
                config = ast.literal_eval(line[len("CONFIG = "):])
            except (ValueError, SyntaxError):
                return None
            if isinstance(config, dict) and isinstance(config.get("cpi"), str) and isinstance(
                    config.get("trace"), str):
                return Shim(path, config)
    return None


def uninstall(directory: Path) -> Shim:
    """Remove the shim in `directory` (the trace stays). Raises RecorderError if there is none."""
    shim = read_shim(directory)
    if shim is None:
        raise RecorderError(f"no recorder shim in {directory}")
    try:
        shim.path.unlink()
    except OSError as error:
        raise RecorderError(f"cannot remove {shim.path}: {error.strerror or error}") from error
    return shim


def _check_cpi(cpi: str) -> None:
    if not os.path.isfile(cpi):
        raise RecorderError(f"--cpi {cpi}: {'not a file' if os.path.exists(cpi) else 'no such file'}")
    if not os.access(cpi, os.X_OK):
        raise RecorderError(f"--cpi {cpi}: not executable")
    inner = read_shim(Path(cpi))
    if inner is not None:
        raise RecorderError(f"--cpi {cpi} is a recorder shim already (in front of {inner.cpi}); record in front of "
                            "that CPI instead")


def _check_place(path: Path, cpi: str, force: bool) -> None:
    if not os.path.lexists(path):
        return
    if os.path.exists(path) and os.path.samefile(path, cpi):
        raise RecorderError(f"{path} is the CPI itself: move it aside first (e.g. to {path}.real) and give that "
                            "as --cpi")
    if path.is_dir():
        raise RecorderError(f"{path} is a directory")
    if not force:
        raise RecorderError(f"{path} exists; --force replaces it")


def _cpictl_path() -> str:
    """The directory cpictl is imported from (a checkout, or site-packages)."""
    import cpictl

    return os.path.dirname(os.path.dirname(os.path.abspath(cpictl.__file__)))


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text)
        temporary.chmod(0o755)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise RecorderError(f"cannot write {path}: {error.strerror or error}") from error


def describe(shim: Shim) -> dict[str, Any]:
    """What `cpictl record status` shows: the shim's settings, whether what it needs is there, and what it has
    recorded (entries in the trace; failures of the background recorder, from `<trace>.errors`)."""
    from cpictl.traces.trace_file import TraceError, TraceFile

    python = str(shim.config.get("python", ""))
    document: dict[str, Any] = {
        "shim": str(shim.path), "cpi": shim.cpi, "cpi_runnable": os.access(shim.cpi, os.X_OK),
        "as": shim.config.get("as", "auto"), "python": python, "python_found": os.access(python, os.X_OK),
        "cpictl_path": shim.config.get("cpictl_path"),
        "cpictl_found": os.path.isfile(os.path.join(str(shim.config.get("cpictl_path")), "cpictl", "__init__.py")),
        "trace": str(shim.trace), "trace_bytes": _size(shim.trace), "calls_recorded": 0, "last_call": None,
        "recorder_errors": 0, "last_error": None}
    try:  # entries are numbered from 1 and never renumbered: the newest one's number is the count, read from the end
        document["last_call"] = last = TraceFile(shim.trace).last_entry()
        document["calls_recorded"] = last["n"] if last is not None else 0
    except TraceError as error:
        document["trace_problem"] = str(error)
        last = None
    if isinstance(last, dict):
        request = last.get("request") if isinstance(last.get("request"), dict) else {}
        document["last_call"] = {"n": last.get("n"), "time": last.get("time"), "method": request.get("method"),
                                 "exit_code": last.get("exit_code"), "signal": last.get("signal")}
    errors = Path(f"{shim.trace}.errors")
    try:
        lines = errors.read_text(errors="replace").splitlines()
    except OSError:
        lines = []
    if lines:
        document.update(recorder_errors=len(lines), last_error=lines[-1], errors_file=str(errors))
    return document


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None
