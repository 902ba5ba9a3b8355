"""Stemcells, managed networks and the legacy/trivial methods."""

from __future__ import annotations

import ipaddress

import pytest


def test_create_stemcell_keeps_cloud_properties(cpi, tmp_path) -> None:
    image = tmp_path / "root.img"
    image.write_bytes(b"\0" * 16)
    cid = cpi.ok("create_stemcell", str(image), {"architecture": "x86_64", "root_device_name": "/dev/sda1"})
    assert cid.startswith("stemcell-")
    record = cpi.state()["stemcells"][cid]
    assert record == {"image_path": str(image), "tags": {},
                      "cloud_properties": {"architecture": "x86_64", "root_device_name": "/dev/sda1"}}


def test_create_stemcell_needs_the_image(cpi, tmp_path) -> None:
    error = cpi.error("create_stemcell", str(tmp_path / "missing"), {})
    assert error == {"type": "Bosh::Clouds::CloudError", "ok_to_retry": False,
                     "message": f"Cannot find stemcell image '{tmp_path / 'missing'}'"}


def test_create_stemcell_v3_tags_must_be_an_object(cpi, tmp_path) -> None:
    image = tmp_path / "img"
    image.write_text("x")
    env = {"CPICTL_REFCPI_API_VERSION": "3"}
    error = cpi.error("create_stemcell", str(image), {}, {"tags": ["a"]}, api_version=3, env=env)
    assert "env.tags must be an object, got array" in error["message"]


def test_delete_stemcell(cpi, stemcell) -> None:
    assert cpi.ok("delete_stemcell", stemcell) is None
    assert cpi.state()["stemcells"] == {}
    error = cpi.error("delete_stemcell", stemcell)
    assert error == {"type": "Bosh::Clouds::StemcellNotFound", "ok_to_retry": False,
                     "message": f"Stemcell '{stemcell}' not found"}


def test_create_network_with_a_range(cpi) -> None:
    cid, address, cloud_properties = cpi.ok("create_network", {"type": "manual", "range": "192.168.5.0/24",
                                                               "gateway": "192.168.5.1",
                                                               "cloud_properties": {"zone": "z1"}})
    assert cid.startswith("network-")
    assert address == {"range": "192.168.5.0/24", "gateway": "192.168.5.1",
                       "reserved": ["192.168.5.2", "192.168.5.3"]}
    assert cloud_properties == {"zone": "z1", "network_id": cid}
    assert cpi.state()["networks"][cid]["range"] == "192.168.5.0/24"


def test_create_network_allocates_disjoint_ranges(cpi) -> None:
    ranges = [cpi.ok("create_network", definition)[1]["range"] for definition in (
        {"type": "manual", "cloud_properties": {}},
        {"type": "manual", "netmask_bits": 20, "cloud_properties": {}},
        {"type": "manual", "netmask_bits": 28},
    )]
    networks = [ipaddress.ip_network(r) for r in ranges]
    assert [n.prefixlen for n in networks] == [24, 20, 28]
    assert all(n.subnet_of(ipaddress.ip_network("10.128.0.0/9")) for n in networks)
    assert not any(a.overlaps(b) for i, a in enumerate(networks) for b in networks[i + 1:])


@pytest.mark.parametrize(("definition", "fragment"), [
    ({"type": "dynamic"}, "Only manual networks can be created, got type 'dynamic'"),
    ({"range": "10.0.0.0/33"}, "Invalid network range '10.0.0.0/33'"),
    ({"range": "10.0.0.1/24"}, "Invalid network range"),
    ({"range": "10.0.0.0/30"}, "too small"),
    ({"range": "10.0.0.0/24", "netmask_bits": 16}, "does not match range"),
    ({"netmask_bits": 31}, "netmask_bits must be an integer from 9 to 29"),
    ({"range": "10.0.0.0/24", "gateway": "10.0.1.1"}, "is not a host address of 10.0.0.0/24"),
    ({"range": "10.0.0.0/24", "gateway": "nope"}, "Invalid gateway"),
    ({"cloud_properties": []}, "cloud_properties must be an object"),
])
def test_create_network_errors(cpi, definition, fragment) -> None:
    error = cpi.error("create_network", definition)
    assert error["type"] == "Bosh::Clouds::CloudError"
    assert fragment in error["message"]


def test_delete_network(cpi) -> None:
    cid = cpi.ok("create_network", {"type": "manual"})[0]
    assert cpi.ok("delete_network", cid) is None
    assert cpi.error("delete_network", cid) == {"type": "Bosh::Clouds::NetworkNotFound", "ok_to_retry": False,
                                                "message": f"Network '{cid}' not found"}


def test_legacy_v1_methods_are_not_supported(cpi) -> None:
    assert cpi.error("current_vm_id", api_version=1)["type"] == "Bosh::Clouds::NotSupported"
    assert cpi.error("configure_networks", "vm-1", {}, api_version=1)["type"] == "Bosh::Clouds::NotSupported"


def test_ping(cpi) -> None:
    assert cpi.ok("ping") == "pong"
