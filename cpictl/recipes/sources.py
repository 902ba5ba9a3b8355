"""Reading what a recipe is made of besides its YAML: files (safely), vars files and `--var NAME=VALUE`.

A recipe or vars file must be a regular UTF-8 file of sane size, so a mistyped include can never block on a FIFO
or read /dev/zero forever; every problem comes back as a RecipeProblem, with a position where there is one.
"""

from __future__ import annotations

import math
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cpictl.recipes.checks import check_name, has_references
from cpictl.recipes.plan import Origin, VarLayer
from cpictl.recipes.positions import parse_yaml
from cpictl.recipes.problems import RecipeError, RecipeProblem

MAX_RECIPE_BYTES = 16 * 1024 * 1024


def read_recipe_text(path: Path, display: str) -> str:
    """The file's text. Raises OSError (with a `strerror` fit for a message) or RecipeError (not UTF-8)."""
    status = path.stat()
    if not stat.S_ISREG(status.st_mode):
        raise OSError(0, "not a regular file")
    if status.st_size > MAX_RECIPE_BYTES:
        raise OSError(0, f"larger than {MAX_RECIPE_BYTES // (1024 * 1024)} MiB; not a recipe")
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RecipeError([_decode_problem(raw, error, display)]) from None


def _decode_problem(raw: bytes, error: UnicodeDecodeError, display: str) -> RecipeProblem:
    line = raw.count(b"\n", 0, error.start)
    column = error.start - (raw.rfind(b"\n", 0, error.start) + 1)
    text = raw.split(b"\n")[line].decode("utf-8", errors="replace")
    return RecipeProblem(display, line + 1, column + 1, f"the file is not UTF-8 text (byte 0x{raw[error.start]:02x})",
                         (text,))


def read_vars_file(path: Path) -> VarLayer:
    """A `--vars-file`: a YAML mapping of variable names to values. Raises RecipeError."""
    try:
        text = read_recipe_text(path, str(path))
    except OSError as error:
        raise RecipeError([RecipeProblem(str(path), None, None,
                                         f"cannot read the vars file: {error.strerror or error}")]) from None
    data, source = parse_yaml(text, str(path))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RecipeError([source.problem((), "a vars file is a mapping of variable names to values")])
    origin = Origin(source, ())
    problems: list[RecipeProblem] = []
    for name in data:
        check_name(name, "variable", origin, (name,), problems, key=True)
    if problems:
        raise RecipeError(problems)
    return VarLayer(data, has_references(data), origin)


class VarAssignmentError(RecipeError, ValueError):
    """A `--var` that is not NAME=VALUE. A RecipeError, so the CLI reports it (exit 2) like any bad recipe input,
    and a ValueError for callers that catch that."""

    def __init__(self, text: str) -> None:
        super().__init__([RecipeProblem(f"--var {text!r}", None, None, "expected NAME=VALUE")])

    def format(self, visible: Callable[[str], str] = str) -> str:
        return "\n".join(problem.format(visible) for problem in self.problems)


def parse_var_assignment(text: str) -> tuple[str, Any]:
    """`--var NAME=VALUE`: the value is read as a YAML scalar (`1024` an integer, `true` a boolean, `x` a string;
    an empty value is the empty string; a list, a date or anything else is kept as the text). Raises
    VarAssignmentError (a RecipeError and a ValueError) with a message for the user."""
    import yaml

    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise VarAssignmentError(text)
    if raw == "":
        return name, ""
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        return name, raw
    if isinstance(value, float) and not math.isfinite(value):
        return name, raw
    if isinstance(value, (str, int, float, bool)) or value is None:
        return name, value
    return name, raw


def resolve_path(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()
