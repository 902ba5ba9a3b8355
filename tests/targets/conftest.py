"""Named-target test helpers: config files in the user's and the project's place, and a CPI that tells what it got.

Every test runs with a private `$XDG_CONFIG_HOME` (tests/conftest.py); `project` moves the test into a directory
of its own, where `./cpictl.yml` is the project config.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from cpictl.cli.main import main
from tests.conftest import write_cpi
from tests.repl.conftest import inprocess_refcpi, journal, repl  # noqa: F401 - the REPL's fixtures, for :target

# Answers every call with what it received — the request, its argv, its working directory and the environment
# variables the tests set — and `info` as a real CPI would too (api_version 2, its formats), so a negotiating
# caller settles on 2.
TELLING_CPI = """
import json, os, sys
request = json.loads(sys.stdin.buffer.read())
told = {"request": request, "argv": sys.argv[1:], "cwd": os.getcwd(),
        "env": {k: v for k, v in os.environ.items() if k.startswith("T_")}}
if request["method"] == "info":
    told.update(api_version=2, stemcell_formats=["raw"])
json.dump({"result": told, "error": None, "log": ""}, sys.stdout)
"""


@pytest.fixture
def telling_cpi(tmp_path: Path) -> Path:
    (tmp_path / "bin").mkdir()
    return write_cpi(tmp_path / "bin" / "telling_cpi.py", TELLING_CPI)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project directory, the current one for the test."""
    directory = tmp_path / "project"
    directory.mkdir()
    monkeypatch.chdir(directory)
    return directory


def user_config_path(home: Path) -> Path:
    return home / "config" / "cpictl" / "config.yml"


def write_user_config(home: Path, text: str) -> Path:
    path = user_config_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def write_project_config(directory: Path, text: str) -> Path:
    path = directory / "cpictl.yml"
    path.write_text(textwrap.dedent(text))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def told(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    """What the telling CPI received for `cpictl call info ARGV -o json` (--show-secrets: the values as sent)."""
    code, out, err = run(capsys, "call", "info", *argv, "-o", "json", "--show-secrets")
    assert code == 0, err
    return json.loads(out)["response"]["result"]


PYTHON = sys.executable
