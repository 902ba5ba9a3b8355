"""Turn words a person typed into CPI arguments: YAML values, `name=value`, `@file.yml`, `--args-file`.

Shared by `cpictl call` and the REPL, so both read arguments the same way.

Values for string parameters (cloud IDs above all) are taken literally, so `cpictl call has_disk 3` sends the
string "3" a vSphere-style CID needs, not the integer 3. Everything else is JSON or YAML.

A word `NAME=value` whose NAME is not a parameter stays a literal value (cloud IDs and metadata values may contain
'='), unless NAME is close to a parameter's name: then it is a typo, refused, since sent as a value it would name
a VM "vmcid=vm-1" to `delete_vm`.

Every input obeys `cpictl.input_limits` (size, nesting, YAML alias expansion): JSON is read by `json_value`, YAML
by the recipe loader's own parser (`cpictl.recipes.positions.parse_yaml`), files only when regular. Error messages
name the parameter or option and never quote a value that may be secret: values under secret-sounding keys and
URL userinfo are masked, and a `--context`/`--env`/`--var` value is not quoted at all.
"""

from __future__ import annotations

import difflib
import re
import sys
from typing import Any

from cpictl.input_limits import MAX_INPUT_BYTES, InputLimitError, json_value, read_regular_file, read_stream, size_text
from cpictl.protocol.catalogue import MethodSpec, Param


class InputError(ValueError):
    """Words that cannot become arguments: bad YAML, a file that cannot be read, a name given twice."""


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAMED = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)
_LITERAL_UNSAFE = tuple("[{\"'!&*|>%@`#")


def load_yaml_text(text: str, where: str, *, secret: bool = False) -> Any:
    """A YAML (or JSON) text as a value JSON can carry, within the limits; InputError naming `where` otherwise.
    `secret`: the text is a secret's value, so no message quotes any part of it."""
    from cpictl.recipes.positions import parse_yaml  # lazy: a one-shot call with plain arguments never pays for YAML
    from cpictl.recipes.problems import RecipeError

    try:
        value, _ = parse_yaml(text, where, secret=secret)
    except RecipeError as error:
        first, more = error.problems[0], len(error.problems) - 1
        position = f" (line {first.line}, column {first.column})" if first.line is not None else ""
        also = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        if first.message.startswith(("YAML syntax error", "YAML error", "the file contains a character")):
            detail = "" if secret else ": " + first.message.removeprefix("YAML syntax error: ")
            raise InputError(f"{where}: not valid YAML{position}{detail}{also}") from None
        if _is_a_limit(first.message):
            raise InputError(f"{where}: {first.message}{position}{also}") from None
        raise InputError(f"{where}: this YAML value cannot be sent as JSON{position}: {first.message}{also}") from None
    return value


def _is_a_limit(message: str) -> bool:
    from cpictl.recipes.positions import LIMIT_PROBLEMS

    return message.startswith(LIMIT_PROBLEMS)


def shown(text: str) -> str:
    """`text` as a message may quote it: values under secret-sounding keys and URL userinfo masked."""
    from cpictl.recipes.secret_lines import mask_line  # lazy: only an error pays for it

    return "\n".join(mask_line([line], 0).text for line in text.split("\n"))


def read_source_bytes(source: str, what: str) -> bytes:
    """Read a file argument, or stdin for '-', as bytes, within the size limit; a missing, oversized or
    irregular file (a FIFO, a device, a directory) is a usage error."""
    if source == "-":
        try:
            return read_stream(sys.stdin.buffer)
        except InputLimitError as error:
            raise InputError(f"{what}: stdin holds {error}; cpictl reads at most "
                             f"{size_text(MAX_INPUT_BYTES)}") from None
    try:
        return read_regular_file(source)
    except OSError as exc:
        raise InputError(f"{what}: cannot read '{source}': {exc.strerror or exc}") from None


def read_source(source: str, what: str) -> str:
    """Read a text file argument, or stdin for '-'; a missing or non-UTF-8 file is a usage error."""
    data = read_source_bytes(source, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{what}: '{source}' is not UTF-8 text (byte {exc.start})") from None


def parse_value(text: str, param: Param | None, where: str, *, secret: bool = False) -> Any:
    """One word as a value: `@file` read as YAML, a string parameter's word literally, else JSON or YAML.
    `secret`: no message may quote the value."""
    if param is not None and not secret:
        from cpictl.protocol.redaction import secret_key

        secret = secret_key(param.name)
    if text.startswith("@"):
        return load_yaml_text(read_source(text[1:], where), f"{where} ({text})", secret=secret)
    _check_utf8(text, where)
    if param is not None and param.type == "string" and text not in ("null", "~") \
            and not text.startswith(_LITERAL_UNSAFE):
        return text
    try:
        return json_value(text)
    except InputLimitError as error:
        raise InputError(f"{where}: {error}") from None
    except ValueError:
        return load_yaml_text(text, where, secret=secret)


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
            raise InputError(f"argument {number} ('{shown(word)}') is positional but follows name=value arguments")
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
        word = shown(word)
        quoted = "'" + word.replace("'", "''") + "'"  # YAML's single-quoted form, then as a shell word
        raise InputError(f"unknown parameter '{name}' (did you mean '{close[0]}'?); to send the text itself, "
                         f"write it as a quoted YAML string: \"{quoted}\"")


def parse_args_file(source: str) -> list[Any] | dict[str, Any]:
    """`--args-file FILE` (or - for stdin): a YAML/JSON list or mapping of arguments."""
    value = load_yaml_text(read_source(source, "--args-file"), f"--args-file {source}")
    if not isinstance(value, (list, dict)):
        raise InputError(f"--args-file {source}: expected a YAML/JSON list or mapping of arguments")
    return value


def parse_context_pairs(pairs: list[str]) -> dict[str, Any]:
    """`--context key=value` (value parsed as YAML); dotted keys nest. Context values are cpi-config properties,
    credentials among them, so no message quotes one."""
    context: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise InputError(f"--context '{_without_value(pair)}': expected key=value")
        _check_utf8(key, "--context")
        context[key] = parse_value(raw, None, f"--context {key}", secret=True)
    return context


def _check_utf8(text: str, where: str) -> None:
    """A word holding bytes that are not UTF-8 (Python keeps them as lone surrogates) cannot go into a JSON request:
    an InputError here, not a crash when the request is encoded."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InputError(f"{where}: not UTF-8 text (at character {error.start + 1})") from None


def _without_value(pair: str) -> str:
    """`NAME=…` for a NAME=VALUE pair whose value must not be shown."""
    key, sep, value = pair.partition("=")
    return f"{key}=…" if sep and value else pair


def parse_env_pairs(pairs: list[str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError(f"--env '{_without_value(pair)}': expected NAME=value")
        if not _ENV_NAME.fullmatch(key):  # a shell could not set it, so --dry-run's one-liner could not either
            raise InputError(f"--env '{_without_value(pair)}': '{key}' is not an environment variable name "
                             "(letters, digits and _, not starting with a digit)")
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
