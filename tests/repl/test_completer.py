"""The completer over prompt_toolkit `Document`s: methods, meta-commands, IDs of the slot's kind, names, paths."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent, Completion
from prompt_toolkit.document import Document

from cpictl.protocol.catalogue import CloudIdChanges
from cpictl.protocol.kinds import CloudIdKind
from cpictl.repl.completer import ParamValueCompleter, ReplCompleter
from cpictl.repl.metacommands import default_registry
from cpictl.repl.state import ReplState
from cpictl.store import CloudIdStore
from tests.repl.conftest import reference_target

EVENT = CompleteEvent(completion_requested=True)


def record(store: CloudIdStore, method: str, kind: CloudIdKind, cid: str) -> None:
    store.record(method=method, request_id="cpi-1", target=["cpi"], changes=CloudIdChanges(created=[(kind, cid)]))


@pytest.fixture
def store(journal: Path) -> CloudIdStore:
    store = CloudIdStore(journal)
    record(store, "create_stemcell", CloudIdKind.STEMCELL, "sc-1")
    record(store, "create_vm", CloudIdKind.VM, "vm-old")
    record(store, "create_disk", CloudIdKind.DISK, "disk-1")
    record(store, "create_vm", CloudIdKind.VM, "vm-new")
    return store


@pytest.fixture
def completer(store: CloudIdStore) -> ReplCompleter:
    return ReplCompleter(ReplState(reference_target(), store), default_registry())


def complete(completer: object, text: str) -> list[Completion]:
    return list(completer.get_completions(Document(text, len(text)), EVENT))  # type: ignore[attr-defined]


def texts(completer: object, text: str) -> list[str]:
    return [c.text for c in complete(completer, text)]


def test_method_names_and_meta_commands(completer: ReplCompleter) -> None:
    assert texts(completer, "delete_") == ["delete_stemcell", "delete_vm", "delete_disk", "delete_snapshot",
                                           "delete_network"]
    assert texts(completer, ":sa") == [":save"]
    help_meta = [c.display_meta_text for c in complete(completer, ":he")]
    assert help_meta and "list the commands" in help_meta[0]


def test_a_vm_slot_offers_vm_ids_only_newest_first_with_creator_and_age(completer: ReplCompleter) -> None:
    completions = complete(completer, "delete_vm ")
    assert [c.text for c in completions] == ["vm-new", "vm-old"]
    assert all(c.start_position == 0 for c in completions)
    meta = completions[0].display_meta_text
    assert "create_vm" in meta and "ago" in meta


def test_a_disk_slot_offers_disks_and_a_prefix_filters(completer: ReplCompleter) -> None:
    assert texts(completer, "attach_disk vm-1 ") == ["disk-1"]
    assert texts(completer, "create_vm agent ") == ["sc-1"]
    filtered = complete(completer, "delete_vm vm-o")
    assert [c.text for c in filtered] == ["vm-old"] and filtered[0].start_position == -4


def test_parameter_names_complete_with_equals(completer: ReplCompleter) -> None:
    assert texts(completer, "create_disk size=1 vm_") == ["vm_cid="]
    assert texts(completer, "create_disk ") == ["size=", "cloud_properties=", "vm_cid="]
    assert texts(completer, "create_disk vm_cid=") == ["vm-new", "vm-old"]


def test_references_offer_kinds_with_their_newest_live_id(completer: ReplCompleter) -> None:
    completions = complete(completer, "delete_vm ${")
    assert [c.text for c in completions][:5] == ["stemcell}", "vm}", "disk}", "snapshot}", "network}"]
    vm = next(c for c in completions if c.text == "vm}")
    assert "vm-new" in vm.display_meta_text
    assert texts(completer, "has_vm ${d") == ["disk}"]
    completer.state.variables["disk_size"] = 10
    assert texts(completer, "has_vm ${d") == ["disk}", "disk_size}"]


def test_file_paths_for_run_and_save(completer: ReplCompleter, tmp_path: Path) -> None:
    (tmp_path / "walk.yml").write_text("")
    (tmp_path / "wander.yml").write_text("")
    found = texts(completer, f":run {tmp_path}/wa")
    assert sorted(found) == ["lk.yml", "nder.yml"]  # PathCompleter completes the rest of the name


def test_set_and_again_choices(completer: ReplCompleter) -> None:
    assert texts(completer, ":set stem") == ["stemcell_api_version"]
    assert texts(completer, ":again ") == ["edit"]


def test_the_cache_follows_the_journal(completer: ReplCompleter, store: CloudIdStore) -> None:
    first = complete(completer, "delete_vm ")
    assert complete(completer, "delete_vm ")[0] is first[0]  # unchanged journal: the cached entries, not rebuilt
    record(store, "create_vm", CloudIdKind.VM, "vm-newest")
    time.sleep(0.01)  # a distinct mtime even on coarse filesystems
    again = complete(completer, "delete_vm ")
    assert [c.text for c in again] == ["vm-newest", "vm-new", "vm-old"] and again[1] is not first[0]


def test_asking_for_one_parameter_completes_its_kind(completer: ReplCompleter) -> None:
    from cpictl.protocol.catalogue import METHODS

    vm_cid = METHODS["create_disk"].param("vm_cid")
    disk_cids = METHODS["create_vm"].param("disk_cids")
    assert vm_cid is not None and disk_cids is not None
    assert texts(ParamValueCompleter(completer, "create_disk", vm_cid), "") == ["vm-new", "vm-old"]
    assert texts(ParamValueCompleter(completer, "create_vm", disk_cids), "[") == ["disk-1"]
    assert texts(ParamValueCompleter(completer, "create_disk", vm_cid), "${v") == ["vm}"]


def test_an_unreadable_journal_completes_nothing_instead_of_failing(tmp_path: Path) -> None:
    directory = tmp_path / "not-a-file.jsonl"
    directory.mkdir()
    completer = ReplCompleter(ReplState(reference_target(), CloudIdStore(directory)), default_registry())
    assert texts(completer, "delete_vm ") == []
    assert texts(completer, "delete_v") == ["delete_vm"]


def test_imported_ids_are_offered_but_say_so_and_are_not_what_a_kind_reference_names(
        completer: ReplCompleter, store: CloudIdStore) -> None:
    store.record_event("imported", CloudIdKind.VM, "vm-director", method="create_vm", target="create-env state")
    completions = complete(completer, "delete_vm ")
    assert [c.text for c in completions] == ["vm-director", "vm-new", "vm-old"]
    assert completions[0].display_meta_text.startswith("imported")
    vm = next(c for c in complete(completer, "delete_vm ${") if c.text == "vm}")
    assert "vm-new" in vm.display_meta_text  # what ${vm} resolves to: not the imported director VM


def test_a_path_parameter_completes_file_paths(completer: ReplCompleter, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    (work / "assets").mkdir(parents=True)
    (work / "image.tgz").write_text("")
    monkeypatch.chdir(work)
    assert sorted(texts(completer, "create_stemcell ")) == ["assets", "image.tgz"]
    assert texts(completer, "create_stemcell im") == ["age.tgz", "image_path="]
    assert texts(completer, f"create_stemcell image_path={work}/im") == ["age.tgz"]
    from cpictl.protocol.catalogue import METHODS

    image_path = METHODS["create_stemcell"].param("image_path")
    assert image_path is not None
    assert texts(ParamValueCompleter(completer, "create_stemcell", image_path), "im") == ["age.tgz"]


def test_a_blank_typed_opens_no_menu_but_tab_does(completer: ReplCompleter) -> None:
    # Tab pressed together with the blank (typed ahead, pasted) was lost while a menu opened by the blank was
    # pending: the blank itself must not start one.
    typing = CompleteEvent(text_inserted=True)
    assert list(completer.get_completions(Document("delete_vm ", 10), typing)) == []
    assert [c.text for c in completer.get_completions(Document("delete_vm v", 11), typing)][:2] == ["vm-new",
                                                                                                     "vm-old"]
    assert texts(completer, "delete_vm ") == ["vm-new", "vm-old"]  # Tab (completion_requested)
