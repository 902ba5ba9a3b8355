"""Reading what a recipe is made of besides its YAML: files (safely), vars files and `--var NAME=VALUE`.

A recipe or vars file must be a regular UTF-8 file of sane size (`cpictl.input_limits`, the reader every input
shares), so a mistyped include can never block on a FIFO or read /dev/zero forever; every problem comes back as a
RecipeProblem, with a position where there is one.

A vars file that is not a YAML mapping (a credentials file named by mistake) is named with a line but none of its
lines are quoted; `--var` problems never quote the value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cpictl.input_limits import MAX_INPUT_BYTES, read_regular_file
from cpictl.protocol.redaction import MASK, secret_key
from cpictl.recipes.checks import NAME_PATTERN, check_name, has_references
from cpictl.recipes.plan import Origin, VarLayer
from cpictl.recipes.positions import parse_yaml
from cpictl.recipes.problems import RecipeError, RecipeProblem
from cpictl.recipes.secret_lines import mask_line

MAX_RECIPE_BYTES = MAX_INPUT_BYTES


def read_recipe_bytes(path: Path) -> bytes:
    """A recipe or vars file's bytes. Raises OSError with a `strerror` fit for a message."""
    return read_regular_file(path, MAX_RECIPE_BYTES)


def decode_recipe(raw: bytes, display: str) -> str:
    """The text of a recipe file's bytes; RecipeError (with the line) when it is not UTF-8."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RecipeError([_decode_problem(raw, error, display)]) from None


def read_recipe_text(path: Path, display: str) -> str:
    """The file's text. Raises OSError (with a `strerror` fit for a message) or RecipeError (not UTF-8)."""
    return decode_recipe(read_recipe_bytes(path), display)


def _decode_problem(raw: bytes, error: UnicodeDecodeError, display: str) -> RecipeProblem:
    line = raw.count(b"\n", 0, error.start)
    column = error.start - (raw.rfind(b"\n", 0, error.start) + 1)
    lines = raw.decode("utf-8", errors="replace").split("\n")
    masked = mask_line(lines, line)
    return RecipeProblem(display, line + 1, column + 1, f"the file is not UTF-8 text (byte 0x{raw[error.start]:02x})",
                         (masked.text,), caret_span=(masked.column(column) + 1, None) if masked.ranges else None)


def read_vars_file(path: Path) -> VarLayer:
    """A `--vars-file`: a YAML mapping of variable names to values. Raises RecipeError."""
    try:
        text = read_recipe_text(path, str(path))
    except OSError as error:
        raise RecipeError([RecipeProblem(str(path), None, None,
                                         f"cannot read the vars file: {error.strerror or error}")]) from None
    except RecipeError as error:
        raise RecipeError(unquoted(error.problems, "a vars file is a YAML mapping of variable names to values, "
                                                   "and this is not UTF-8 text")) from None
    try:
        data, source = parse_yaml(text, str(path))
    except RecipeError as error:
        if _looks_like_a_mapping(text):
            raise
        raise RecipeError(unquoted(error.problems, "a vars file is a YAML mapping of variable names to values, "
                                                   "and this is not valid YAML")) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RecipeError(unquoted([source.problem((), "")], "a vars file is a mapping of variable names to values"))
    if data and not any(NAME_PATTERN.fullmatch(name) for name in data):  # /etc/shadow reads as such a mapping
        raise RecipeError(unquoted([source.problem((next(iter(data)),), "", key=True)],
                                   "not a vars file: none of its keys is a variable name; a vars file is a mapping "
                                   "of variable names to values"))
    origin = Origin(source, ())
    problems: list[RecipeProblem] = []
    for name in data:
        check_name(name, "variable", origin, (name,), problems, key=True)
    if problems:
        raise RecipeError(problems)
    return VarLayer(data, has_references(data), origin)


def unquoted(problems: list[RecipeProblem], message: str) -> list[RecipeProblem]:
    """One problem at the first of `problems`' positions, saying `message` and quoting nothing: for a file that is
    not what it was named as (a credentials file, /etc/shadow), whose lines must not end up in a terminal or log."""
    first = min(problems, key=lambda p: (p.line is None, p.line or 0)) if problems else None
    if first is None:
        return []
    note = "; its lines are not shown" if first.line is not None else ""
    return [RecipeProblem(first.file, first.line, first.column, f"{message}{note}")]


def _looks_like_a_mapping(text: str) -> bool:
    """Whether broken YAML still reads as a mapping of names (`name: value` at the start of a line): worth quoting
    (masked) to show where it broke, unlike an arbitrary file."""
    return re.search(r"(?m)^[A-Za-z_][A-Za-z0-9_-]*:(?:[ \t]|$)", text) is not None


class VarAssignmentError(RecipeError, ValueError):
    """A `--var` that is not NAME=VALUE. A RecipeError, so the CLI reports it (exit 2) like any bad recipe input,
    and a ValueError for callers that catch that. The text is quoted only when it holds no value that could be a
    secret (`=hunter2` is shown as `=<redacted>`)."""

    def __init__(self, text: str) -> None:
        name, sep, value = text.partition("=")
        shown = f"{name}{sep}{MASK}" if value else text
        super().__init__([RecipeProblem(f"--var {shown!r}", None, None, "expected NAME=VALUE")])

    def format(self, visible: Callable[[str], str] = str) -> str:
        return "\n".join(problem.format(visible) for problem in self.problems)


def parse_var_assignment(text: str) -> tuple[str, Any]:
    """`--var NAME=VALUE`: the value is read as a YAML scalar (`1024` an integer, `true` a boolean, `x` a string;
    an empty value is the empty string; a list, a date or anything else is kept as the text). Raises
    VarAssignmentError (a RecipeError and a ValueError) with a message for the user.

    The value is parsed like every input (`parse_yaml`, with its limits); whatever it refuses — bad syntax, a date,
    NaN, a deep list, an alias bomb — is no scalar either, so it is kept as the text, which costs nothing more."""
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise VarAssignmentError(text)
    if raw == "":
        return name, ""
    try:
        value, _ = parse_yaml(raw, f"--var {name}", secret=secret_key(name))
    except RecipeError:
        return name, raw
    if isinstance(value, (str, int, float, bool)) or value is None:
        return name, value
    return name, raw


def resolve_path(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()
