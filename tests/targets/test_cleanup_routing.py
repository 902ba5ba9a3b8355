"""Cleanup reaches each ID through the named target that made it, even when two targets run the same executable."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.targets.conftest import run, write_user_config


def two_accounts(home: Path, tmp_path: Path) -> dict[str, Path]:
    """Two targets running the same reference CPI against different accounts (state directories), dev the
    default."""
    accounts = {name: tmp_path / f"account-{name}" for name in ("dev", "prod")}
    command = f"[{sys.executable}, -m, cpictl.refcpi]"
    write_user_config(home, f"""
        default: dev
        targets:
          dev: {{cpi: {command}, env: {{CPICTL_REFCPI_DIR: {accounts["dev"]}}}}}
          prod: {{cpi: {command}, env: {{CPICTL_REFCPI_DIR: {accounts["prod"]}}}, as: create-env}}
        """)
    return accounts


def disks_in(account: Path) -> set[str]:
    """The disks the reference CPI holds in one account."""
    state = account / "state.json"
    return set(json.loads(state.read_text())["disks"]) if state.exists() else set()


def create_disk(capsys, *argv: str) -> str:
    code, out, err = run(capsys, "call", "create_disk", "1024", "{}", "-o", "json", *argv)
    assert code == 0, err
    return json.loads(out)["response"]["result"]


def test_cleanup_deletes_each_disk_in_the_account_of_the_target_that_made_it(capsys, isolated_home, tmp_path,
                                                                           monkeypatch):
    accounts = two_accounts(isolated_home, tmp_path)
    monkeypatch.chdir(tmp_path)
    in_prod = create_disk(capsys, "--target", "prod")
    in_dev = create_disk(capsys)  # the default target
    assert in_prod in disks_in(accounts["prod"]) and in_dev in disks_in(accounts["dev"])

    code, out, err = run(capsys, "cleanup", "--yes", "-o", "json")
    assert code == 0, err + out
    assert disks_in(accounts["prod"]) == set() and disks_in(accounts["dev"]) == set()
    code, out, _ = run(capsys, "ids", "-o", "json")
    assert code == 0 and all(record["status"] == "deleted" for record in json.loads(out))
