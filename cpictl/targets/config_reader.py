"""Reading one config file: bounded input, YAML with positions, the schema, and problems at file:line:column.

The recipe loader's machinery (`cpictl.recipes.positions`, `sources`): regular files only, at most 16 MiB, depth
and value limits, problems quoting the line with a caret. Secret values are never quoted: those under
secret-sounding keys (as in recipes), and here also every `context` value but the director's own keys (cpi-config
properties, masked as the director masks them) and the values under a target's own `secrets:` keys. YAML that did
not parse has no spans to mask by: a problem on a line in (or opening) a `context` block quotes no line.
"""

from __future__ import annotations

import os
import re
from typing import Any

from cpictl.recipes.positions import DataPath, SourceMap, parse_yaml
from cpictl.recipes.problems import RecipeError, RecipeProblem
from cpictl.targets.config import CONTEXT_PUBLIC_KEYS, ConfigError, LoadedFile
from cpictl.targets.config_files import ConfigFile
from cpictl.targets.config_schema import FIELDS_BY_PLACE, ConfigFileModel

_CACHE: dict[str, tuple[tuple[int, int, int], LoadedFile]] = {}


def read_config_file(file: ConfigFile) -> LoadedFile:
    """One file, read, parsed and checked (cached while its size and modification time stay). Raises
    ConfigError."""
    display = str(file.path)
    try:
        status = os.stat(file.path)
    except OSError as error:
        raise ConfigError([RecipeProblem(display, None, None, f"cannot read: {error.strerror or error}")]) from None
    stamp = (status.st_ino, status.st_size, status.st_mtime_ns)
    cached = _CACHE.get(str(file.path.absolute()))
    if cached is not None and cached[0] == stamp and cached[1].file == file:
        return cached[1]
    loaded = _read(file, display)
    _CACHE[str(file.path.absolute())] = (stamp, loaded)
    return loaded


def _read(file: ConfigFile, display: str) -> LoadedFile:
    from cpictl.input_limits import read_regular_file
    from cpictl.recipes.sources import decode_recipe

    try:
        text = decode_recipe(read_regular_file(file.path), display)
    except OSError as error:
        raise ConfigError([RecipeProblem(display, None, None, f"cannot read: {error.strerror or error}")]) from None
    except RecipeError as error:
        raise ConfigError(error.problems) from None
    return parse_config_text(text, file)


def parse_config_text(text: str, file: ConfigFile) -> LoadedFile:
    """A config file's text, parsed and checked (also what `cpictl target add` is about to write). Raises
    ConfigError."""
    display = str(file.path)
    try:
        data, source = parse_yaml(text, display)
    except RecipeError as error:
        raise ConfigError(_unquoted_in_context(error.problems, text.split("\n"))) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([source.problem((), "a config file is a mapping with `targets:` (name → target) and "
                                               "optionally `default:`")])
    _mask_config_secrets(data, source)
    from pydantic import ValidationError

    try:
        model = ConfigFileModel.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_problems(error, data, source)) from None
    return LoadedFile(file, model, source)


# -- secrets in quoted lines ----------------------------------------------------------------------------------------

def _mask_config_secrets(data: dict[str, Any], source: SourceMap) -> None:
    """Mark as secret (never quoted) every context value but the director's own keys, and the values under a
    target's `secrets:` keys; `parse_yaml` already marked those under secret-sounding keys."""
    targets = data.get("targets")
    if not isinstance(targets, dict):
        return
    extra = {str(name).lower() for entry in targets.values() if isinstance(entry, dict)
             and isinstance(entry.get("secrets"), list) for name in entry["secrets"]}
    for name, entry in targets.items():
        if not isinstance(entry, dict):
            continue
        context = entry.get("context")
        if isinstance(context, dict):
            for key in context:
                if key not in CONTEXT_PUBLIC_KEYS:
                    _secret_span(source, ("targets", name, "context", key))
        for part in ("env", "context"):
            values = entry.get(part)
            if isinstance(values, dict):
                _mark_extra(values, ("targets", name, part), extra, source)


def _mark_extra(value: Any, path: DataPath, extra: set[str], source: SourceMap) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if str(key).lower() in extra:
                _secret_span(source, (*path, key))
            else:
                _mark_extra(item, (*path, key), extra, source)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _mark_extra(item, (*path, index), extra, source)


def _secret_span(source: SourceMap, path: DataPath) -> None:
    span = source.values.get(path)
    if span is not None:
        source.secrets.append(span)


_CONTEXT_KEY = re.compile(r"""^\s*(?:-\s+)?["']?context["']?\s*:""")


def _unquoted_in_context(problems: list[RecipeProblem], lines: list[str]) -> list[RecipeProblem]:
    """YAML that did not parse has no spans to mask: a problem on a line inside (or opening) a `context` block
    quotes nothing, since every value there may be a credential."""
    return [RecipeProblem(p.file, p.line, p.column, p.message + " (the line is not shown: it may hold a "
                          "cpi-config secret)") if p.line is not None and p.source_lines
            and _in_context(lines, p.line - 1) else p for p in problems]


def _in_context(lines: list[str], index: int) -> bool:
    """Whether line `index` is a `context:` line or lies inside one's block (by indentation, as YAML nests)."""
    if index >= len(lines):
        return False
    if "context" in lines[index] and re.search(r"""["']?context["']?\s*:""", lines[index]):
        return True
    level = len(lines[index]) - len(lines[index].lstrip(" "))
    for above in range(index - 1, -1, -1):
        text = lines[above]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        indent = len(text) - len(text.lstrip(" "))
        if indent < level:
            if _CONTEXT_KEY.match(text):
                return True
            level = indent
            if level == 0:
                return False
    return False


# -- validation problems --------------------------------------------------------------------------------------------

_EXPECTED = {
    "list_type": "a list", "string_type": "a string", "dict_type": "a mapping", "int_type": "an integer",
    "int_from_float": "an integer", "float_type": "a number", "bool_type": "true or false",
    "model_type": "a mapping", "model_attributes_type": "a mapping", "none_required": "null",
}


def _problems(error: Any, data: Any, source: SourceMap) -> list[RecipeProblem]:
    """Pydantic's errors as problems at the offending key or value, worded for someone editing YAML."""
    from cpictl.recipes.validation import did_you_mean, json_type_label, value_at

    grouped: dict[DataPath, list[dict[str, Any]]] = {}
    for details in error.errors(include_url=False):
        path, rest = _walk(data, details["loc"])
        grouped.setdefault(path, []).append({**details, "_rest": rest})
    problems: list[RecipeProblem] = []
    for path, errors in grouped.items():
        field = next((part for part in reversed(path) if isinstance(part, str)), "")
        prefix = f"{field}: " if field else ""
        kinds = []
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
                problems.append(source.problem(path, f"'{path[-1]}' is not a target name: letters, digits, "
                                                     "'.', '_' and '-', starting with a letter or digit", key=True))
            elif kind in _EXPECTED:
                kinds.append(_EXPECTED[kind])
            elif kind == "literal_error":
                kinds.append(str(item["msg"]).removeprefix("Input should be "))
            else:
                problems.append(source.problem(path, prefix + str(item["msg"]).removeprefix("Value error, ")))
        if kinds:
            value = value_at(data, path)
            literal_only = all(item["type"] == "literal_error" for item in errors if item["type"] not in
                               ("extra_forbidden", "missing"))
            if literal_only and isinstance(value, str) and path not in _secret_paths(source):
                choices = ", ".join(kinds).replace(" or ", ", ")
                hint = did_you_mean(value, re.findall(r"'([^']*)'", choices))
                problems.append(source.problem(path, f"{prefix}{value!r} is not one of {choices}{hint}"))
            else:
                problems.append(source.problem(path, f"{prefix}expected {' or '.join(dict.fromkeys(kinds))}, got "
                                                     f"{json_type_label(value)}"))
    return problems


def _secret_paths(source: SourceMap) -> set[DataPath]:
    secret_spans = set(source.secrets)
    return {path for path, span in source.values.items() if span in secret_spans}


def _walk(data: Any, loc: tuple[Any, ...]) -> tuple[DataPath, list[Any]]:
    """The longest data path along pydantic's location, and the parts that name nothing in the data (union
    members, `[key]`, missing keys)."""
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


_PLACE_WORDS = {"config": "the config file", "target": "a target", "registry": "a target's registry"}


def _place(path: DataPath) -> str:
    if len(path) == 2 and path[0] == "targets":
        return "target"
    if len(path) == 3 and path[0] == "targets" and path[2] == "registry":
        return "registry"
    return "config"

