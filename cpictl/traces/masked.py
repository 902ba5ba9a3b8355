"""The values a trace or a BOSH debug log holds only as `"<redacted>"`, and how the user gives them back (`--var`,
a prompt). The one home of masked values: `call --from-trace`, `trace replay`/`export` and `call --from-log` all
name, read and fill them here, so each takes the same `--var` names.

A trace is masked (cpictl masks what it keeps; a director had already redacted what it logged), so a call taken
from it can be sent again only once every masked value is given. This module finds them, names them and fills
them in; it never guesses one, and a value still masked is never sent (`MissingValues`).

Rules kept:
- A value is named by its path in the request: `arguments[2].password`, `context.secret_access_key`,
  `arguments[3].default.cloud_properties.subnet`; a key that is not a plain word is written `["a.b"]`. A `--var`
  may also write an index as a dotted number: `arguments.2.password` (as `call --from-log` always read it).
- `--var` takes that path, or the path with the parameter's name for `arguments[i]` (`cloud_properties.password`),
  or the shell variable name an export gives it (`CLOUD_PROPERTIES_PASSWORD`). `PATH=VALUE` gives a string;
  `PATH:=JSON` any JSON value (a number, an object), as httpie spells it.
- A string that holds the mask inside it (a URL's `<redacted>@host`) gets the value in place of the mask.
- Variable names come from the path, upper case, parameter names for argument positions, made unique.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cpictl.protocol.redaction import MASK

Key = str | int
_WORD = re.compile(r"[A-Za-z0-9_-]+")
_PATH_PIECE = re.compile(r"\.?([A-Za-z0-9_-]+)|\[(\d+)\]|\[(\"(?:[^\"\\]|\\.)*\")\]")


class MissingValues(ValueError):
    """Masked values nobody gave: sending the call would hand the CPI `<redacted>`."""

    def __init__(self, missing: list[MaskedValue], how: str) -> None:
        self.missing = missing
        listed = "; ".join(f"{value.path} (${value.variable})" for value in missing)
        super().__init__(f"the trace masked {len(missing)} value(s) the call needs: {listed}. {how}")


class VariableProblem(ValueError):
    """A `--var` that does not parse or names no masked value."""


@dataclass(frozen=True)
class MaskedValue:
    """One value the trace holds masked: where it sits and what an export calls it."""

    keys: tuple[Key, ...]  # ("arguments", 2, "password")
    path: str  # arguments[2].password
    alias: str  # cloud_properties.password (the parameter's name for an argument position), else the path
    variable: str  # CLOUD_PROPERTIES_PASSWORD
    whole: bool  # the value is the mask itself (else the mask sits inside a longer string)


def format_path(keys: Iterable[Key]) -> str:
    text = ""
    for key in keys:
        if isinstance(key, int):
            text += f"[{key}]"
        elif _WORD.fullmatch(key):
            text += f".{key}" if text else key
        else:
            text += f"[{json.dumps(key)}]"
    return text


def parse_path(text: str) -> tuple[Key, ...]:
    """The keys of a path written as `format_path` writes it; VariableProblem when it does not read."""
    keys: list[Key] = []
    position = 0
    while position < len(text):
        match = _PATH_PIECE.match(text, position)
        if match is None or match.end() == position or (position == 0 and text.startswith(".")):
            raise VariableProblem(f"--var {text}: not a path like arguments[2].password or context.key")
        word, index, quoted = match.groups()
        keys.append(word if word is not None else int(index) if index is not None else json.loads(quoted))
        position = match.end()
    if not keys:
        raise VariableProblem("--var: empty path")
    return tuple(keys)


def masked_values(request: dict[str, Any], *, arguments_only: bool = False) -> list[MaskedValue]:
    """Every masked value of a request document, in document order. `arguments_only`: those of its arguments
    (a replay takes the context from its target, so the trace's context is not sent)."""
    from cpictl.protocol.catalogue import get_method

    method = request.get("method")
    spec = get_method(method) if isinstance(method, str) else None
    api_version = request.get("api_version")
    params = spec.params_for(api_version if isinstance(api_version, int) else None) if spec else ()
    found: list[MaskedValue] = []
    used: set[str] = set()
    roots = ("arguments",) if arguments_only else ("arguments", "context")
    for root in roots:
        for keys, whole in _masks(request.get(root), (root,)):
            named = keys
            if root == "arguments" and len(keys) > 1 and isinstance(keys[1], int) and keys[1] < len(params):
                named = (params[keys[1]].name, *keys[2:])
            found.append(MaskedValue(keys, format_path(keys), format_path(named), _unique(_variable(named), used),
                                     whole))
    return found


def _masks(value: Any, keys: tuple[Key, ...]) -> Iterable[tuple[tuple[Key, ...], bool]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _masks(item, (*keys, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _masks(item, (*keys, index))
    elif isinstance(value, str) and MASK in value:
        yield keys, value == MASK


def _variable(keys: tuple[Key, ...]) -> str:
    name = re.sub(r"[^A-Za-z0-9]+", "_", "_".join(str(key) for key in keys)).strip("_").upper() or "VALUE"
    return name if not name[0].isdigit() else f"V_{name}"


def _unique(name: str, used: set[str]) -> str:
    candidate, count = name, 1
    while candidate in used:
        count += 1
        candidate = f"{name}_{count}"
    used.add(candidate)
    return candidate


def parse_assignments(words: Iterable[str], masked: list[MaskedValue]) -> dict[tuple[Key, ...], Any]:
    """`--var` words → values by the keys of the masked value each names (see the module docstring)."""
    by_name: dict[str, MaskedValue] = {}
    for value in masked:
        for name in (value.path, value.alias, value.variable, f"${value.variable}"):
            by_name.setdefault(name, value)
    values: dict[tuple[Key, ...], Any] = {}
    for word in words:
        name, equals, text = word.partition("=")
        if not equals or not name:
            raise VariableProblem(f"--var {word}: expected PATH=VALUE (or PATH:=JSON), e.g. arguments[2].password=…")
        as_json = name.endswith(":")
        name = name[:-1] if as_json else name
        target = by_name.get(name) or _by_path(name, by_name)
        if target is None:
            raise VariableProblem(_unknown(name, masked))
        values[target.keys] = _json_value(word, text) if as_json else text
    return values


def _by_path(name: str, by_name: dict[str, MaskedValue]) -> MaskedValue | None:
    """The masked value `name` names when written another way: `a["b"]` for `a.b`, `arguments.2.x` for
    `arguments[2].x` (VariableProblem when it is no path at all)."""
    keys = parse_path(name)
    return by_name.get(format_path(keys)) or by_name.get(format_path(_dotted_indexes(keys)))


def _dotted_indexes(keys: tuple[Key, ...]) -> tuple[Key, ...]:
    """`keys` with each all-digit word after the first read as a list index. Only a fallback: a dict key "2" that
    really is a string is still found by the path as written."""
    return (keys[0], *(int(key) if isinstance(key, str) and key.isdigit() else key for key in keys[1:]))


def _json_value(word: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        raise VariableProblem(f"--var {word.partition('=')[0]}: the value after := is not JSON ({error})") from None


def _unknown(name: str, masked: list[MaskedValue]) -> str:
    if name.lstrip("$").startswith(("context", "CONTEXT_")) and not any(v.keys[0] == "context" for v in masked):
        return (f"--var {name}: the call is sent with your target's context; set it with --context KEY=VALUE "
                "(cpi-config properties)")
    if not masked:
        return f"--var {name}: the call has no masked values to fill in"
    import difflib

    names = [value.path for value in masked] + [value.alias for value in masked] + [v.variable for v in masked]
    close = difflib.get_close_matches(name, names, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    listed = ", ".join(value.path for value in masked)
    return f"--var {name}: not a masked value of this call{hint}; masked: {listed}"


def filled(document: Any, values: dict[tuple[Key, ...], Any], masked: list[MaskedValue]) -> Any:
    """A copy of the request `document` with the given values in place of the masks they fill."""
    copy = json.loads(json.dumps(document))
    for value in masked:
        if value.keys not in values:
            continue
        given = values[value.keys]
        parent = copy
        for key in value.keys[:-1]:
            parent = parent[key]
        leaf = value.keys[-1]
        current = parent[leaf]
        parent[leaf] = given if value.whole else current.replace(MASK, given if isinstance(given, str)
                                                                 else json.dumps(given))
    return copy


def given_or_asked(masked: list[MaskedValue], values: dict[tuple[Key, ...], Any],
                   ask: Callable[[MaskedValue], str | None] | None) -> dict[tuple[Key, ...], Any]:
    """`values`, and `ask`'s answer for each masked value they lack, in order; the first answer left empty (None)
    stops the asking (the user gave up: the rest go to `MissingValues` rather than to more prompts)."""
    values = dict(values)
    if ask is None:
        return values
    for value in still_missing(masked, values):
        answer = ask(value)
        if answer is None:
            break
        values[value.keys] = answer
    return values


def still_missing(masked: list[MaskedValue], values: dict[tuple[Key, ...], Any]) -> list[MaskedValue]:
    return [value for value in masked if value.keys not in values]
