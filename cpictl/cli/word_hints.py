"""Hints for two things the shell does to a command line before cpictl sees it, which the errors alone leave a
user to puzzle out:

* `"${stemcell}"` in double quotes: the shell expands the reference (no such shell variable) to an empty word,
  and cpictl can only say the cloud ID is empty. The hint is given only for an empty cloud ID that an empty word
  on the command line supplied — the one place a lost reference shows — never for other errors.
* `cpictl call create_disk -1 '{}'`: a value that starts with '-' reads as an option, and the parser can only say
  "No such option: -1". The hint shows the user's own line with `--` before the value (options after it moved in
  front, since after `--` they would be values too).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from typing import Any

_NEGATIVE_NUMBER = re.compile(r"-\.?\d")


def empty_reference_hint(param: str, kind: str | None, words: Sequence[str]) -> str | None:
    """The hint for an empty cloud ID in `param` (of `kind`), when the command line's words hold an empty one."""
    if kind is None or not any(word in ("", f"{param}=") for word in words):
        return None
    reference = "${" + kind + "}"
    return (f"an empty word on the command line: if it was \"{reference}\" in double quotes, the shell expanded "
            f"it to nothing before cpictl saw it — write it in single quotes, '{reference}', and cpictl puts in "
            f"the session's latest live {'VM' if kind == 'vm' else kind}")


def dash_value_hint(error: Any, argv: Sequence[str]) -> str | None:
    """The hint for a click "No such option" error that a value starting with '-' caused; None for a mistyped
    option (`--timout` gets click's own "Did you mean"), and for a command that takes no values."""
    option = getattr(error, "option_name", None)
    ctx = getattr(error, "ctx", None)
    if not isinstance(option, str) or option.startswith("--") or ctx is None:
        return None
    params = getattr(ctx.command, "params", [])
    if not any(param.param_type_name == "argument" for param in params):
        return None
    takes_value = {name: not (param.is_flag or param.count) for param in params
                   if param.param_type_name == "option" for name in (*param.opts, *param.secondary_opts)}
    position = _dash_value_position(argv, option, takes_value)
    if position is None:
        return None
    before, after = list(argv[:position]), list(argv[position:])
    moved: list[str] = []  # options after the value: in front of `--`, where they stay options
    values: list[str] = []
    words = iter(after)
    for word in words:
        name = word.split("=", 1)[0]
        if name in takes_value:
            moved.append(word)
            if takes_value[name] and "=" not in word:
                moved.append(next(words, ""))
        else:
            values.append(word)
    line = shlex.join([*before, *moved, "--", *values])
    return f"'{after[0]}' reads as an option; a value that starts with '-' goes after --: cpictl {line}"


def _dash_value_position(argv: Sequence[str], option: str, takes_value: dict[str, bool]) -> int | None:
    """Where the word that click took for the unknown `option` sits: the first word that starts with a single '-',
    is no option of the command and no option's value — if it reads as a value (a negative number, or a longer
    word such as `-vm-1`, not a mistyped flag like `-x`)."""
    skip = False
    for position, word in enumerate(argv):
        if skip:
            skip = False
            continue
        name = word.split("=", 1)[0]
        if name in takes_value:
            skip = takes_value[name] and "=" not in word
            continue
        if word == "--":
            return None
        if not word.startswith("-") or word.startswith("--") or word == "-":
            continue
        if option[1:2] not in word[1:]:
            continue
        if _NEGATIVE_NUMBER.match(word):
            return position
        flags = [f"-{letter}" for letter in word[1:] if f"-{letter}" != option]
        if len(word) <= 2 or all(flag in takes_value for flag in flags):  # `-x`, `-qx`: a mistyped flag
            return None
        return position
    return None
