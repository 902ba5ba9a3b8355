"""Turn words a person typed into CPI arguments: YAML values, `name=value`, `@file.yml`, `--args-file`.

Shared by `cpictl call` and the REPL, so both read arguments the same way.

Values for string parameters (cloud IDs above all) are taken literally, so `cpictl call has_disk 3` sends the
string "3" a vSphere-style CID needs, not the integer 3. Everything else is JSON or YAML.

A word `NAME=value` whose NAME is not a parameter stays a literal value (cloud IDs and metadata values may contain
'='), unless NAME is close to a parameter's name: then it is a typo, refused, since sent as a value it would name
a VM "vmcid=vm-1" to `delete_vm`.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from pathlib import Path
from typing import Any

from cpictl.protocol.catalogue import MethodSpec, Param


class InputError(ValueError):
    """Words that cannot become arguments: bad YAML, a file that cannot be read, a name given twice."""


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAMED = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)
_LITERAL_UNSAFE = tuple("[{\"'!&*|>%@`#")


def load_yaml_text(text: str, where: str) -> Any:
    import yaml  # lazy: a one-shot call with plain arguments never pays for it

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        position = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"{where}: not valid YAML{position}: {problem}") from None
    try:  # what YAML allows and JSON cannot carry: an anchor inside itself, dates, binary, .nan and .inf
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{where}: this YAML value cannot be sent as JSON ({exc})") from None
    return value


def read_source_bytes(source: str, what: str) -> bytes:
    """Read a file argument, or stdin for '-', as bytes; a missing file is a usage error."""
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise InputError(f"{what}: cannot read '{source}': {exc.strerror or exc}") from None


def read_source(source: str, what: str) -> str:
    """Read a text file argument, or stdin for '-'; a missing or non-UTF-8 file is a usage error."""
    data = read_source_bytes(source, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{what}: '{source}' is not UTF-8 text (byte {exc.start})") from None


def parse_value(text: str, param: Param | None, where: str) -> Any:
    if text.startswith("@"):
        return load_yaml_text(read_source(text[1:], where), f"{where} ({text})")
    if param is not None and param.type == "string" and text not in ("null", "~") \
            and not text.startswith(_LITERAL_UNSAFE):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return load_yaml_text(text, where)


def parse_cli_arguments(spec: MethodSpec | None, words: list[str], api_version: int | None) -> list[Any] | dict:
    """Positional words fill parameters in order; `name=value` words set a parameter by name."""
    params = list(spec.params_for(api_version)) if spec else []
    names = {p.name: p for p in params}
    positional: list[Any] = []
    named: dict[str, Any] = {}
    for number, word in enumerate(words, start=1):
        match = _NAMED.match(word)
        if match and match.group(1) not in names:
            _refuse_a_mistyped_name(match.group(1), word, names)
        if match and match.group(1) in names:
            name = match.group(1)
            if name in named:
                raise InputError(f"parameter '{name}' is given twice")
            named[name] = parse_value(match.group(2), names[name], f"parameter '{name}'")
            continue
        if named:
            raise InputError(f"argument {number} ('{word}') is positional but follows name=value arguments")
        param = params[len(positional)] if len(positional) < len(params) else None
        label = f"parameter '{param.name}'" if param else f"argument {number}"
        positional.append(parse_value(word, param, label))
    if not named:
        return positional
    for position, value in enumerate(positional):
        if params[position].name in named:
            raise InputError(f"parameter '{params[position].name}' is given both by position and by name")
        named[params[position].name] = value
    return named


def _refuse_a_mistyped_name(name: str, word: str, names: dict[str, Param]) -> None:
    """An InputError when `name` looks like a typo of a parameter name."""
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
    if close:
        quoted = "'" + word.replace("'", "''") + "'"  # YAML's single-quoted form, then as a shell word
        raise InputError(f"unknown parameter '{name}' (did you mean '{close[0]}'?); to send the text itself, "
                         f"write it as a quoted YAML string: \"{quoted}\"")


def parse_args_file(source: str) -> list[Any] | dict[str, Any]:
    value = load_yaml_text(read_source(source, "--args-file"), f"--args-file {source}")
    if not isinstance(value, (list, dict)):
        raise InputError(f"--args-file {source}: expected a YAML/JSON list or mapping of arguments")
    return value


def parse_context_pairs(pairs: list[str]) -> dict[str, Any]:
    """`--context key=value` (value parsed as YAML); dotted keys nest."""
    context: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise InputError(f"--context '{pair}': expected key=value")
        context[key] = parse_value(raw, None, f"--context {key}")
    return context


def parse_env_pairs(pairs: list[str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError(f"--env '{pair}': expected NAME=value")
        if not _ENV_NAME.fullmatch(key):  # a shell could not set it, so --dry-run's one-liner could not either
            raise InputError(f"--env '{pair}': '{key}' is not an environment variable name (letters, digits and _, "
                             "not starting with a digit)")
        env[key] = value
    return env


def version_value(text: str) -> int | None:
    """An api_version as typed (`--api-version`, `:set api_version`): `none` (or null, omit) leaves the key out;
    otherwise a whole number, never negative. Raises ValueError saying what is wrong; callers add their prefix."""
    if text.strip().lower() in ("none", "null", "omit"):
        return None
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"expected an integer or 'none', got '{text}'") from None
    if value < 0:
        raise ValueError("must not be negative")
    return value
