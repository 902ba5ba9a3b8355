"""`cpictl --version` names cpictl's version and the Python running it (a bug report needs both)."""

from __future__ import annotations

import platform
import subprocess
import sys

from cpictl import __version__
from tests.conftest import cpictl_bin


def test_version_names_cpictl_and_its_python():
    done = subprocess.run([cpictl_bin(), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"cpictl {__version__} (Python {platform.python_version()}, ")
    assert sys.executable.rsplit("/", 1)[0].rsplit("/", 1)[0] in done.stdout  # this venv's interpreter
