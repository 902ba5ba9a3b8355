"""Judge one call's response against a step's `expect`: success or error, error type, ok_to_retry, message, and
the predicates over the result.

Pure functions over plain data: the runner hands in the response `{result, error, log}` and a function that
resolves references in expected values. Comparisons follow JSON, not Python: `true` is not `1`, and `1` equals
`1.0`. A CPI that misbehaved is judged before this (it fails whatever the expectation says). Error types are
compared as the callers read them: `error: NotImplemented` also takes the legacy forms both rewrite to it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cpictl.protocol.errors import error_type_matches, is_legacy_not_implemented
from cpictl.protocol.shapes import json_type_name
from cpictl.recipes.plan import ExpectPlan, ResultCheckPlan

Resolve = Callable[[Any], Any]
_SHORT = 120


@dataclass(frozen=True)
class ExpectationFailure:
    """One unmet expectation. `subpath` points into the step (("expect", "result", 0, "equals")) for the line."""

    message: str
    subpath: tuple[str | int, ...] = ("expect",)

    def __str__(self) -> str:
        return self.message


def short_json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _SHORT else text[: _SHORT - 1] + "…"


def json_equal(left: Any, right: Any) -> bool:
    """Equality as JSON sees it: booleans are not numbers, 1 == 1.0, containers compared deeply."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(json_equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    return type(left) is type(right) and left == right


def is_truthy(value: Any) -> bool:
    """JMESPath truthiness: false, null, "", [] and {} are false; 0 is true."""
    if value is None or value is False:
        return False
    if isinstance(value, (str, list, dict)):
        return len(value) > 0
    return True


def check_response(expect: ExpectPlan, response: Mapping[str, Any] | None,
                   resolve: Resolve) -> list[ExpectationFailure]:
    """Every unmet expectation of a response that kept to the contract."""
    response = response or {}
    error = response.get("error") if isinstance(response.get("error"), Mapping) else None
    failures: list[ExpectationFailure] = []
    if expect.ok is True and error is not None:
        failures.append(ExpectationFailure(f"expected success, got {_error_text(error)}", ("expect",)))
    if expect.ok is False and error is None:
        wanted = f"error {expect.error}" if expect.error else "an error"
        failures.append(ExpectationFailure(f"expected {wanted}, but the call succeeded with result "
                                           f"{short_json(response.get('result'))}", ("expect",)))
    if error is not None:
        failures.extend(_check_error(expect, error, resolve))
    elif expect.ok is not False:
        for check in expect.checks:
            failures.extend(check_result(check, response.get("result"), resolve))
    return failures


def _error_text(error: Mapping[str, Any]) -> str:
    retry = ", ok_to_retry" if error.get("ok_to_retry") is True else ""
    return f"error {error.get('type')}{retry}: {error.get('message')}"


def error_is(error: Mapping[str, Any], wanted: str) -> bool:
    """Whether an error answer is of the type `wanted` (full or short name), as both callers read it: the legacy
    forms of NotImplemented (`CloudError` "Invalid Method: …", the Ruby library's `InvalidCall` "Method is not
    known, got …") are NotImplemented to them."""
    actual = str(error.get("type", ""))
    if error_type_matches(actual, wanted):
        return True
    return (error_type_matches("NotImplemented", wanted)
            and is_legacy_not_implemented(actual, str(error.get("message", ""))))


def _check_error(expect: ExpectPlan, error: Mapping[str, Any], resolve: Resolve) -> list[ExpectationFailure]:
    failures = []
    actual_type = str(error.get("type", ""))
    if expect.error is not None and not error_is(error, expect.error):
        failures.append(ExpectationFailure(f"expected error {expect.error}, got {_error_text(error)}",
                                           ("expect", "error")))
    if expect.ok_to_retry is not None and error.get("ok_to_retry") is not expect.ok_to_retry:
        failures.append(ExpectationFailure(f"expected ok_to_retry {str(expect.ok_to_retry).lower()}, got "
                                           f"{short_json(error.get('ok_to_retry'))} ({actual_type})",
                                           ("expect", "ok_to_retry")))
    if expect.message is not None:
        try:
            pattern = resolve(expect.message)
        except ValueError as problem:  # an unresolvable reference in the pattern
            return [*failures, ExpectationFailure(f"expect.message: {problem}", ("expect", "message"))]
        failure = _search(pattern, str(error.get("message", "")), "error message")
        if failure:
            failures.append(ExpectationFailure(failure, ("expect", "message")))
    return failures


def _search(pattern: Any, text: str, what: str) -> str | None:
    try:
        compiled = pattern if isinstance(pattern, re.Pattern) else re.compile(str(pattern))
    except re.error as error:
        return f"invalid regular expression {pattern!r}: {error}"
    if compiled.search(text) is None:
        return f"{what} {short_json(text)} does not match /{compiled.pattern}/"
    return None


def check_result(check: ResultCheckPlan, result: Any, resolve: Resolve) -> list[ExpectationFailure]:
    """Apply one `expect.result` item's predicates."""
    where = ("expect", "result", check.index)
    label = f"result {check.path.text}" if check.path else "result"
    try:
        value = check.path.search(result) if check.path else result
    except Exception as error:  # JMESPath type errors (a function applied to the wrong type) are the user's
        return [ExpectationFailure(f"{label}: cannot evaluate: {error}", (*where, "path"))]
    failures = []
    for predicate, expected in check.predicates.items():
        try:
            expected = resolve(expected)
        except ValueError as error:  # an unresolvable reference in an expected value
            failures.append(ExpectationFailure(f"{label}: {error}", (*where, predicate)))
            continue
        if predicate == "matches" and check.regex is not None:
            expected = check.regex
        problem = _PREDICATES[predicate](value, expected)
        if problem:
            failures.append(ExpectationFailure(f"{label}: {problem}", (*where, predicate)))
    return failures


def _equals(value: Any, expected: Any) -> str | None:
    return None if json_equal(value, expected) else f"expected {short_json(expected)}, got {short_json(value)}"


def _not_equals(value: Any, expected: Any) -> str | None:
    return f"expected anything but {short_json(expected)}" if json_equal(value, expected) else None


def _contains(value: Any, expected: Any) -> str | None:
    if isinstance(value, str):
        found = isinstance(expected, str) and expected in value
    elif isinstance(value, list):
        found = any(json_equal(item, expected) for item in value)
    elif isinstance(value, dict):
        found = isinstance(expected, str) and expected in value
    else:
        return f"expected a string, array or object containing {short_json(expected)}, got {short_json(value)}"
    return None if found else f"{short_json(value)} does not contain {short_json(expected)}"


def _matches(value: Any, expected: Any) -> str | None:
    if not isinstance(value, str):
        return f"expected a string matching /{getattr(expected, 'pattern', expected)}/, got {short_json(value)}"
    return _search(expected, value, "value")


def _type(value: Any, expected: Any) -> str | None:
    actual = json_type_name(value)
    if actual == expected or (expected == "number" and actual == "integer"):
        return None
    return f"expected type {expected}, got {actual} {short_json(value)}"


def _exists(value: Any, expected: Any) -> str | None:
    if (value is not None) == bool(expected):
        return None
    return "expected a value, found nothing (null)" if expected else f"expected nothing, got {short_json(value)}"


def _length(value: Any, expected: Any) -> str | None:
    if not isinstance(value, (str, list, dict)):
        return f"expected a string, array or object of length {expected}, got {short_json(value)}"
    return None if len(value) == expected else f"expected length {expected}, got {len(value)} {short_json(value)}"


_PREDICATES: dict[str, Callable[[Any, Any], str | None]] = {
    "equals": _equals, "not_equals": _not_equals, "contains": _contains, "matches": _matches, "type": _type,
    "exists": _exists, "length": _length,
}
