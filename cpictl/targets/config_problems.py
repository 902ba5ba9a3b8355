"""Pydantic's validation errors of a config file as problems worded like the recipe loader's.

Each problem is at file:line:column of the offending key or value and says the key, what was expected and what
was found: "timeout: expected a number greater than 0, got -1", "unknown key 'contxt' in a target (did you mean
'context'?)" — never pydantic's own wording ("Input should be …", "Field required", "Extra inputs are not
permitted"). The did-you-mean is the recipe loader's (`recipes.validation.did_you_mean`). A value found is
quoted only when it is short and not a secret (a secret place of the source map: `config_reader`); otherwise
its type is named. `cpictl target add` words the error of an option's value the same way (`error_message`).
"""

from __future__ import annotations

import re
from typing import Any

from cpictl.recipes.positions import DataPath, SourceMap
from cpictl.recipes.problems import RecipeProblem
from cpictl.targets.config_schema import FIELDS_BY_PLACE

_EXPECTED = {
    "list_type": "a list", "string_type": "a string", "dict_type": "a mapping", "int_type": "an integer",
    "int_from_float": "an integer", "float_type": "a number", "bool_type": "true or false",
    "model_type": "a mapping", "model_attributes_type": "a mapping", "none_required": "null",
}
_BOUNDS = {"greater_than": ("gt", "greater than"), "greater_than_equal": ("ge", "of at least"),
           "less_than": ("lt", "less than"), "less_than_equal": ("le", "of at most")}
_NAME = "a target name (letters, digits, '.', '_' and '-', starting with a letter or digit)"
_PLACE_WORDS = {"config": "the config file", "target": "a target", "registry": "a target's registry"}
_QUOTED_UP_TO = 60


def expected(error: dict[str, Any]) -> str | None:
    """What an error of one kind says was expected ("an integer of at least 1"); None for kinds that are not
    about the value's type or range."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in _EXPECTED:
        return _EXPECTED[kind]
    if kind == "literal_error":
        return str(error["msg"]).removeprefix("Input should be ")
    if kind in _BOUNDS:
        bound, words = _BOUNDS[kind]
        limit = ctx.get(bound)
        number = "an integer" if isinstance(limit, int) else "a number"
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)  # "greater than 0", not "0.0"
        return f"{number} {words} {limit}"
    if kind == "string_too_short":
        least = ctx.get("min_length", 1)
        return "a non-empty string" if least == 1 else f"a string of at least {least} characters"
    if kind == "string_too_long":
        return f"a string of at most {ctx.get('max_length')} characters"
    if kind == "too_short":
        return f"a list of at least {ctx.get('min_length')} item(s)"
    if kind == "string_pattern_mismatch":
        return _NAME
    return None


def found(value: Any, *, secret: bool = False) -> str:
    """What was found: the value when it is short and no secret ("-1", "''"), else its type."""
    from cpictl.recipes.validation import json_type_label

    if value == "":
        return "an empty string"
    if secret or isinstance(value, (dict, list)) or value is None or isinstance(value, bool):
        return json_type_label(value)
    shown = repr(value) if isinstance(value, str) else str(value)
    return shown if len(shown) <= _QUOTED_UP_TO else json_type_label(value)


def error_message(errors: list[dict[str, Any]], value: Any, *, secret: bool = False) -> str:
    """"expected A or B, got V" for the type and range errors of one value (a union's members each add one)."""
    from cpictl.recipes.validation import did_you_mean, json_type_label

    kinds = list(dict.fromkeys(filter(None, (expected(error) for error in errors))))
    literal_only = all(error["type"] == "literal_error" for error in errors)
    if literal_only and isinstance(value, str) and not secret:
        choices = ", ".join(kinds).replace(" or ", ", ")
        hint = did_you_mean(value, re.findall(r"'([^']*)'", choices))
        return f"{value!r} is not one of {choices}{hint}"
    ranged = any(error["type"] not in _EXPECTED for error in errors)  # a value out of range or not a choice
    shown = found(value, secret=secret) if ranged else json_type_label(value)
    hint = did_you_mean(value, re.findall(r"'([^']*)'", " ".join(kinds))) if isinstance(value, str) and not secret \
        else ""
    return f"expected {' or '.join(kinds)}, got {shown}{hint}"


def config_problems(error: Any, data: Any, source: SourceMap) -> list[RecipeProblem]:
    """A config file's validation errors as problems at the offending key or value."""
    from cpictl.recipes.validation import did_you_mean, value_at, walk

    grouped: dict[DataPath, list[dict[str, Any]]] = {}
    for details in error.errors(include_url=False):
        path, rest = walk(data, details["loc"])
        grouped.setdefault(path, []).append({**details, "_rest": rest})
    secret_paths = _secret_paths(source)
    problems: list[RecipeProblem] = []
    for path, errors in grouped.items():
        field = next((part for part in reversed(path) if isinstance(part, str)), "")
        prefix = f"{field}: " if field else ""
        ranged = []
        for item in errors:
            kind = item["type"]
            if kind == "extra_forbidden":
                place = _place(path[:-1])
                key = str(path[-1])
                problems.append(source.problem(path, f"unknown key '{key}' in {_PLACE_WORDS[place]}"
                                                     f"{did_you_mean(key, FIELDS_BY_PLACE[place])}; allowed: "
                                                     f"{', '.join(FIELDS_BY_PLACE[place])}", key=True))
            elif kind == "missing":
                name = next((part for part in reversed(item["_rest"]) if isinstance(part, str)), "?")
                problems.append(source.problem(path, f"missing required key '{name}' in "
                                                     f"{_PLACE_WORDS[_place(path)]}"))
            elif kind == "string_pattern_mismatch" and "[key]" in item["_rest"]:
                problems.append(source.problem(path, f"'{path[-1]}' is not {_NAME}", key=True))
            elif expected(item) is not None:
                ranged.append(item)
            else:
                problems.append(source.problem(path, prefix + str(item["msg"]).removeprefix("Value error, ")))
        if ranged and not _a_member_went_deeper(path, grouped, ranged):
            value = value_at(data, path)
            problems.append(source.problem(path, prefix + error_message(ranged, value,
                                                                       secret=path in secret_paths)))
    return problems


def _a_member_went_deeper(path: DataPath, grouped: dict[DataPath, list[dict[str, Any]]],
                          errors: list[dict[str, Any]]) -> bool:
    """Whether the type errors at `path` come from union members the value is not (`cpi: [""]` is a list, so
    "expected a string" is noise): another member matched its shape and failed inside it."""
    only_types = all(error["type"] in _EXPECTED for error in errors)
    return only_types and any(len(other) > len(path) and other[:len(path)] == path and grouped[other]
                              for other in grouped)


def _secret_paths(source: SourceMap) -> set[DataPath]:
    secret_spans = set(source.secrets)
    return {path for path, span in source.values.items() if span in secret_spans}


def _place(path: DataPath) -> str:
    if len(path) == 2 and path[0] == "targets":
        return "target"
    if len(path) == 3 and path[0] == "targets" and path[2] == "registry":
        return "registry"
    return "config"
