"""Shared fixtures: every test runs with private XDG dirs, so nothing touches the developer's own state."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CPIS = ROOT / "tests" / "cpis"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("CPICTL_REFCPI_DIR", str(home / "refcpi"))
    monkeypatch.delenv("CPICTL_SESSION", raising=False)
    monkeypatch.delenv("CPICTL_REFCPI_FAULTS", raising=False)
    monkeypatch.delenv("CPICTL_REFCPI_API_VERSION", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    # wide enough that a long temporary path never wraps inside text a test looks for
    monkeypatch.setenv("COLUMNS", "200")
    return home


@pytest.fixture(autouse=True)
def forget_registry_passwords() -> Iterator[None]:
    """An embedded registry registers its password, and a built target its environment's secrets, for the whole
    process (`redaction.register_secret`), as a real cpictl process needs; a test worker lives on, and a later
    test's Redactor must not find them there."""
    from cpictl.protocol import redaction

    before = set(redaction._PROCESS_SECRETS)
    yield
    redaction.forget_process_secrets(keep=before)


#: For a toy CPI that answers no `info`: the api_version given, so no caller's negotiation runs before the call
#: (by default cpictl asks `info` first, as the director and create-env do).
NO_INFO = ("--api-version", "2")


def write_cpi(path: Path, body: str) -> Path:
    """A small Python CPI script for one test."""
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def echo_cpi(tmp_path: Path) -> Path:
    """A CPI that answers with the request it received (and its environment keys) as the result — to every method,
    `info` included: the result also holds what an info result holds, so a caller negotiates api_version 2."""
    return write_cpi(tmp_path / "echo_cpi.py", """
import json, os, sys
raw = sys.stdin.buffer.read()
request = json.loads(raw)
json.dump({"result": {"request": request, "raw": raw.decode(), "env": sorted(os.environ), "api_version": 2,
                      "stemcell_formats": ["raw"]},
           "error": None, "log": "echoed"}, sys.stdout)
""")


def cpictl_bin() -> str:
    return str(Path(sys.executable).parent / "cpictl")


@pytest.fixture
def run_env() -> dict[str, str]:
    return dict(os.environ)
