"""The syntax of `${...}` references: find them in a value, parse one, report malformed ones.

Pure text handling, no lookups: `cpictl.store.references` resolves what this module finds. Rules: `$${` is a
literal `${`; a reference ends at the `}` that balances its `{`, skipping braces inside quoted JMESPath text
(`'…'`, `"…"`, backticks); places are written like `steps[2].args.disk_cid`.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from cpictl.protocol.kinds import KIND_NAMES

_NAME = re.compile(r"[A-Za-z0-9_-]+")
_ENV = re.compile(r"env\.([A-Za-z_][A-Za-z0-9_]*)")
_STEP = re.compile(r"steps\.([A-Za-z0-9_-]+)(?:\.(.+))?", re.DOTALL)
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_QUOTES = "'\"`"  # JMESPath raw strings, quoted identifiers and literals may hold braces


class ReferenceProblem(ValueError):
    """A reference that cannot be resolved; `name` is the text inside `${}`, `where` its place in the value."""

    kind_of_problem = "reference"

    def __init__(self, name: str, where: str, reason: str = "", *, closed: bool = True) -> None:
        self.name, self.where, self.reason = name, where, reason
        place = f" at {where}" if where else ""
        written = f"${{{name}}}" if closed else f"${{{name}"  # quote it as typed: `${vm` has no brace to show
        super().__init__(f"{self.kind_of_problem} {written}{place}" + (f": {reason}" if reason else ""))


class UndefinedReference(ReferenceProblem):
    """The reference is well-formed but names nothing (no such variable, step, env var or live cloud ID)."""

    kind_of_problem = "undefined reference"


class BadReference(ReferenceProblem):
    """The reference is malformed: unterminated, empty, or not one of the forms."""

    kind_of_problem = "bad reference"


@dataclass(frozen=True)
class Placeholder:
    """A `${...}` found in a string, not yet parsed."""

    text: str  # as written inside ${}, for messages


@dataclass(frozen=True)
class Reference:
    """A parsed reference. `form` is "name" (variable or kind), "step" or "env"."""

    text: str
    form: str
    name: str  # the variable/kind, the step, or the environment variable
    expression: str | None = None  # steps only: the JMESPath part, None for the whole step

    @property
    def is_kind(self) -> bool:
        """Names a cloud-ID kind (unless a variable of that name shadows it)."""
        return self.form == "name" and self.name in KIND_NAMES


def parse_reference(ref: str, where: str = "") -> Reference:
    """Parse the text inside `${}`; raise BadReference if it is none of the forms or its JMESPath is invalid."""
    text = ref.strip()
    if _NAME.fullmatch(text):
        return Reference(text, "name", text)
    if match := _ENV.fullmatch(text):
        return Reference(text, "env", match[1])
    if match := _STEP.fullmatch(text):
        if match[2] is not None:
            compile_expression(text, match[2], where)
        return Reference(text, "step", match[1], match[2])
    if not text:
        raise BadReference(text, where, "empty reference")
    raise BadReference(text, where, "expected ${NAME}, ${vm|disk|stemcell|snapshot|network}, ${steps.STEP.EXPR} "
                                    "or ${env.NAME}")


def split_references(text: str, where: str) -> list[str | Placeholder]:
    """Split a string into literal text and references."""
    parts: list[str | Placeholder] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("$${", i):
            literal.append("${")
            i += 3
        elif text.startswith("${", i):
            end = _closing_brace(text, i + 2)
            if end is None:
                raise BadReference(text[i + 2 :], where, "no closing '}' (write $${ for a literal ${)", closed=False)
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(Placeholder(text[i + 2 : end]))
            i = end + 1
        else:
            following = text.find("$", i + 1)  # copy plain text in one go up to the next dollar
            following = len(text) if following < 0 else following
            literal.append(text[i:following])
            i = following
    if literal:
        parts.append("".join(literal))
    return parts


def _closing_brace(text: str, start: int) -> int | None:
    """Index of the `}` closing a reference, skipping nested braces and quoted JMESPath text."""
    depth, quote, i = 0, "", start
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char in _QUOTES:
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return None


def child_place(where: str, key: Any) -> str:
    """The place of a dict item or list element inside `where`: `a.b`, `a[0]`, `a["odd key"]`."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    label = key if isinstance(key, str) and _PLAIN_KEY.fullmatch(key) else f"[{json.dumps(key, default=str)}]"
    if label.startswith("["):
        return f"{where}{label}"
    return f"{where}.{label}" if where else label


def strings_with_references(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """(string, place) for every string in a value that contains `${`."""
    if isinstance(value, str):
        if "${" in value:
            yield value, where
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from strings_with_references(item, child_place(where, key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from strings_with_references(item, child_place(where, index))


def find_references(value: Any, where: str = "") -> list[tuple[str, str]]:
    """Every `${...}` in a value as (reference text, place), without resolving; malformed ones raise BadReference."""
    found: list[tuple[str, str]] = []
    for text, place in strings_with_references(value, where):
        for part in split_references(text, place):
            if isinstance(part, Placeholder):
                found.append((parse_reference(part.text, place).text, place))
    return found


@functools.lru_cache(maxsize=256)
def _compile(expression: str) -> Any:
    import jmespath  # only recipes with step references pay for it

    return jmespath.compile(expression)


def compile_expression(ref: str, expression: str, where: str) -> Any:
    """A compiled (and cached) JMESPath expression, or BadReference naming the reference and place."""
    import jmespath.exceptions

    try:
        return _compile(expression)
    except jmespath.exceptions.JMESPathError as error:
        detail = " ".join(str(error).split())
        raise BadReference(ref, where, f"invalid JMESPath expression {expression!r}: {detail}") from None
