"""Completion offers first what the call can work on: disks free to attach, disks attached to the VM to detach
from, and recipes (not any file) for `:run`."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent, Completion
from prompt_toolkit.document import Document

from cpictl.protocol.catalogue import CloudIdChanges
from cpictl.protocol.kinds import CloudIdKind
from cpictl.repl.completer import ReplCompleter
from cpictl.repl.metacommands import default_registry
from cpictl.repl.state import ReplState
from cpictl.store import CloudIdStore
from tests.repl.conftest import ROOT, reference_target

EVENT = CompleteEvent(completion_requested=True)


def create(store: CloudIdStore, kind: CloudIdKind, cid: str) -> None:
    store.record(method=f"create_{kind.value}", request_id="cpi-1", target=["cpi"],
                 changes=CloudIdChanges(created=[(kind, cid)]))


def attach(store: CloudIdStore, vm: str, disk: str) -> None:
    store.record(method="attach_disk", request_id="cpi-2", target=["cpi"], changes=CloudIdChanges(attached=(vm, disk)))


@pytest.fixture
def completer(journal: Path) -> ReplCompleter:
    """vm-a holds disk-on-a, vm-b (the newest VM) holds disk-on-b; disk-free is newest and attached to nothing."""
    store = CloudIdStore(journal)
    create(store, CloudIdKind.VM, "vm-a")
    create(store, CloudIdKind.VM, "vm-b")
    create(store, CloudIdKind.DISK, "disk-on-a")
    create(store, CloudIdKind.DISK, "disk-on-b")
    create(store, CloudIdKind.DISK, "disk-free")
    attach(store, "vm-a", "disk-on-a")
    attach(store, "vm-b", "disk-on-b")
    return ReplCompleter(ReplState(reference_target(), store), default_registry())


def complete(completer: ReplCompleter, text: str) -> list[Completion]:
    return list(completer.get_completions(Document(text, len(text)), EVENT))


def offered(completer: ReplCompleter, text: str) -> list[tuple[str, bool]]:
    """(cid, dimmed) in the order offered."""
    return [(c.text, bool(c.style)) for c in complete(completer, text) if c.text.startswith("disk-")]


def test_attach_disk_offers_unattached_disks_first_and_the_attached_ones_last_dimmed(
        completer: ReplCompleter) -> None:
    assert offered(completer, "attach_disk vm-a ") == [("disk-free", False), ("disk-on-b", True),
                                                        ("disk-on-a", True)]
    attached = next(c for c in complete(completer, "attach_disk vm-a ") if c.text == "disk-on-a")
    assert "attached to vm-a" in attached.display_meta_text
    assert offered(completer, "attach_disk vm-a disk-on") == [("disk-on-b", True), ("disk-on-a", True)]


def test_detach_disk_offers_the_disks_attached_to_that_vm_first(completer: ReplCompleter) -> None:
    assert offered(completer, "detach_disk vm-a ") == [("disk-on-a", False), ("disk-free", True),
                                                        ("disk-on-b", True)]
    assert offered(completer, "detach_disk vm_cid=vm-a disk_cid=")[0] == ("disk-on-a", False)


def test_detach_disk_follows_a_vm_reference(completer: ReplCompleter) -> None:
    assert offered(completer, "detach_disk ${vm} ")[0] == ("disk-on-b", False)  # ${vm} is vm-b, the newest
    completer.state.variables["old_vm"] = "vm-a"
    assert offered(completer, "detach_disk ${old_vm} ")[0] == ("disk-on-a", False)


def test_the_order_follows_the_journal(completer: ReplCompleter) -> None:
    store = completer.state.store
    offered(completer, "attach_disk vm-a ")
    attach(store, "vm-a", "disk-free")
    time.sleep(0.01)  # a distinct mtime even on coarse filesystems
    assert offered(completer, "attach_disk vm-a ")[0] == ("disk-free", True)  # nothing is free any more


def test_run_offers_recipes_then_directories_and_no_other_files(completer: ReplCompleter) -> None:
    found = [c.display_text for c in complete(completer, f":run {ROOT}/recipes/")]
    assert "README.md" not in found
    recipes = [name for name in found if name.endswith((".yml", ".yaml"))]
    assert recipes and found[: len(recipes)] == recipes  # the recipes first
    assert "assets/" in found and "common/" in found


def test_run_offers_yaml_spelt_either_way(completer: ReplCompleter, tmp_path: Path) -> None:
    folder = tmp_path / "recipes"
    folder.mkdir()
    for name in ("a.yaml", "b.yml", "c.json", "notes.txt"):
        (folder / name).write_text("")
    assert sorted(c.text for c in complete(completer, f":run {folder}/")) == ["a.yaml", "b.yml"]
    assert sorted(c.text for c in complete(completer, f":save {folder}/")) == ["a.yaml", "b.yml", "c.json",
                                                                                 "notes.txt"]
