"""Snapshot methods: snapshot_disk and delete_snapshot.

A snapshot outlives its disk, as on every IaaS. A missing snapshot answers DiskNotFound, the type the director's
orphan cleanup tolerates (contract §4).
"""

from __future__ import annotations

from cpictl.refcpi.call import Call
from cpictl.refcpi.disks import find_disk
from cpictl.refcpi.failures import CpiFailure


def snapshot_disk(call: Call) -> str:
    disk_cid, metadata = call.arguments
    disk = find_disk(call, disk_cid)
    snapshot_cid = call.ids.new_id("snapshot")
    # Metadata is kept as sent: the director's snapshot metadata has an integer `index` (contract §7.4).
    call.state["snapshots"][snapshot_cid] = {"disk_cid": disk_cid, "size": disk["size"], "metadata": metadata}
    return snapshot_cid


def delete_snapshot(call: Call) -> None:
    (snapshot_cid,) = call.arguments
    if snapshot_cid not in call.state["snapshots"]:
        raise CpiFailure("DiskNotFound", f"Snapshot '{snapshot_cid}' not found")
    del call.state["snapshots"][snapshot_cid]
