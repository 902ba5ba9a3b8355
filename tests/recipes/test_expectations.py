"""Expectations and result predicates judge responses the way a JSON user expects (true is not 1)."""

from __future__ import annotations

import pytest

from cpictl.recipes import load_recipe_text
from cpictl.recipes.expectations import check_response, is_truthy, json_equal

ERROR = {"type": "Bosh::Clouds::VMCreationFailed", "message": "capacity exhausted in z1", "ok_to_retry": True}


def expect_of(yaml_expect: str):
    recipe = load_recipe_text(f"name: t\nvars: {{want: x}}\nsteps:\n  - call: info\n    expect: {yaml_expect}\n")
    return recipe.steps[0].expect


def failures(yaml_expect: str, response: dict, resolve=lambda value: value) -> list[str]:
    return [f.message for f in check_response(expect_of(yaml_expect), response, resolve)]


def ok(result) -> dict:
    return {"result": result, "error": None, "log": ""}


def err(**changes) -> dict:
    return {"result": None, "error": {**ERROR, **changes}, "log": ""}


@pytest.mark.parametrize(("expect", "response", "passes"), [
    ("{ok: true}", ok(1), True),
    ("{ok: true}", err(), False),
    ("{ok: false}", err(), True),
    ("{ok: false}", ok(None), False),
    ("{ok: any}", ok(None), True),
    ("{ok: any}", err(), True),
    ("{error: VMCreationFailed}", err(), True),
    ("{error: Bosh::Clouds::VMCreationFailed}", err(), True),
    ("{error: VMNotFound}", err(), False),
    ("{error: VMNotFound}", ok(None), False),
    ("{ok: any, error: VMNotFound}", ok(None), True),  # success, or else that error
    ("{ok: any, error: VMNotFound}", err(), False),
    ("{ok_to_retry: true}", err(), True),
    ("{ok_to_retry: false}", err(), False),
    ("{message: 'capacity .* z1'}", err(), True),
    ("{message: '^z1'}", err(), False),
])
def test_ok_error_ok_to_retry_and_message(expect, response, passes):
    assert (failures(expect, response) == []) is passes


def test_failure_messages_say_what_came_back():
    assert failures("{ok: true}", err()) == [
        "expected success, got error Bosh::Clouds::VMCreationFailed, ok_to_retry: capacity exhausted in z1"]
    assert failures("{error: VMNotFound}", ok("vm-1")) == ['expected error VMNotFound, but the call succeeded with '
                                                           'result "vm-1"']


RESULT = ["vm-1", {"default": {"type": "dynamic", "ip": "10.0.0.5", "dns": ["8.8.8.8"]}}]


@pytest.mark.parametrize(("check", "passes"), [
    ('{path: "[0]", equals: vm-1}', True),
    ('{path: "[0]", equals: vm-2}', False),
    ('{path: "[0]", not_equals: vm-2}', True),
    ('{path: "[1].default.ip", matches: "^10\\\\."}', True),
    ('{path: "[1].default.ip", matches: "^192"}', False),
    ('{path: "[1].default", contains: ip}', True),           # object: has the key
    ('{path: "[1].default.dns", contains: 8.8.8.8}', True),  # array: has the element
    ('{path: "[1].default.ip", contains: "0.0"}', True),     # string: substring
    ('{path: "[1].default.dns", contains: 8.8.4.4}', False),
    ('{path: "[1].default.dns", length: 1}', True),
    ('{path: "[1].default.dns", length: 2}', False),
    ('{path: "[1].default.mac", exists: false}', True),
    ('{path: "[1].default.mac", exists: true}', False),
    ('{path: "[1]", type: object}', True),
    ('{path: "[1]", type: array}', False),
    ("{type: array, length: 2}", True),
    ('{path: "length(@)", type: number}', True),             # an integer is a number
    ('{path: "length(@)", type: integer, equals: 2}', True),
    ('{path: "[0]", matches: "vm"}', True),
])
def test_result_predicates(check, passes):
    assert (failures(f"{{result: [{check}]}}", ok(RESULT)) == []) is passes


@pytest.mark.parametrize(("left", "right", "equal"), [
    (True, 1, False), (1, 1.0, True), (False, 0, False), (None, None, True), ([1, True], [1, True], True),
    ({"a": [1]}, {"a": [1.0]}, True), ({"a": 1}, {"a": 1, "b": 2}, False), ("1", 1, False), ([1], [1, 2], False),
])
def test_json_equality(left, right, equal):
    assert json_equal(left, right) is equal


def test_boolean_result_is_not_a_number():
    assert failures("{result: [{equals: 1}]}", ok(True)) == ["result: expected 1, got true"]


def test_result_checks_are_skipped_for_errors():
    assert failures("{ok: any, result: [{equals: 1}]}", err()) == []


def test_predicate_messages_name_the_path_and_the_actual_value():
    found = failures('{result: [{path: "[1].default.ip", matches: "^192\\\\."}, {path: "[0]", length: 9}]}',
                     ok(RESULT))
    assert found == ['result [1].default.ip: value "10.0.0.5" does not match /^192\\./',
                     'result [0]: expected length 9, got 4 "vm-1"']


def test_a_jmespath_type_error_is_a_failure_not_a_crash():
    found = failures('{result: [{path: "length(`1`)", equals: 1}]}', ok(RESULT))
    assert len(found) == 1 and "cannot evaluate" in found[0]


def test_expected_values_are_resolved():
    resolve = {"${want}": "vm-1"}.get
    assert failures('{result: [{path: "[0]", equals: "${want}"}]}', ok(RESULT), resolve=resolve) == []


@pytest.mark.parametrize(("value", "truthy"), [
    (None, False), (False, False), ("", False), ([], False), ({}, False), (0, True), (True, True), ("x", True),
])
def test_jmespath_truthiness(value, truthy):
    assert is_truthy(value) is truthy
