"""Helpers for `cpictl check` tests: the suite run in-process against the reference CPI's own code (fast: the fault
tests), or `cpictl check` run as a real subprocess (what users get: the CLI, reports, signals).

A subprocess run gets private state, config and reference-CPI directories of its own (`check_env`), so a
module-scoped run can serve several tests without touching the developer's state.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cpictl.conformance.engine import CheckRun
from cpictl.conformance.groups import GROUP_NAMES
from cpictl.conformance.results import CheckReport
from tests.conftest import cpictl_bin

CPIS = Path(__file__).resolve().parent / "cpis"
#: What `check_env` takes away from the caller's environment: settings that would change what is checked.
_UNSET = ("CPICTL_REFCPI_FAULTS", "CPICTL_REFCPI_API_VERSION", "CPICTL_SESSION", "CPICTL_TARGET")


def check_env(base: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _UNSET}
    env.update({"XDG_STATE_HOME": str(base / "state"), "XDG_CONFIG_HOME": str(base / "config"),
                "CPICTL_REFCPI_DIR": str(base / "refcpi"), "NO_COLOR": "1", "COLUMNS": "80", **extra})
    return env


@dataclasses.dataclass
class CheckProcess:
    proc: subprocess.CompletedProcess[str]
    report: dict[str, Any] | None
    base: Path

    @property
    def exit_code(self) -> int:
        return self.proc.returncode


def run_check(base: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 240) -> CheckProcess:
    """`cpictl check ARGS --report-json` in a subprocess; the report, when one was written."""
    base.mkdir(parents=True, exist_ok=True)
    report = base / "report.json"
    proc = subprocess.run([cpictl_bin(), "check", *args, "--report-json", str(report)], capture_output=True,
                          text=True, env=env or check_env(base), timeout=timeout, stdin=subprocess.DEVNULL)
    return CheckProcess(proc, json.loads(report.read_text()) if report.exists() else None, base)


def shared_check(factory: pytest.TempPathFactory, name: str, *args: str, **env: str) -> CheckProcess:
    """`run_check` made once per test session, whichever xdist worker asks first (a module-scoped fixture runs
    once per worker): the others wait on a lock and read what it left — its output, report and directories.
    `{base}` in an argument is the run's own directory."""
    from filelock import FileLock

    root = factory.getbasetemp()
    root = root.parent if root.name.startswith("popen-gw") else root  # the workers' common directory
    base, done = root / f"check-{name}", root / f"check-{name}.json"
    with FileLock(str(root / f"check-{name}.lock")):
        if not done.exists():
            run = run_check(base, *(arg.replace("{base}", str(base)) for arg in args), env=check_env(base, **env))
            done.write_text(json.dumps([run.proc.returncode, run.proc.stdout, run.proc.stderr]))
    code, out, err = json.loads(done.read_text())
    report = base / "report.json"
    return CheckProcess(subprocess.CompletedProcess(args, code, out, err),
                        json.loads(report.read_text()) if report.exists() else None, base)


def failing(report: dict[str, Any]) -> dict[str, set[str]]:
    """The failed checks by caller: {"director": {"disks.attach", …}, "create-env": {…}}."""
    found: dict[str, set[str]] = {caller["caller"]: set() for caller in report["callers"]}
    for check in report["checks"]:
        if check["status"] == "failed":
            found[check["caller"]].add(f"{check['group']}.{check['id']}")
    return found


def live_ids(base: Path, env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The session's live cloud IDs, as `cpictl ids -o json` lists them."""
    proc = subprocess.run([cpictl_bin(), "ids", "-o", "json"], capture_output=True, text=True,
                          env=env or check_env(base), timeout=60, check=True)
    return json.loads(proc.stdout)


def check_in_process(*, callers: tuple[str, ...] = ("director", "create-env"), groups: tuple[str, ...] = GROUP_NAMES,
                     journal: Path, variables: dict[str, Any] | None = None, extra: dict[str, Path] | None = None,
                     **flags: Any) -> CheckReport:
    """The suite as `cpictl check` runs it, in this process (with `inprocess_refcpi`: no CPI processes)."""
    from cpictl.cli.options import TargetOptions
    from cpictl.store import CloudIdStore
    from cpictl.targets.layers import TargetLayer

    options = TargetOptions(**flags)
    layer = TargetLayer("cpictl check", {})
    run = CheckRun(lambda caller: dataclasses.replace(options, caller=caller).build(layer), CloudIdStore(journal),
                   callers=list(callers), groups=list(groups), variables=variables or {}, extra=extra)
    return run.run()


def failing_in(report: CheckReport) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {run.caller: set() for run in report.callers}
    for result in report.failed:
        found[result.caller].add(result.key)
    return found


@pytest.fixture
def inprocess_refcpi(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The reference CPI's own code, called in-process (see tests/recipes/conftest.py)."""
    from tests.recipes.conftest import _inprocess_run_cpi

    monkeypatch.setattr("cpictl.session.run_cpi", _inprocess_run_cpi)
    yield
