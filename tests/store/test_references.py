"""`${...}` references: every form, type preservation, escapes, and errors that say which reference and where."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpictl.protocol.catalogue import CloudIdChanges
from cpictl.protocol.kinds import CloudIdKind
from cpictl.store import CloudIdStore, StoreState
from cpictl.store.references import (
    BadReference,
    Resolver,
    UndefinedReference,
    find_references,
    parse_reference,
)

STEPS = {
    "vm": {"result": ["vm-7", {"default": {"ip": "10.0.0.7", "type": "dynamic"}}], "error": None, "log": ""},
    "boom": {"result": None, "error": {"type": "Bosh::Clouds::VMCreationFailed", "message": "capacity",
                                       "ok_to_retry": True}, "log": "Rescued …"},
}


@pytest.fixture
def state(tmp_path: Path) -> StoreState:
    store = CloudIdStore(tmp_path / "s.jsonl")
    for kind, cid in [(CloudIdKind.STEMCELL, "sc-1"), (CloudIdKind.VM, "vm-1"), (CloudIdKind.VM, "vm-2"),
                      (CloudIdKind.DISK, "disk-1")]:
        store.record(method="x", request_id=None, target="t", changes=CloudIdChanges(created=[(kind, cid)]))
    store.record(method="delete_vm", request_id=None, target="t",
                 changes=CloudIdChanges(deleted=[(CloudIdKind.VM, "vm-2")]))
    return store.replay()


@pytest.fixture
def resolver(state: StoreState) -> Resolver:
    return Resolver(state, variables={"size": 2048, "name": "web", "props": {"type": "gp3"}, "my-var_2": "ok"},
                    steps=STEPS, environ={"REGION": "eu-west-1"})


def test_kind_references_take_the_latest_live_cid(resolver: Resolver) -> None:
    assert resolver.resolve(["${vm}", "${disk}", "${stemcell}"]) == ["vm-1", "disk-1", "sc-1"]  # vm-2 was deleted


def test_variables_steps_and_environment(resolver: Resolver) -> None:
    assert resolver.resolve("${name}") == "web" and resolver.resolve("${my-var_2}") == "ok"
    assert resolver.resolve("${steps.vm.result[0]}") == "vm-7"
    assert resolver.resolve("${ steps.vm.result[1].default.ip }") == "10.0.0.7"
    assert resolver.resolve("${env.REGION}") == "eu-west-1"
    assert resolver.resolve("${steps.vm}") is not STEPS["vm"] and resolver.resolve("${steps.vm}") == STEPS["vm"]


def test_a_whole_string_reference_keeps_the_type(resolver: Resolver) -> None:
    assert resolver.resolve("${size}") == 2048
    assert resolver.resolve("${steps.vm.result[1]}") == {"default": {"ip": "10.0.0.7", "type": "dynamic"}}
    assert resolver.resolve("${props}") == {"type": "gp3"}
    copied = resolver.resolve("${props}")
    copied["type"] = "io2"
    assert resolver.variables["props"] == {"type": "gp3"}  # a copy, not the variable itself


def test_embedded_references_are_stringified(resolver: Resolver) -> None:
    assert resolver.resolve("disk-${size}-${name}") == "disk-2048-web"
    assert resolver.resolve("props=${props}") == 'props={"type": "gp3"}'
    assert resolver.resolve(" ${size}") == " 2048"


def test_jmespath_braces_and_quotes_inside_a_reference(resolver: Resolver) -> None:
    assert resolver.resolve("${steps.vm.result[1].default.{ip: ip}}") == {"ip": "10.0.0.7"}
    assert resolver.resolve("${steps.vm.result[?@ == 'vm-7'] | [0]}") == "vm-7"
    assert resolver.resolve("${steps.vm.result[1].default.type == '}'}") is False


def test_escapes_give_a_literal_dollar_brace(resolver: Resolver) -> None:
    assert resolver.resolve("$${vm}") == "${vm}"
    assert resolver.resolve("cost: $5 and $${x} and ${name}") == "cost: $5 and ${x} and web"
    assert find_references("$${vm}") == []


def test_values_are_resolved_recursively_but_keys_are_not(resolver: Resolver) -> None:
    value = {"${name}": ["${vm}", {"size": "${size}"}, 3, None, True], "n": 1.5}
    assert resolver.resolve(value) == {"${name}": ["vm-1", {"size": 2048}, 3, None, True], "n": 1.5}


def test_a_variable_named_like_a_kind_wins(state: StoreState) -> None:
    assert Resolver(state, variables={"vm": "vm-from-recipe"}).resolve("${vm}") == "vm-from-recipe"


@pytest.mark.parametrize(("value", "reference", "reason"), [
    ("${nothing}", "nothing", "no variable named 'nothing'"),
    ("${snapshot}", "snapshot", "no live snapshot in the session"),
    ("${env.NOPE}", "env.NOPE", "environment variable NOPE is not set"),
    ("${steps.later.result}", "steps.later.result", "no step named 'later' has run"),
    ("${steps.vm.result[5]}", "steps.vm.result[5]", "result[5] is null in step 'vm'"),
    ("${steps.boom.result[0]}", "steps.boom.result[0]",
     "the step failed: Bosh::Clouds::VMCreationFailed: capacity"),
])
def test_undefined_references_name_the_reference_and_the_place(resolver: Resolver, value, reference,
                                                                 reason) -> None:
    with pytest.raises(UndefinedReference) as raised:
        resolver.resolve({"args": {"disk_cid": ["x", value]}}, "steps[2]")
    error = raised.value
    assert error.name == reference and error.where == "steps[2].args.disk_cid[1]"
    assert f"${{{reference}}} at steps[2].args.disk_cid[1]" in str(error) and reason in str(error)


@pytest.mark.parametrize(("text", "message"), [
    ("${vm", "no closing '}'"),
    ("${}", "empty reference"),
    ("${a b}", "expected ${NAME}"),
    ("${steps.vm.result[}", "invalid JMESPath expression"),
])
def test_malformed_references_are_bad_references(resolver: Resolver, text, message) -> None:
    with pytest.raises(BadReference, match=re.escape(message)) as raised:
        resolver.resolve({"k": text}, "vars")
    assert raised.value.where == "vars.k"
    with pytest.raises(BadReference):
        find_references({"k": text})


def test_without_a_session_kinds_are_undefined() -> None:
    with pytest.raises(UndefinedReference, match="no session store"):
        Resolver().resolve("${disk}")


def test_find_references_lists_every_reference_and_its_place() -> None:
    value = {"args": ["${vm}", {"cp": "a-${env.X}-${ size }"}], "odd key": "${steps.vm.result[0]}"}
    assert find_references(value, "steps[0]") == [
        ("vm", "steps[0].args[0]"), ("env.X", "steps[0].args[1].cp"), ("size", "steps[0].args[1].cp"),
        ("steps.vm.result[0]", 'steps[0]["odd key"]'),
    ]
    ref = parse_reference("steps.vm.result[0]")
    assert (ref.form, ref.name, ref.expression) == ("step", "vm", "result[0]")
    assert parse_reference("disk").is_kind and not parse_reference("size").is_kind


def test_can_resolve_and_problems_for_dry_runs(resolver: Resolver) -> None:
    assert resolver.can_resolve("vm") and resolver.can_resolve("steps.vm.result[0]")
    assert not resolver.can_resolve("snapshot") and not resolver.can_resolve("a b")
    problems = resolver.problems({"a": "${snapshot}", "b": "${vm", "c": ["${size}", "${ghost}"]}, "step")
    assert [(type(p).__name__, p.where) for p in problems] == [
        ("UndefinedReference", "step.a"), ("BadReference", "step.b"), ("UndefinedReference", "step.c[1]")]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


def _has_reference(value) -> bool:
    if isinstance(value, str):
        return "${" in value
    if isinstance(value, dict):
        return any(_has_reference(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_reference(v) for v in value)
    return False


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_values_without_references_come_back_unchanged(value) -> None:
    if _has_reference(value):
        return
    assert Resolver(environ={}).resolve(value, "x") == value
    assert find_references(value) == []


def _import_director(store: CloudIdStore, cid: str = "vm-director") -> None:
    """What `cpictl ids import-state` appends for a create-env state file's current VM."""
    store.record_event("imported", CloudIdKind.VM, cid, method="create_vm", target="create-env state s.json")


def test_a_kind_reference_never_names_an_imported_id(tmp_path: Path) -> None:
    store = CloudIdStore(tmp_path / "s.jsonl")
    store.record(method="create_vm", request_id=None, target="t",
                 changes=CloudIdChanges(created=[(CloudIdKind.VM, "vm-mine")]))
    _import_director(store)  # imported after: the newest live VM, but the production director's
    assert Resolver(store.replay()).resolve("${vm}") == "vm-mine"


def test_only_imported_ids_live_asks_for_the_cid(tmp_path: Path) -> None:
    store = CloudIdStore(tmp_path / "s.jsonl")
    _import_director(store)
    with pytest.raises(UndefinedReference) as raised:
        Resolver(store.replay()).resolve({"vm_cid": "${vm}"}, "args")
    assert ("only imported vm IDs are live (from a create-env state file); name the CID explicitly"
            in str(raised.value))
    assert raised.value.where == "args.vm_cid"
    assert Resolver(store.replay()).resolve("vm-director") == "vm-director"  # named explicitly: fine


def _disk_world(tmp_path: Path) -> StoreState:
    store = CloudIdStore(tmp_path / "w.jsonl")
    for kind, cid in [(CloudIdKind.VM, "vm-a"), (CloudIdKind.VM, "vm-b"), (CloudIdKind.DISK, "disk-1"),
                      (CloudIdKind.DISK, "disk-2")]:
        store.record(method="x", request_id=None, target="t", changes=CloudIdChanges(created=[(kind, cid)]))
    store.record(method="attach_disk", request_id=None, target="t", changes=CloudIdChanges(attached=("vm-a", "disk-1")))
    return store.replay()


def test_relation_warnings_for_detach_and_attach(tmp_path: Path) -> None:
    from cpictl.store.references import relation_warnings

    state = _disk_world(tmp_path)
    (wrong_vm,) = relation_warnings("detach_disk", ["vm-b", "disk-1"], state)
    assert wrong_vm.startswith("disk disk-1 is attached to vm vm-a, not to vm vm-b") and "DiskNotAttached" in wrong_vm
    assert relation_warnings("detach_disk", {"vm_cid": "vm-a", "disk_cid": "disk-1"}, state) == []
    assert "not attached to any VM" in relation_warnings("detach_disk", ["vm-a", "disk-2"], state)[0]
    assert "already attached to vm vm-a" in relation_warnings("attach_disk", ["vm-b", "disk-1"], state)[0]
    assert "already attached to vm vm-a" in relation_warnings("attach_disk", ["vm-a", "disk-1"], state)[0]
    assert relation_warnings("attach_disk", ["vm-b", "disk-2"], state) == []
    assert relation_warnings("attach_disk", ["vm-b", "disk-unknown"], state) == []  # not the session's disk
    assert relation_warnings("delete_disk", ["disk-1"], state) == []
    assert relation_warnings("detach_disk", ["vm-b"], state) == [] and relation_warnings("detach_disk", [], None) == []
