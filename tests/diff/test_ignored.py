"""What a diff leaves aside beyond one call's comparison: the cloud IDs of every step, and the addresses the CPI
chose — never an address the caller named."""

from __future__ import annotations

from typing import Any

from cpictl.diff.ignored import placeholders
from cpictl.traces.compare import compare_entries

NETWORKS = {"static": {"type": "manual", "ip": "10.0.0.5", "netmask": "255.255.255.0"}, "pool": {"type": "dynamic"}}


def create_vm(vm: str, static_ip: str, pool_ip: str, mac: str) -> dict[str, Any]:
    result = [vm, {"static": {**NETWORKS["static"], "ip": static_ip, "mac": mac},
                   "pool": {"type": "dynamic", "ip": pool_ip, "mac": mac}}]
    return {"request": {"method": "create_vm", "arguments": ["agent", "sc-1", {}, NETWORKS, [], {}],
                        "context": {}, "api_version": 2},
            "response": {"result": result, "error": None, "log": ""}, "exit_code": 0, "violations": []}


def get_disks(disk: str) -> dict[str, Any]:
    return {"request": {"method": "get_disks", "arguments": ["vm-x"], "context": {}, "api_version": 2},
            "response": {"result": [disk], "error": None, "log": ""}, "exit_code": 0, "violations": []}


def test_an_address_the_cpi_chose_is_aside_one_the_request_named_is_compared():
    a = create_vm("vm-aaa", "10.0.0.5", "10.254.0.2", "0a:00:00:00:00:01")
    b = create_vm("vm-bbb", "10.0.0.5", "10.254.0.3", "0a:00:00:00:00:02")
    comparison = compare_entries(a, b, placeholders=placeholders([a, b]))
    assert comparison.equal, comparison.differences
    wrong = create_vm("vm-ccc", "10.0.0.9", "10.254.0.4", "0a:00:00:00:00:03")  # not the IP it was given
    comparison = compare_entries(a, wrong, placeholders=placeholders([a, wrong]))
    assert [(d.path, d.old) for d in comparison.differences] == [("[1].static.ip", "10.0.0.5")]


def test_a_cloud_id_another_step_made_is_aside_wherever_it_comes_back():
    made = {"request": {"method": "create_disk", "arguments": [1024, {}], "context": {}, "api_version": 2},
            "response": {"result": "disk-111", "error": None, "log": ""}, "exit_code": 0, "violations": []}
    other = {**made, "response": {**made["response"], "result": "disk-222"}}
    known = placeholders([made, other, get_disks("disk-111"), get_disks("disk-222")])
    assert compare_entries(get_disks("disk-111"), get_disks("disk-222"), placeholders=known).equal
    assert not compare_entries(get_disks("disk-111"), get_disks("disk-222")).equal  # what trace diff sees


def test_a_known_value_is_replaced_only_where_it_stands_alone():
    def failed(message: str) -> dict[str, Any]:
        error = {"type": "Bosh::Clouds::CloudError", "message": message, "ok_to_retry": False}
        return {"request": {"method": "has_vm", "arguments": ["vm-1"], "context": {}, "api_version": 2},
                "response": {"result": None, "error": error, "log": ""}, "exit_code": 0, "violations": []}

    known = {"10.254.0.2": "<ip>"}
    same = compare_entries(failed("IP 10.254.0.2 is taken"), failed("IP 10.254.0.2 is taken"), placeholders=known)
    longer = compare_entries(failed("IP 10.254.0.25 is taken"), failed("IP 10.254.0.26 is taken"),
                             placeholders=known)
    assert same.equal and not longer.equal  # 10.254.0.25 did not become `<ip>5`
