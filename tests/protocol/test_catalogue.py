"""The catalogue is the one list of methods: complete, consistent, and right about cloud IDs."""

from __future__ import annotations

import pytest

from cpictl.protocol.arguments import ArgumentProblem, bind_arguments
from cpictl.protocol.catalogue import METHODS, cloud_id_changes, get_method
from cpictl.protocol.kinds import CloudIdKind

CONTRACT_METHODS = {
    "info", "create_stemcell", "delete_stemcell", "create_vm", "delete_vm", "has_vm", "reboot_vm", "set_vm_metadata",
    "calculate_vm_cloud_properties", "create_disk", "delete_disk", "resize_disk", "update_disk", "has_disk",
    "attach_disk", "detach_disk", "set_disk_metadata", "get_disks", "snapshot_disk", "delete_snapshot",
    "create_network", "delete_network", "current_vm_id", "configure_networks", "ping",
}


def test_every_method_of_the_contract_is_there_once():
    assert set(METHODS) == CONTRACT_METHODS


def test_create_stemcell_takes_env_only_from_api_version_3():
    spec = METHODS["create_stemcell"]
    assert [p.name for p in spec.params_for(2)] == ["image_path", "cloud_properties"]
    assert [p.name for p in spec.params_for(3)] == ["image_path", "cloud_properties", "env"]


@pytest.mark.parametrize(("method", "v1", "v2"), [
    ("create_vm", "cid", "vm-tuple"), ("attach_disk", "null", "disk-hint"), ("update_disk", "null", "cid-or-null"),
    ("has_vm", "boolean", "boolean"), ("get_disks", "string-list", "string-list"),
])
def test_result_shapes_per_api_version(method, v1, v2):
    spec = METHODS[method]
    assert spec.result_shape(1).name == v1 and spec.result_shape(2).name == v2 and spec.result_shape(3).name == v2


def test_stemcell_version_is_sent_exactly_where_the_director_sends_it():
    assert {m for m, s in METHODS.items() if s.stemcell_context} == {"create_vm", "delete_vm", "attach_disk",
                                                                     "detach_disk"}


@pytest.mark.parametrize(("method", "arguments", "result", "api", "created", "deleted"), [
    ("create_vm", ["a", "s", {}, {}, [], {}], ["vm-1", {}], 2, [("vm", "vm-1")], []),
    ("create_vm", ["a", "s", {}, {}, [], {}], "vm-1", 1, [("vm", "vm-1")], []),
    ("create_disk", [1, {}, None], "disk-1", 2, [("disk", "disk-1")], []),
    ("create_network", [{}], ["net-1", {}, {}], 2, [("network", "net-1")], []),
    ("delete_vm", ["vm-1"], None, 2, [], [("vm", "vm-1")]),
    ("update_disk", ["disk-1", 2, {}], "disk-2", 2, [("disk", "disk-2")], [("disk", "disk-1")]),
    ("update_disk", ["disk-1", 2, {}], None, 2, [], []),
    ("update_disk", ["disk-1", 2, {}], "disk-1", 2, [], []),
    ("has_vm", ["vm-1"], True, 2, [], []),
])
def test_cloud_id_changes_come_from_the_catalogue(method, arguments, result, api, created, deleted):
    changes = cloud_id_changes(METHODS[method], arguments, result, api, succeeded=True)
    assert [(str(k), c) for k, c in changes.created] == created
    assert [(str(k), c) for k, c in changes.deleted] == deleted


def test_a_failed_call_changes_nothing_and_attach_is_a_relation():
    assert not cloud_id_changes(METHODS["delete_vm"], ["vm-1"], None, 2, succeeded=False).deleted
    changes = cloud_id_changes(METHODS["attach_disk"], ["vm-1", "disk-1"], "/dev/sdc", 2, succeeded=True)
    assert changes.attached == ("vm-1", "disk-1") and not changes.created


def test_every_cid_parameter_names_its_kind():
    for spec in METHODS.values():
        for param in spec.params:
            if param.name.endswith("_cid"):
                assert isinstance(param.kind, CloudIdKind), (spec.name, param.name)


@pytest.mark.parametrize(("method", "given", "param", "fragment"), [
    ("create_disk", ["x"], "size", "expected integer"),
    ("create_disk", [True], "size", "expected integer"),  # a boolean is not an integer in JSON
    ("delete_vm", [""], "vm_cid", "empty vm cloud ID"),
    ("create_vm", ["a", "s", {}, {}, [""]], "disk_cids", "item 0"),
    ("delete_vm", {"vm": "x"}, "vm", "no such parameter"),
    ("delete_vm", [], "vm_cid", "missing"),
])
def test_argument_problems_name_the_parameter(method, given, param, fragment):
    with pytest.raises(ArgumentProblem) as problem:
        bind_arguments(METHODS[method], given, 2)
    assert problem.value.param == param and fragment in str(problem.value)


def test_too_many_arguments_and_defaults():
    with pytest.raises(ArgumentProblem, match="takes 1 argument"):
        bind_arguments(METHODS["has_vm"], ["a", "b"], 2)
    assert bind_arguments(METHODS["create_vm"], {"agent_id": "a", "stemcell_cid": "s", "networks": {}}, 2) == \
        ["a", "s", {}, {}, [], {}]
    assert bind_arguments(METHODS["create_disk"], ["big"], 2, validate=False) == ["big"]  # --no-validate


@pytest.mark.parametrize("value", ["<redacted>", {"password": "<redacted>"}, {"nets": [{"key": "a-<redacted>"}]}])
def test_the_mask_text_is_refused_as_an_argument(value):
    """A REPL line recalled from masked history would otherwise send `<redacted>` to the CPI as a password."""
    with pytest.raises(ArgumentProblem, match=r"cloud_properties.*the text cpictl shows in place of a secret"):
        bind_arguments(get_method("create_disk"), [10, value if isinstance(value, dict) else {"a": value}, None], 2)
    assert bind_arguments(get_method("create_disk"), [10, {"a": "<redacted>"}, None], 2, validate=False)
