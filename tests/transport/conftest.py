"""Shared helpers for transport tests: paths of the misbehaving CPIs and process-group liveness checks."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

CPIS = Path(__file__).resolve().parent.parent / "cpis"


def cpi(name: str) -> str:
    path = CPIS / name
    assert path.exists(), f"missing test CPI {path}"
    return str(path)


def live_group_members(pgid: int) -> list[int]:
    """PIDs in process group `pgid` that are still running (zombies count as dead: they hold no pipes and run
    nothing, and in a container nobody may reap them)."""
    if not sys.platform.startswith("linux"):
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return []
        return [pgid]
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        state, group = fields[0], int(fields[2])
        if group == pgid and state not in (b"Z", b"X"):
            members.append(int(entry))
    return members


def assert_group_dies(pgid: int, within: float = 3.0) -> None:
    """SIGKILL'd processes take a moment to disappear; wait a bounded time for the group to be empty."""
    give_up = time.monotonic() + within
    while live_group_members(pgid):
        if time.monotonic() > give_up:
            pytest.fail(f"process group {pgid} still has live members: {live_group_members(pgid)}")
        time.sleep(0.02)


@pytest.fixture
def cpi_path():
    """`cpi_path("ok.sh")` -> absolute path of a test CPI in tests/cpis/."""
    return cpi


@pytest.fixture
def group_dies():
    """`group_dies(pgid)` fails the test unless the process group is empty within a few seconds."""
    return assert_group_dies


@pytest.fixture
def group_members():
    return live_group_members


@pytest.fixture(params=["pipes", "files"])
def outputs_for(request, tmp_path):
    """Run a test with the CPI's output in pipes (the default, as the callers give it) and in files (the spool of a
    call that must outlive cpictl): `run_cpi(..., outputs=outputs_for())` — both must behave alike."""
    from cpictl.transport.outputs import OutputFiles

    made = []

    def make():
        if request.param == "pipes":
            return None
        name = tmp_path / f"spool-{len(made)}"
        made.append(name)
        return OutputFiles.named(f"{name}.out", f"{name}.err")

    return make
