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
from cpictl.targets.config_schema import ConfigFileModel

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
        from cpictl.targets.config_problems import config_problems

        raise ConfigError(config_problems(error, data, source)) from None
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
    return [RecipeProblem(p.file, p.line, p.column, _without_line_text(p.message, lines[p.line - 1])
                          + " (the line is not shown: it may hold a cpi-config secret)")
            if p.line is not None and p.source_lines and _in_context(lines, p.line - 1) else p for p in problems]


def _without_line_text(message: str, line: str) -> str:
    """The message with every quoted piece of the line it is about replaced (a YAML error may quote the value:
    `'aGk=' reads as a YAML bytes`)."""
    return re.sub(r"'([^']+)'", lambda match: "the value" if match[1] in line else match[0], message)


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
