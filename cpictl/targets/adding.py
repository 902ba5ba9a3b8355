"""A target entry from command-line options (`cpictl target add`), as the config file will hold it.

Values are parsed as `cpictl call` parses its options (`--context` values are YAML, `--env` NAME=value, versions
`auto`, a number or `none`) and the entry is checked against the schema before anything is written. Relative
paths are made absolute here, from the current directory: in the file they would be read relative to the file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cpictl.targets.config import resolve_word


def _absolute_word(word: str, *, first: bool) -> str:
    """A word as typed here, written so the config file means the same from its own directory: relative paths
    made absolute as the config reader resolves them (`resolve_word`), but `~/` kept, which it expands itself."""
    if word.startswith("~/") or "=~/" in word:
        return word
    return resolve_word(word, Path.cwd(), first=first)


def _version(text: str | None, option: str) -> Any:
    from cpictl.wordargs import version_value

    if text is None or text.strip().lower() == "auto":
        return "auto" if text is not None else None
    try:
        return version_value(text)
    except ValueError as problem:
        raise ValueError(f"{option}: {problem}") from None


def entry_from_options(*, cpi: str, cpi_args: list[str], caller: str | None, env: list[str], env_mode: str | None,
                       context: list[str], api_version: str | None, preferred_api_version: int | None,
                       stemcell_api_version: str | None, director_uuid: str | None, cwd: str | None,
                       timeout: float | None, secrets: list[str], description: str | None) -> dict[str, Any]:
    """The entry to write; ValueError saying which option is wrong."""
    from pydantic import ValidationError

    from cpictl.targets.config_schema import TargetEntry
    from cpictl.wordargs import InputError, parse_context_pairs, parse_env_pairs

    if not cpi.strip():
        raise ValueError("--cpi: empty path")
    argv = [_absolute_word(cpi, first=True), *(_absolute_word(arg, first=False) for arg in cpi_args)]
    entry: dict[str, Any] = {}
    if description is not None:
        entry["description"] = description
    entry["cpi"] = argv if cpi_args else argv[0]
    try:
        values = {"as": caller, "env_mode": env_mode, "env": parse_env_pairs(env) or None,
                  "context": parse_context_pairs(context) or None,
                  "api_version": _version(api_version, "--api-version"),
                  "preferred_api_version": preferred_api_version,
                  "stemcell_api_version": _version(stemcell_api_version, "--stemcell-api-version"),
                  "director_uuid": director_uuid, "cwd": os.path.abspath(cwd) if cwd else None, "timeout": timeout,
                  "secrets": secrets or None}
    except InputError as problem:
        raise ValueError(str(problem)) from None
    entry.update({key: value for key, value in values.items() if value is not None})
    if stemcell_api_version is not None and values["stemcell_api_version"] is None:
        entry["stemcell_api_version"] = None  # `none`: not sent
    if api_version is not None and values["api_version"] is None:
        entry["api_version"] = None  # `none`: the key left out of requests
    if entry.get("stemcell_api_version") == "auto":
        raise ValueError("--stemcell-api-version: a number or none")
    try:
        TargetEntry.model_validate(entry)
    except ValidationError as error:
        raise ValueError(_first_problem(error, entry)) from None
    return entry


def _first_problem(error: Any, entry: dict[str, Any]) -> str:
    """The first problem of the entry, worded as the config loader words it ("timeout: expected a number
    greater than 0, got -1"), with every union member's view of that one value."""
    from cpictl.recipes.validation import value_at, walk
    from cpictl.targets.config_problems import error_message, expected

    errors = [dict(details) for details in error.errors(include_url=False)]
    path = walk(entry, errors[0]["loc"])[0]
    where = ".".join(str(part) for part in path if isinstance(part, str)) or "target"
    typed = [each for each in errors if walk(entry, each["loc"])[0] == path and expected(each) is not None]
    if typed:
        return f"{where}: {error_message(typed, value_at(entry, path))}"
    return f"{where}: {str(errors[0]['msg']).removeprefix('Value error, ')}"
