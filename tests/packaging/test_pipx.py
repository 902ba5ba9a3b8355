"""`pipx install .` of the checkout, as the README tells users to install cpictl: a working `cpictl` and
`cpictl-refcpi` in pipx's bin directory, each in its own virtual environment."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.packaging.conftest import INSTALL_TIMEOUT, copy_of_checkout, pip_env, run


def test_pipx_install_of_the_checkout_gives_a_working_cpictl(tmp_path: Path):
    source = copy_of_checkout(tmp_path / "checkout")  # pipx builds in the tree it is given
    home, bin_dir = tmp_path / "pipx", tmp_path / "bin"
    env = {**pip_env(), "PIPX_HOME": str(home), "PIPX_BIN_DIR": str(bin_dir), "PIPX_MAN_DIR": str(tmp_path / "man")}
    run([sys.executable, "-m", "pipx", "install", source], cwd=tmp_path, env=env, timeout=INSTALL_TIMEOUT)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    assert (bin_dir / "cpictl-refcpi").exists()
    version = run([bin_dir / "cpictl", "--version"], cwd=elsewhere, env=env).stdout
    assert str(home / "venvs" / "cpictl") in version  # pipx's own environment for cpictl
    info = json.loads(run([bin_dir / "cpictl", "call", "info", "-o", "json"], cwd=elsewhere, env=env).stdout)
    assert info["exit_code"] == 0 and info["response"]["result"]["api_version"] >= 1
    listed = json.loads(run([bin_dir / "cpictl", "recipe", "list", "-o", "json"], cwd=elsewhere, env=env).stdout)
    assert Path(next(row["file"] for row in listed if row["name"] == "walkthrough")).is_relative_to(home)
