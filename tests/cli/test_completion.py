"""Shell completion: the committed scripts are current, and completion offers IDs of the slot's kind."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from scripts.gen_completions import OUT, scripts
from tests.conftest import cpictl_bin


def complete(words: str) -> list[str]:
    env = {**os.environ, "_CPICTL_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split(" ")) - 1)}
    proc = subprocess.run([cpictl_bin()], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_committed_completion_scripts_are_current():
    for file, text in scripts().items():
        assert (OUT / file).read_text() == text, f"completions/{file} is stale: run scripts/gen_completions.py"


def test_method_names_complete():
    assert complete("cpictl call attach_") == ["attach_disk"]
    assert "describe" not in complete("cpictl describe cre") and "create_vm" in complete("cpictl describe cre")


@pytest.fixture
def stemcell_and_vm(tmp_path) -> tuple[str, str]:
    """A stemcell and a VM made from it in the session, by real `cpictl call` processes."""
    image = tmp_path / "image"
    image.write_text("x")
    run = {"capture_output": True, "timeout": 120, "check": True}
    stemcell = json.loads(subprocess.run([cpictl_bin(), "call", "create_stemcell", str(image), "{}"],
                                         **run).stdout)["cloud_ids"]["created"][0]["cid"]
    vm = json.loads(subprocess.run([cpictl_bin(), "call", "create_vm", "a", stemcell, "{}", "{d: {type: dynamic}}"],
                                   **run).stdout)["cloud_ids"]["created"][0]["cid"]
    return stemcell, vm


def test_argument_slots_offer_live_ids_of_their_kind_only(stemcell_and_vm):
    stemcell, vm = stemcell_and_vm
    assert complete("cpictl call delete_vm ") == [vm]
    assert complete("cpictl call create_vm agent-1 ") == [stemcell]
    assert complete("cpictl call delete_disk ") == []


def test_metadata_show_offers_vms_and_ids_forget_offers_every_live_id(stemcell_and_vm):
    stemcell, vm = stemcell_and_vm
    assert complete("cpictl metadata show ") == [vm]
    assert complete("cpictl ids forget ") == [vm, stemcell]  # newest first
    assert complete(f"cpictl ids forget {stemcell[:-1]}") == [stemcell]
