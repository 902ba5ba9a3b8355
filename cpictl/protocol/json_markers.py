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

They are frozen dataclasses, not subclasses of `int`, `float` or `str`: code that checks `isinstance(value, str)`
for a cloud ID, or `isinstance(value, int)` for a version, must not mistake one for the real thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Levels of nesting kept whole, the top-level container counting 1: the director's own limit (Ruby JSON's
#: `max_nesting` of 100), so every answer the director accepts is kept exactly.
KEPT_DEPTH = 100


@dataclass(frozen=True)
class BigNumber:
    """A JSON number literal too big for a 64-bit float, kept as the exact text the CPI wrote."""

    text: str

    def __str__(self) -> str:
        return self.text

    @property
    def is_integer(self) -> bool:
        return not any(mark in self.text for mark in ".eE")


@dataclass(frozen=True)
class NonFinite:
    """`NaN`, `Infinity` or `-Infinity` as the CPI wrote it."""

    token: str

    def __str__(self) -> str:
        return self.token


@dataclass(frozen=True)
class Elided:
    """A container nested deeper than `KEPT_DEPTH`, replaced after decoding.

    `deepest` is the document depth its innermost value reached; `first_string` the string found by following the
    first element of each array from here down (`[[[…["vm-1", {}]…]]]`), so a cloud ID wrapped in a thousand arrays
    can still be recorded rather than lost."""

    kind: str  # "array" or "object"
    deepest: int
    first_string: str | None = None

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
