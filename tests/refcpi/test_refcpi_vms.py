"""VM methods: create_vm checks and result shapes, delete/has/reboot, metadata, instance sizing."""

from __future__ import annotations

import re

import pytest

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
MAC = r"0a(:[0-9a-f]{2}){5}"


def test_create_vm_v2_returns_cid_and_networks_with_mac(cpi, stemcell) -> None:
    networks = {"private": dict(cpi.NETWORKS["default"]), "public": {"type": "vip", "ip": "52.1.2.3"},
                "pool": {"type": "dynamic", "cloud_properties": {}}}
    networks["private"]["default"] = ["dns", "gateway"]
    vm_cid, returned = cpi.ok("create_vm", "agent-1", stemcell, {}, networks, [], {}, stemcell=2)
    assert re.fullmatch(f"vm-{UUID}", vm_cid)
    assert set(returned) == {"private", "public", "pool"}
    for name, network in returned.items():
        assert re.fullmatch(MAC, network["mac"])
        assert {k: v for k, v in network.items() if k not in ("mac", "ip")} == \
            {k: v for k, v in networks[name].items() if k != "ip"}
    assert returned["private"]["ip"] == "10.0.0.10"
    assert re.fullmatch(r"10\.254\.\d+\.\d+", returned["pool"]["ip"])
    assert len({n["mac"] for n in returned.values()}) == 3


def test_create_vm_v1_returns_a_bare_cid(cpi, stemcell) -> None:
    vm_cid = cpi.ok("create_vm", "agent-1", stemcell, {}, cpi.NETWORKS, [], {}, api_version=1, stemcell=1)
    assert isinstance(vm_cid, str) and vm_cid.startswith("vm-")
    vm_cid = cpi.ok("create_vm", "agent-1", stemcell, {}, cpi.NETWORKS, api_version=None)
    assert isinstance(vm_cid, str), "no api_version means v1, as both libraries read it"


def test_dynamic_ips_never_repeat(cpi, stemcell) -> None:
    dynamic = {"d": {"type": "dynamic"}}
    ips = [cpi.ok("create_vm", "a", stemcell, {}, dynamic, [], {})[1]["d"]["ip"] for _ in range(3)]
    assert len(set(ips)) == 3


def test_create_vm_records_the_vm(cpi, stemcell) -> None:
    disk = cpi.disk()
    vm_cid = cpi.vm(stemcell, disk_cids=[disk])
    vm = cpi.state()["vms"][vm_cid]
    assert vm["agent_id"] == "agent-1"
    assert vm["stemcell_cid"] == stemcell
    assert vm["disk_cids"] == [disk]
    assert vm["cloud_properties"] == {"instance_type": "ref.small"}
    assert cpi.ok("has_vm", vm_cid) is True


@pytest.mark.parametrize(("networks", "fragment"), [
    ({}, "At least one network is required"),
    ({"n": {"type": "bridge"}}, "Invalid network type 'bridge'"),
    ({"n": {"type": "manual", "ip": "10.0.0.5"}}, "Manual network 'n' needs netmask"),
    ({"n": {"type": "manual"}}, "Manual network 'n' needs ip and netmask"),
    ({"n": {"netmask": "255.0.0.0"}}, "Manual network 'n' needs ip"),  # no type means manual
    ({"n": {"type": "vip"}}, "Vip network 'n' needs ip"),
    ({"n": "dynamic"}, "Network 'n' must be an object, got string"),
    ({"n": {"type": "dynamic", "default": "gateway"}}, "'default' must be an array"),
    ({"a": {"type": "dynamic", "default": ["gateway"]}, "b": {"type": "dynamic", "default": ["dns", "gateway"]}},
     "Only one network may be the default gateway, got: a, b"),
])
def test_create_vm_rejects_bad_networks(cpi, stemcell, networks, fragment) -> None:
    error = cpi.error("create_vm", "agent-1", stemcell, {}, networks, [], {})
    assert error["type"] == "Bosh::Clouds::CloudError"
    assert fragment in error["message"]
    assert cpi.state()["vms"] == {}


def test_create_vm_needs_agent_id_stemcell_and_existing_disks(cpi, stemcell) -> None:
    error = cpi.error("create_vm", "", stemcell, {}, cpi.NETWORKS, [], {})
    assert error["message"] == "agent_id must be a non-empty string"
    error = cpi.error("create_vm", "agent-1", "stemcell-missing", {}, cpi.NETWORKS, [], {})
    assert error == {"type": "Bosh::Clouds::CloudError", "message": "Stemcell 'stemcell-missing' not found",
                     "ok_to_retry": False}
    error = cpi.error("create_vm", "agent-1", stemcell, {}, cpi.NETWORKS, ["disk-missing"], {})
    assert error["type"] == "Bosh::Clouds::DiskNotFound"
    assert "disk-missing" in error["message"]


def test_delete_vm_detaches_disks_and_removes_settings(cpi, stemcell) -> None:
    vm_cid = cpi.vm(stemcell)
    disk = cpi.disk()
    cpi.ok("attach_disk", vm_cid, disk)
    assert (cpi.state_dir / "user-metadata" / f"{vm_cid}.json").exists()
    assert cpi.ok("delete_vm", vm_cid, stemcell=2) is None
    assert cpi.ok("has_vm", vm_cid) is False
    assert cpi.state()["disks"][disk]["attached_to"] is None
    assert not (cpi.state_dir / "user-metadata" / f"{vm_cid}.json").exists()
    assert cpi.ok("has_disk", disk) is True


def test_vm_methods_on_a_missing_vm_answer_vm_not_found(cpi) -> None:
    for method, arguments in (("delete_vm", ["vm-x"]), ("reboot_vm", ["vm-x"]),
                              ("set_vm_metadata", ["vm-x", {"a": "b"}]), ("get_disks", ["vm-x"])):
        assert cpi.error(method, *arguments) == {"type": "Bosh::Clouds::VMNotFound",
                                                 "message": "VM 'vm-x' not found", "ok_to_retry": False}
    assert cpi.ok("has_vm", "vm-x") is False


def test_reboot_vm(cpi, stemcell) -> None:
    vm_cid = cpi.vm(stemcell)
    assert cpi.ok("reboot_vm", vm_cid) is None
    assert cpi.ok("reboot_vm", vm_cid) is None
    assert cpi.state()["vms"][vm_cid]["reboots"] == 2


def test_set_vm_metadata_merges_string_tags(cpi, stemcell) -> None:
    vm_cid = cpi.vm(stemcell)
    assert cpi.ok("set_vm_metadata", vm_cid, {"director": "bosh", "index": "0"}) is None
    assert cpi.ok("set_vm_metadata", vm_cid, {"index": "1", "name": "web/1"}) is None
    assert cpi.state()["vms"][vm_cid]["metadata"] == {"director": "bosh", "index": "1", "name": "web/1"}


def test_set_vm_metadata_rejects_non_strings(cpi, stemcell) -> None:
    vm_cid = cpi.vm(stemcell)
    error = cpi.error("set_vm_metadata", vm_cid, {"index": 0})
    assert error == {"type": "Bosh::Clouds::CloudError", "ok_to_retry": False,
                     "message": "VM metadata value for 'index' must be a string, got integer 0"}
    assert cpi.state()["vms"][vm_cid]["metadata"] == {}


@pytest.mark.parametrize(("size", "instance_type"), [
    ({"cpu": 1, "ram": 512, "ephemeral_disk_size": 1024}, "ref.nano"),
    ({"cpu": 1, "ram": 1024, "ephemeral_disk_size": 1024}, "ref.small"),
    ({"cpu": 2, "ram": 1024, "ephemeral_disk_size": 1024}, "ref.medium"),
    ({"cpu": 3, "ram": 8192, "ephemeral_disk_size": 1024}, "ref.large"),
    ({"cpu": 32, "ram": 65536, "ephemeral_disk_size": 1024}, "ref.4xlarge"),
])
def test_calculate_vm_cloud_properties_picks_the_smallest_fit(cpi, size, instance_type) -> None:
    assert cpi.ok("calculate_vm_cloud_properties", size) == {"instance_type": instance_type,
                                                             "ephemeral_disk": {"size": 1024}}


@pytest.mark.parametrize(("size", "fragment"), [
    ({"cpu": 64, "ram": 1024, "ephemeral_disk_size": 1}, "Unable to meet requested VM requirements: 64 CPU"),
    ({"cpu": 1, "ram": 10**6, "ephemeral_disk_size": 1}, "Unable to meet requested VM requirements"),
    ({"cpu": 1, "ram": 1, "ephemeral_disk_size": 10**9}, "ephemeral disk of 1000000000 MB exceeds"),
    ({"cpu": 1}, "Missing VM cloud properties: 'ram', 'ephemeral_disk_size'"),
    ({"cpu": 0, "ram": 1, "ephemeral_disk_size": 1}, "'cpu' must be a positive integer, got 0"),
    ({"cpu": "2", "ram": 1, "ephemeral_disk_size": 1}, "'cpu' must be a positive integer, got '2'"),
])
def test_calculate_vm_cloud_properties_unsatisfiable(cpi, size, fragment) -> None:
    error = cpi.error("calculate_vm_cloud_properties", size)
    assert error["type"] == "Bosh::Clouds::CloudError"
    assert fragment in error["message"]


def test_seeded_ids_are_reproducible(cpi, tmp_path, cpi_env) -> None:
    RefCpi = type(cpi)  # the driver class, without importing a conftest by name
    results = []
    for run in ("a", "b"):
        cpi = RefCpi(tmp_path / run, cpi_env)
        stemcell = cpi.stemcell(tmp_path)
        results.append((stemcell, cpi.ok("create_vm", "agent", stemcell, {}, {"d": {"type": "dynamic"}}, [], {})))
    assert results[0] == results[1]
    other = RefCpi(tmp_path / "c", {**cpi_env, "CPICTL_REFCPI_SEED": "other"})
    assert other.stemcell(tmp_path) != results[0][0]


def test_unseeded_ids_are_random(cpi, tmp_path, cpi_env) -> None:
    env = {k: v for k, v in cpi_env.items() if k != "CPICTL_REFCPI_SEED"}
    RefCpi = type(cpi)
    first, second = (RefCpi(tmp_path / name, env).stemcell(tmp_path) for name in ("a", "b"))
    assert first != second
    assert re.fullmatch(f"stemcell-{UUID}", first)
