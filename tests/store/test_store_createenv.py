"""Importing a `bosh create-env` state file pre-seeds the session, refusing records create-env itself trips on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cpictl.protocol.kinds import CloudIdKind
from cpictl.store import CloudIdStore, StoreError

DIRECTOR = "e5bfc5d2-3f1c-4c5a-62a4-8b0d9ad1c0f7"
STATE = {
    "director_id": DIRECTOR,
    "installation_id": "4d5a1e7c-0b5e-4b43-6e0f-7a3c8f2a9d11",
    "current_vm_cid": "i-0f3c2b1a9e8d7c6b5",
    "current_stemcell_id": "5c9a7b1e-2d3f-4a8b-7c6d-1e2f3a4b5c6d",
    "current_disk_id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
    "current_release_ids": ["0a1b2c3d-bosh", "1b2c3d4e-aws-cpi"],
    "current_manifest_sha": "3f786850e387550fdab836ed7e6dc881de23001b",
    "disks": [
        {"id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "cid": "vol-0123456789abcdef0", "size": 65536,
         "cloud_properties": {"type": "gp3"}},
        {"id": "ffff0000-orphan", "cid": "vol-0fedcba9876543210", "size": 32768, "cloud_properties": {}},
        {"id": "broken-1", "cid": "", "size": 1024, "cloud_properties": {}},
    ],
    "stemcells": [
        {},
        {"id": "5c9a7b1e-2d3f-4a8b-7c6d-1e2f3a4b5c6d", "name": "bosh-aws-xen-hvm-ubuntu-jammy-go_agent",
         "version": "1.506", "api_version": 3, "cid": "ami-0a1b2c3d4e5f67890"},
    ],
    "releases": [{"id": "0a1b2c3d-bosh", "name": "bosh", "version": "280.0.1"}],
}


def write(tmp_path: Path, data, name: str = "bosh-state.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2))
    return path


@pytest.fixture
def store(tmp_path: Path) -> CloudIdStore:
    return CloudIdStore(tmp_path / "session.jsonl")


def test_import_seeds_vm_disks_stemcell_and_director_uuid(store: CloudIdStore, tmp_path: Path) -> None:
    report = store.import_create_env_state(write(tmp_path, STATE))
    assert report.director_uuid == DIRECTOR
    assert set(report.imported) == {(CloudIdKind.VM, "i-0f3c2b1a9e8d7c6b5"), (CloudIdKind.STEMCELL,
                                    "ami-0a1b2c3d4e5f67890"), (CloudIdKind.DISK, "vol-0123456789abcdef0"),
                                    (CloudIdKind.DISK, "vol-0fedcba9876543210")}

    state = store.replay()
    assert state.director_uuid == DIRECTOR and state.warnings == []
    vm = state.latest("vm")
    assert vm.cid == "i-0f3c2b1a9e8d7c6b5" and vm.imported and vm.stemcell_api_version == 3
    stemcell = state.get("ami-0a1b2c3d4e5f67890")
    assert stemcell.stemcell_api_version == 3 and stemcell.details["version"] == "1.506"
    current, orphan = state.get("vol-0123456789abcdef0"), state.get("vol-0fedcba9876543210")
    assert current.attached_to == vm.cid and current.details["size"] == 65536
    assert orphan.attached_to is None and orphan.is_live
    assert all(r.imported and r.is_live for r in state.records)


def test_empty_cids_and_empty_records_are_refused_with_reasons(store: CloudIdStore, tmp_path: Path) -> None:
    report = store.import_create_env_state(write(tmp_path, STATE))
    assert ("stemcells[0] is an empty record {} — skipped; create-env would pass an empty CID to delete_stemcell "
            "(bosh #2625)") in report.warnings
    assert any(w.startswith("disks[2] has an empty or missing cid — skipped") for w in report.warnings)
    assert all(cid for _, cid in report.imported)
    assert store.replay().get("") is None


def test_an_empty_current_stemcell_id_is_warned_about(store: CloudIdStore, tmp_path: Path) -> None:
    report = store.import_create_env_state(write(tmp_path, {**STATE, "current_stemcell_id": ""}))
    assert any("bosh-cli #731" in w for w in report.warnings)
    assert store.replay().latest("vm").stemcell_api_version is None


def test_importing_twice_does_not_duplicate(store: CloudIdStore, tmp_path: Path) -> None:
    path = write(tmp_path, STATE)
    store.import_create_env_state(path)
    again = store.import_create_env_state(path)
    assert again.imported == [] and len(again.already_tracked) == 4
    assert len(store.replay().records) == 4


def test_a_state_without_a_vm_imports_what_is_left(store: CloudIdStore, tmp_path: Path) -> None:
    report = store.import_create_env_state(write(tmp_path, {**STATE, "current_vm_cid": ""}))
    assert CloudIdKind.VM not in {kind for kind, _ in report.imported}
    assert store.replay().get("vol-0123456789abcdef0").attached_to is None


@pytest.mark.parametrize(("content", "message"), [
    (None, "does not exist"),
    ("{not json", r":1:2: not JSON \(Expecting property name"),
    ("[1, 2]", "expected a JSON object, found an array"),
    ('{"name": "a manifest"}', "has none of the keys"),
    (b"\xff\xfe{}", "cannot read create-env state file"),
    ("directory", "cannot read create-env state file"),
])
def test_bad_state_files_are_clear_errors(store: CloudIdStore, tmp_path: Path, content, message) -> None:
    if content is None:
        path = tmp_path / "state.json"
    elif content == "directory":
        path = tmp_path / "state-dir"
        path.mkdir()
    elif isinstance(content, bytes):
        path = tmp_path / "state.bin"
        path.write_bytes(content)
    else:
        path = write(tmp_path, content)
    with pytest.raises(StoreError, match=message) as raised:
        store.import_create_env_state(path)
    assert str(path) in str(raised.value)
    assert not store.path.exists()  # nothing half-imported


def test_a_different_director_is_warned_about(store: CloudIdStore, tmp_path: Path) -> None:
    store.import_create_env_state(write(tmp_path, STATE))
    other = {"director_id": "0b7e-other", "current_vm_cid": "i-other"}
    report = store.import_create_env_state(write(tmp_path, other, "other.json"))
    assert any("had director_uuid" in w for w in report.warnings)
    assert store.replay().director_uuid == "0b7e-other"


def test_a_blank_cid_is_refused_and_disk_cloud_properties_reach_the_journal_masked(store: CloudIdStore,
                                                                                   tmp_path: Path) -> None:
    state = {**STATE, "disks": [
        {"id": "d-1", "cid": "vol-1", "size": 1, "cloud_properties": {"type": "gp3", "password": "diskpw-1"}},
        {"id": "d-2", "cid": "   ", "size": 1, "cloud_properties": {}},
    ]}
    report = store.import_create_env_state(write(tmp_path, state))
    assert any(w.startswith("disks[1] has a blank cid '   ' — skipped") for w in report.warnings)
    assert (CloudIdKind.DISK, "   ") not in report.imported
    journal = store.path.read_text()
    assert "vol-1" in journal and "diskpw-1" not in journal  # the journal is a file cpictl writes: no secrets
