"""Turn pydantic's validation errors into recipe problems that point at the offending key or value.

Pydantic reports locations through the models (with union member names and step tags mixed in); this module walks
the same location through the parsed data, keeping only the parts that exist there, and words the messages for
someone editing YAML: "unknown key 'expct' in a step (did you mean 'expect'?)", "expected an integer, got a string".
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import ValidationError

from cpictl.recipes.positions import DataPath, SourceMap
from cpictl.recipes.problems import RecipeProblem
from cpictl.recipes.schema import FIELDS_BY_MODEL, PREDICATE_KEYS, RecipeFile

_EXPECTED = {
    "list_type": "a list", "string_type": "a string", "dict_type": "a mapping", "int_type": "an integer",
    "int_from_float": "an integer", "float_type": "a number", "bool_type": "true or false",
    "model_type": "a mapping", "model_attributes_type": "a mapping", "none_required": "null",
}
_PLACES = {"recipe": "the recipe", "target": "target", "call": "a step", "include": "an include step",
           "expect": "expect", "check": "an expect.result check", "retry": "retry"}


def validate_recipe_file(data: Any, source: SourceMap) -> tuple[RecipeFile | None, list[RecipeProblem]]:
    """The validated model, or None and the problems (several at once where pydantic finds several)."""
    try:
        return RecipeFile.model_validate(data), []
    except ValidationError as exc:
        return None, problems_from_validation(exc, data, source)


def problems_from_validation(exc: ValidationError, data: Any, source: SourceMap) -> list[RecipeProblem]:
    grouped: dict[DataPath, list[dict[str, Any]]] = {}
    for details in exc.errors(include_url=False):
        error: dict[str, Any] = dict(details)
        path, rest = walk(data, error["loc"])
        error["_rest"] = rest
        grouped.setdefault(path, []).append(error)
    problems: list[RecipeProblem] = []
    for path, errors in grouped.items():
        problems.extend(_problems_at(path, errors, data, source))
    return problems


def walk(data: Any, loc: tuple[Any, ...]) -> tuple[DataPath, list[Any]]:
    """The longest data path along pydantic's location `loc`, and the location parts that name nothing in the
    data (tags, union members, `[key]`, missing keys). A named target's config reads its errors with it too."""
    path: list[str | int] = []
    rest: list[Any] = []
    current = data
    for part in loc:
        in_dict = isinstance(current, dict) and isinstance(part, str) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        if in_dict or in_list:
            path.append(part)
            current = current[part]
        else:
            rest.append(part)
    return tuple(path), rest


def value_at(data: Any, path: DataPath) -> Any:
    for part in path:
        data = data[part]
    return data


def place_of(path: DataPath, data: Any) -> str:
    """Which model lives at `path` (a key of FIELDS_BY_MODEL), judged from the shape of the path."""
    if not path:
        return "recipe"
    last = path[-1]
    if path == ("target",):
        return "target"
    if isinstance(last, int) and len(path) >= 2 and path[-2] == "result":
        return "check"
    if last in ("expect", "retry"):
        return str(last)
    if isinstance(last, int) and len(path) == 2 and path[0] in ("steps", "finally"):
        value = value_at(data, path)
        return "include" if isinstance(value, dict) and "include" in value else "call"
    return "recipe"


def json_type_label(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def did_you_mean(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _problems_at(path: DataPath, errors: list[dict[str, Any]], data: Any,
                 source: SourceMap) -> list[RecipeProblem]:
    problems: list[RecipeProblem] = []
    type_errors = [e for e in errors if e["type"] in _EXPECTED or e["type"] == "literal_error"
                   or _bound(e) is not None]
    for error in errors:
        kind = error["type"]
        if kind == "extra_forbidden":
            problems.append(_unknown_key(path, data, source))
        elif kind == "missing":
            name = next((part for part in reversed(error["_rest"]) if isinstance(part, str)), "?")
            problems.append(source.problem(path, f"missing required key '{name}' in "
                                                 f"{_PLACES[place_of(path, data)]}"))
        elif kind == "step_kind":
            problems.append(_not_a_step(path, data, source))
        elif error not in type_errors:
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(source.problem(path, f"{_field(path)}{message}"))
    if type_errors:
        problems.append(source.problem(path, _type_message(path, type_errors, value_at(data, path))))
    return problems


def _type_message(path: DataPath, errors: list[dict[str, Any]], value: Any) -> str:
    literals = [str(e["ctx"]["expected"]) for e in errors if e["type"] == "literal_error" and "ctx" in e]
    if isinstance(value, str) and literals and len(literals) == len(errors):
        choices = [c.strip().strip("'") for c in " or ".join(literals).replace(" or ", ",").split(",") if c.strip()]
        return (f"{_field(path)}{value!r} is not one of {', '.join(choices)}"
                f"{did_you_mean(value, choices)}")
    wanted = list(dict.fromkeys(_expected(e) for e in errors))
    ranged = any(_bound(e) is not None for e in errors)  # the value's type was right, its size was not: show it
    return f"{_field(path)}expected {' or '.join(wanted)}, got {_found(value) if ranged else json_type_label(value)}"


def _expected(error: dict[str, Any]) -> str:
    if error["type"] == "literal_error":
        return str(error["msg"]).removeprefix("Input should be ")
    return _EXPECTED.get(error["type"]) or _bound(error) or str(error["msg"])


def _bound(error: dict[str, Any]) -> str | None:
    """"an integer of at least 1" for a range or length error, worded as a named target's config says it (None
    for other kinds)."""
    if error["type"] in _EXPECTED or error["type"] == "literal_error":
        return None
    from cpictl.targets.config_problems import expected  # it imports this module: not at import time

    return expected(error)


def _found(value: Any) -> str:
    from cpictl.targets.config_problems import found

    return found(value)


def _field(path: DataPath) -> str:
    named = [part for part in path if isinstance(part, str)]
    return f"{named[-1]}: " if named else ""


def _unknown_key(path: DataPath, data: Any, source: SourceMap) -> RecipeProblem:
    key = str(path[-1])
    place = place_of(path[:-1], data)
    hint = did_you_mean(key, FIELDS_BY_MODEL[place])
    if not hint and place == "expect" and key in PREDICATE_KEYS:
        hint = " (result predicates go in a list under expect.result: [{path: ..., " + key + ": ...}])"
    if not hint and place == "call" and key == "vars":
        hint = " (vars go at the top of the recipe, or beside `include:`)"
    allowed = ", ".join(FIELDS_BY_MODEL[place])
    return source.problem(path, f"unknown key '{key}' in {_PLACES[place]}{hint}; allowed: {allowed}", key=True)


def _not_a_step(path: DataPath, data: Any, source: SourceMap) -> RecipeProblem:
    value = value_at(data, path)
    if not isinstance(value, dict):
        return source.problem(path, f"a step must be a mapping with `call: METHOD` (or `include: FILE`), got "
                                    f"{json_type_label(value)}")
    for key in value:
        hint = did_you_mean(str(key), ["call", "include"])
        if hint:
            return source.problem((*path, key), f"a step needs `call: METHOD` (or `include: FILE`){hint}", key=True)
    return source.problem(path, "a step needs `call: METHOD` (or `include: FILE`)")
