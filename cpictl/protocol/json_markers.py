"""Stand-ins for what a CPI can put in its JSON that Python cannot, or should not, hold as it is.

`json_decoding.decode_json` puts them where they occur, so everything after decoding walks a plain tree of dicts,
lists and scalars with no surprise left in it:

- `BigNumber`: a number literal beyond a 64-bit float (a 5,000-digit integer, `1e400`). Valid JSON, but Python's
  `int()` refuses integers over 4,300 digits and `float()` turns `1e400` into infinity. Kept as its exact text:
  shown and written out as those digits, a JSON number for the shape checks, never a cloud ID.
- `NonFinite`: `NaN`, `Infinity`, `-Infinity` — not JSON at all. Shown as the token, written out as `null` (strict
  JSON has no way to spell it), never a cloud ID.
- `Elided`: a container nested deeper than `KEPT_DEPTH`, cut off after decoding so that every later recursive walk
  (redaction, rendering, `json.dumps`, the journal) stays far from Python's recursion limit.

They are small immutable value classes, not subclasses of `int`, `float` or `str`: code that checks
`isinstance(value, str)` for a cloud ID, or `isinstance(value, int)` for a version, must not mistake one for the
real thing. (Not dataclasses: every `cpictl call` imports this module, and each frozen dataclass costs ~0.4 ms of
start-up to build.)
"""

from __future__ import annotations

from typing import Any


class _Value:
    """Equality, hashing and repr from `__slots__`; attributes are set once, in `__init__`."""

    __slots__: tuple[str, ...] = ()

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Value) and type(other) is type(self) and other._fields() == self._fields()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._fields()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(self, name):
            raise AttributeError(f"{type(self).__name__} is immutable")
        object.__setattr__(self, name, value)


#: Levels of nesting kept whole, the top-level container counting 1: the director's own limit (Ruby JSON's
#: `max_nesting` of 100), so every answer the director accepts is kept exactly.
KEPT_DEPTH = 100


class BigNumber(_Value):
    """A JSON number literal too big for a 64-bit float, kept as the exact text the CPI wrote."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    @property
    def is_integer(self) -> bool:
        return not any(mark in self.text for mark in ".eE")


class NonFinite(_Value):
    """`NaN`, `Infinity` or `-Infinity` as the CPI wrote it."""

    __slots__ = ("token",)

    def __init__(self, token: str) -> None:
        self.token = token

    def __str__(self) -> str:
        return self.token


class Elided(_Value):
    """A container nested deeper than `KEPT_DEPTH`, replaced after decoding.

    `deepest` is the document depth its innermost value reached; `first_string` the string found by following the
    first element of each array from here down (`[[[…["vm-1", {}]…]]]`), so a cloud ID wrapped in a thousand arrays
    can still be recorded rather than lost."""

    __slots__ = ("deepest", "first_string", "kind")

    def __init__(self, kind: str, deepest: int, first_string: str | None = None) -> None:
        self.kind = kind  # "array" or "object"
        self.deepest = deepest
        self.first_string = first_string

    def __str__(self) -> str:
        return f"<elided: {self.kind} nested {self.deepest:,} levels deep; cpictl keeps {KEPT_DEPTH}>"


MARKERS = (BigNumber, NonFinite, Elided)


def is_marker(value: Any) -> bool:
    return isinstance(value, MARKERS)


def marker_type_name(value: Any) -> str | None:
    """The JSON type a marker stands for (as `shapes.json_type_name` names types), or None for anything else."""
    if isinstance(value, BigNumber):
        return "integer" if value.is_integer else "number"
    if isinstance(value, NonFinite):
        return "number"
    if isinstance(value, Elided):
        return value.kind
    return None
