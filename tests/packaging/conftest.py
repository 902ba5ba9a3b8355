"""Shared by the packaging tests: a copy of the checkout outside it (a build writes `build/` and `*.egg-info` into
its source tree, and the checkout must stay as it is), the wheel built from such a copy once per test run, and
running an installed cpictl as a user would — from a directory that is not the checkout, with nothing of the
checkout on the path."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

#: Minutes, not seconds: installing resolves the dependencies through pip (its cache, or the registry).
INSTALL_TIMEOUT = 900
COMMAND_TIMEOUT = 300
#: What only the tests and the linters need: none of it may come with an installed cpictl.
DEVELOPMENT_TOOLS = {"pytest", "pytest-xdist", "ruff", "mypy", "import-linter", "hypothesis", "pexpect", "pipx"}


def copy_of_checkout(destination: Path) -> Path:
    """The checkout's files, without git, virtual environments, caches and earlier builds."""
    shutil.copytree(ROOT, destination, ignore=shutil.ignore_patterns(
        ".*", "__pycache__", "build", "dist", "*.egg-info"), symlinks=True)
    return destination


def pip_env() -> dict[str, str]:
    """The environment for pip: this one (its index settings too), without anything that points Python at the
    checkout or at this test run's virtual environment."""
    env = {name: value for name, value in os.environ.items()
           if name not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    return env


def run(argv: list[str | Path], cwd: Path, env: dict[str, str], timeout: float = COMMAND_TIMEOUT,
        stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command; a failure shows what it printed."""
    proc = subprocess.run([str(word) for word in argv], cwd=cwd, env=env, capture_output=True, timeout=timeout,
                          input=stdin.decode() if stdin is not None else None, text=True)
    assert proc.returncode == 0, f"{argv} exited {proc.returncode}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc


@dataclass(frozen=True)
class BuiltWheel:
    path: Path
    log: str  # pip's verbose output, the build backend's included


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> BuiltWheel:
    """`pip wheel --no-deps -v` of a copy of the checkout, built once for all xdist workers of this run (the
    parent of their base temps is theirs alone) and outside the checkout."""
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    out, log = shared / "wheel", shared / "wheel" / "build.log"
    with open(shared / "wheel.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not log.exists():
            source = copy_of_checkout(shared / "wheel-source")
            proc = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", out, source], cwd=shared,
                       env=pip_env(), timeout=INSTALL_TIMEOUT)
            log.write_text(proc.stdout + proc.stderr)
    [wheel] = out.glob("cpictl-*.whl")
    return BuiltWheel(wheel, log.read_text())
