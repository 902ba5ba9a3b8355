"""Disk methods: create/delete, attach/detach with hints per api_version, metadata, resize, update, snapshots."""

from __future__ import annotations

import pytest


def test_create_disk_records_size_type_and_locality(cpi, stemcell) -> None:
    vm_cid = cpi.vm(stemcell)
    disk = cpi.ok("create_disk", 2048, {"type": "gp3"}, vm_cid)
    assert disk.startswith("disk-")
    record = cpi.state()["disks"][disk]
    assert (record["size"], record["type"], record["vm_locality"], record["attached_to"]) == (2048, "gp3", vm_cid,
                                                                                               None)
    assert cpi.ok("has_disk", disk) is True


@pytest.mark.parametrize(("size", "fragment"), [
    (0, "must be a positive number of MiB, got 0"),
    (-5, "got -5"),
    (16 * 1024 * 1024 + 1, "exceeds the maximum"),
])
def test_create_disk_rejects_bad_sizes(cpi, size, fragment) -> None:
    error = cpi.error("create_disk", size, {}, None)
    assert error["type"] == "Bosh::Clouds::CloudError"
    assert fragment in error["message"]


def test_create_disk_size_must_be_an_integer(cpi) -> None:
    assert cpi.error("create_disk", 1.5, {}, None)["type"] == "Bosh::Clouds::CloudError"
    assert cpi.error("create_disk", True, {}, None)["type"] == "Bosh::Clouds::CloudError"


def test_create_disk_with_unknown_vm_hint(cpi) -> None:
    assert cpi.error("create_disk", 1024, {}, "vm-nope")["type"] == "Bosh::Clouds::VMNotFound"


def test_attach_v2_returns_string_hints_with_advancing_devices(cpi, stemcell) -> None:
    vm_cid = cpi.vm(stemcell)
    first, second = cpi.disk(), cpi.disk()
    assert cpi.ok("attach_disk", vm_cid, first, stemcell=2) == {"path": "/dev/sdc"}
    assert cpi.ok("attach_disk", vm_cid, second, stemcell=2) == {"path": "/dev/sdd"}
    assert cpi.ok("attach_disk", vm_cid, first) == {"path": "/dev/sdc"}, "re-attaching is idempotent"
    assert cpi.ok("get_disks", vm_cid) == [first, second]
    # Another VM starts from /dev/sdc again: letters are per VM.
    other = cpi.vm(stemcell)
    assert cpi.ok("attach_disk", other, cpi.disk()) == {"path": "/dev/sdc"}
    # A detached letter is reused, as IaaS device mapping does.
    cpi.ok("detach_disk", vm_cid, first)
    assert cpi.ok("attach_disk", vm_cid, cpi.disk()) == {"path": "/dev/sdc"}


def test_attach_v1_returns_null(cpi, stemcell) -> None:
    vm_cid = cpi.vm(stemcell, api_version=1, stemcell=1)
    disk = cpi.disk()
    assert cpi.ok("attach_disk", vm_cid, disk, api_version=1, stemcell=1) is None
    assert cpi.state()["disks"][disk]["attached_to"] == vm_cid


def test_attach_errors(cpi, stemcell) -> None:
    vm_cid, other = cpi.vm(stemcell), cpi.vm(stemcell)
    disk = cpi.disk()
    assert cpi.error("attach_disk", "vm-nope", disk)["type"] == "Bosh::Clouds::VMNotFound"
    error = cpi.error("attach_disk", vm_cid, "disk-nope")
    assert error == {"type": "Bosh::Clouds::DiskNotFound", "message": "Disk 'disk-nope' not found",
                     "ok_to_retry": False}
    cpi.ok("attach_disk", vm_cid, disk)
    error = cpi.error("attach_disk", other, disk)
    assert error["type"] == "Bosh::Clouds::CloudError"
    assert f"already attached to VM '{vm_cid}'" in error["message"]


def test_a_vm_runs_out_of_device_letters(cpi, stemcell) -> None:
    vm_cid = cpi.vm(stemcell)
    for _ in range(24):  # sdc … sdz
        cpi.ok("attach_disk", vm_cid, cpi.disk())
    assert "no free device" in cpi.error("attach_disk", vm_cid, cpi.disk())["message"]


def test_detach_disk(cpi, stemcell) -> None:
    vm_cid, other = cpi.vm(stemcell), cpi.vm(stemcell)
    disk = cpi.disk()
    error = cpi.error("detach_disk", vm_cid, disk)
    assert error == {"type": "Bosh::Clouds::DiskNotAttached", "ok_to_retry": True,
                     "message": f"Disk '{disk}' is not attached to VM '{vm_cid}'"}
    cpi.ok("attach_disk", vm_cid, disk)
    assert cpi.error("detach_disk", other, disk)["type"] == "Bosh::Clouds::DiskNotAttached"
    assert cpi.error("detach_disk", "vm-nope", disk)["type"] == "Bosh::Clouds::VMNotFound"
    assert cpi.error("detach_disk", vm_cid, "disk-nope")["type"] == "Bosh::Clouds::DiskNotFound"
    assert cpi.ok("detach_disk", vm_cid, disk, stemcell=2) is None
    assert cpi.ok("get_disks", vm_cid) == []
    assert cpi.state()["disks"][disk]["attached_to"] is None


def test_delete_disk(cpi, stemcell) -> None:
    vm_cid = cpi.vm(stemcell)
    disk = cpi.disk()
    cpi.ok("attach_disk", vm_cid, disk)
    error = cpi.error("delete_disk", disk)
    assert error["type"] == "Bosh::Clouds::CloudError" and "detach it first" in error["message"]
    cpi.ok("detach_disk", vm_cid, disk)
    assert cpi.ok("delete_disk", disk) is None
    assert cpi.ok("has_disk", disk) is False
    assert cpi.error("delete_disk", disk) == {"type": "Bosh::Clouds::DiskNotFound",
                                              "message": f"Disk '{disk}' not found", "ok_to_retry": False}


def test_set_disk_metadata(cpi) -> None:
    disk = cpi.disk()
    assert cpi.ok("set_disk_metadata", disk, {"deployment": "cf", "attached_at": "2024-01-01T00:00:00Z"}) is None
    assert cpi.state()["disks"][disk]["metadata"]["deployment"] == "cf"
    assert "must be a string" in cpi.error("set_disk_metadata", disk, {"instance_index": 0})["message"]
    assert cpi.error("set_disk_metadata", "disk-nope", {})["type"] == "Bosh::Clouds::DiskNotFound"


def test_resize_disk(cpi, stemcell) -> None:
    disk = cpi.disk(1024)
    assert cpi.ok("resize_disk", disk, 4096) is None
    assert cpi.state()["disks"][disk]["size"] == 4096
    assert cpi.ok("resize_disk", disk, 4096) is None  # same size: nothing to do
    error = cpi.error("resize_disk", disk, 2048)
    assert error == {"type": "Bosh::Clouds::NotSupported", "ok_to_retry": False,
                     "message": f"Disk '{disk}' cannot shrink from 4096 MiB to 2048 MiB"}
    vm_cid = cpi.vm(stemcell)
    cpi.ok("attach_disk", vm_cid, disk)
    assert cpi.error("resize_disk", disk, 8192)["type"] == "Bosh::Clouds::CloudError"
    assert cpi.error("resize_disk", "disk-nope", 8192)["type"] == "Bosh::Clouds::DiskNotFound"


def test_update_disk_same_type_keeps_the_cid(cpi) -> None:
    disk = cpi.disk(1024, {"type": "gp3"})
    assert cpi.ok("update_disk", disk, 2048, {"type": "gp3", "iops": 3000}) is None
    record = cpi.state()["disks"][disk]
    assert (record["size"], record["cloud_properties"]) == (2048, {"type": "gp3", "iops": 3000})


def test_update_disk_new_type_gives_a_new_cid(cpi) -> None:
    disk = cpi.disk(1024, {"type": "gp3"})
    cpi.ok("set_disk_metadata", disk, {"deployment": "cf"})
    new = cpi.ok("update_disk", disk, 1024, {"type": "io2"})
    assert new.startswith("disk-") and new != disk
    disks = cpi.state()["disks"]
    assert disk not in disks
    assert (disks[new]["type"], disks[new]["metadata"]) == ("io2", {"deployment": "cf"})


def test_update_disk_errors(cpi, stemcell) -> None:
    disk = cpi.disk(2048)
    assert cpi.error("update_disk", disk, 1024, {})["type"] == "Bosh::Clouds::NotSupported"
    assert cpi.error("update_disk", "disk-nope", 1024, {})["type"] == "Bosh::Clouds::DiskNotFound"
    error = cpi.error("update_disk", disk, 4096, {}, api_version=1)
    assert error["type"] == "Bosh::Clouds::NotImplemented"
    vm_cid = cpi.vm(stemcell)
    cpi.ok("attach_disk", vm_cid, disk)
    assert cpi.error("update_disk", disk, 4096, {})["type"] == "Bosh::Clouds::CloudError"


def test_snapshots(cpi) -> None:
    disk = cpi.disk(512)
    snapshot = cpi.ok("snapshot_disk", disk, {"deployment": "cf", "index": 0, "agent_id": "a"})
    assert snapshot.startswith("snapshot-")
    assert cpi.state()["snapshots"][snapshot] == {"disk_cid": disk, "size": 512,
                                                  "metadata": {"deployment": "cf", "index": 0, "agent_id": "a"}}
    cpi.ok("delete_disk", disk)
    assert snapshot in cpi.state()["snapshots"], "a snapshot outlives its disk"
    assert cpi.ok("delete_snapshot", snapshot) is None
    assert cpi.error("delete_snapshot", snapshot) == {"type": "Bosh::Clouds::DiskNotFound", "ok_to_retry": False,
                                                      "message": f"Snapshot '{snapshot}' not found"}
    assert cpi.error("snapshot_disk", "disk-nope", {})["type"] == "Bosh::Clouds::DiskNotFound"
    assert cpi.ok("snapshot_disk", cpi.disk()).startswith("snapshot-"), "metadata defaults to {}"
