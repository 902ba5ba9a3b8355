"""The state directory: where it is, what is in it, and that the read-only views see what calls wrote."""

from __future__ import annotations

import json
import os

import pytest

from cpictl.refcpi import read_state, read_vm_settings, state_dir
from cpictl.refcpi.ids import format_uuid4
from cpictl.refcpi.state import StateStore


@pytest.mark.parametrize(("env", "override", "expected"), [
    ({"CPICTL_REFCPI_DIR": "/x/refcpi", "XDG_STATE_HOME": "/xdg", "HOME": "/h"}, "/opt", "/opt"),
    ({"CPICTL_REFCPI_DIR": "/x/refcpi", "XDG_STATE_HOME": "/xdg", "HOME": "/h"}, None, "/x/refcpi"),
    ({"XDG_STATE_HOME": "/xdg", "HOME": "/h"}, None, "/xdg/cpictl/refcpi"),
    ({"HOME": "/h"}, None, "/h/.local/state/cpictl/refcpi"),
    ({"CPICTL_REFCPI_DIR": "", "XDG_STATE_HOME": "", "HOME": "/h"}, None, "/h/.local/state/cpictl/refcpi"),
])
def test_state_dir_resolution(env, override, expected) -> None:
    assert state_dir(env, override) == expected


def test_layout_after_a_few_calls(cpi, stemcell) -> None:
    vm_v2 = cpi.vm(stemcell)
    vm_v1 = cpi.vm(stemcell, api_version=1, stemcell=1)
    cpi.ok("create_disk", 1, {}, None, env={"CPICTL_REFCPI_FAULTS": "create_disk=fail-first:0"})
    files = sorted(str(p.relative_to(cpi.state_dir)) for p in cpi.state_dir.rglob("*") if p.is_file())
    assert files == sorted(["faults/create_disk.count", f"registry/{vm_v1}.json", "state.json", "state.lock",
                            f"user-metadata/{vm_v1}.json", f"user-metadata/{vm_v2}.json"])
    state = read_state(str(cpi.state_dir))
    assert set(state) >= {"stemcells", "vms", "disks", "snapshots", "networks"}
    assert set(state["vms"]) == {vm_v1, vm_v2}
    assert read_vm_settings(str(cpi.state_dir), vm_v2)["user_metadata"]["agent_id"] == "agent-1"


def test_read_views_of_an_empty_directory(tmp_path) -> None:
    assert read_state(str(tmp_path / "none"))["vms"] == {}
    assert read_vm_settings(str(tmp_path / "none"), "vm-1") == {"user_metadata": None, "registry": None}


def test_failed_transaction_writes_nothing(tmp_path) -> None:
    store = StateStore(str(tmp_path / "s"))
    with store.transaction() as state:
        state["vms"]["vm-1"] = {}
    with pytest.raises(RuntimeError), store.transaction() as state:
        state["vms"]["vm-2"] = {}
        raise RuntimeError("handler failed")
    assert set(json.loads((tmp_path / "s" / "state.json").read_text())["vms"]) == {"vm-1"}


def test_unchanged_state_is_not_rewritten(tmp_path) -> None:
    store = StateStore(str(tmp_path / "s"))
    with store.transaction() as state:
        state["disks"]["disk-1"] = {"size": 1}
    before = os.stat(tmp_path / "s" / "state.json").st_mtime_ns
    with store.transaction() as state:
        assert "disk-1" in state["disks"]
    assert os.stat(tmp_path / "s" / "state.json").st_mtime_ns == before


def test_format_uuid4() -> None:
    assert format_uuid4(bytes(16)) == "00000000-0000-4000-8000-000000000000"
    assert format_uuid4(b"\xff" * 16) == "ffffffff-ffff-4fff-bfff-ffffffffffff"
