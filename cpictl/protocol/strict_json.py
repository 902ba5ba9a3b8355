"""Write any value out as strict JSON, whatever a CPI put in it, and never raise.

Strict means what any JSON parser takes: no `NaN`/`Infinity` tokens (a `NonFinite`, or a float NaN or infinity
from elsewhere, becomes `null`), a `BigNumber` as its exact digits, a lone surrogate escaped (`"\\ud800"`: as
raw text it cannot even be encoded to UTF-8), nesting cut at `KEPT_DEPTH` below where it starts (an `Elided`
string), and anything that is not JSON written as its `str()`.

The fast path is one `json.dumps`; the slow path (a marker, NaN, an odd type or odd nesting made it fail) copies
the value into plain JSON data first. `preview` is the human variant used in messages: it spells NaN as `NaN`.
"""

from __future__ import annotations

import json
import math
import os
import re
from typing import Any

from cpictl.protocol.json_markers import KEPT_DEPTH, BigNumber, Elided, NonFinite

_SURROGATE = re.compile("[\ud800-\udfff]")


def strict_dumps(value: Any, *, indent: int | None = None, ensure_ascii: bool = False,
                 separators: tuple[str, str] | None = None, keep_surrogates: bool = False) -> str:
    """`value` as strict JSON text (module docstring). `keep_surrogates` leaves lone surrogates in the text as they
    are, for a writer that encodes them itself (`codec.wire_bytes`)."""
    options: dict[str, Any] = {"indent": indent, "ensure_ascii": ensure_ascii, "separators": separators}
    try:
        text = json.dumps(value, allow_nan=False, **options)
    except (TypeError, ValueError, RecursionError):
        text = _dumps_with_markers(value, options, non_finite=None)
    return text if ensure_ascii or keep_surrogates or text.isascii() else escape_surrogates(text)


def strict_pieces(value: Any, *, indent: int | None = None) -> list[str]:
    """`strict_dumps(value, indent=indent)` as the encoder's pieces, not joined: a writer can send them out one by
    one, and a 256 MB log is then held encoded once, not twice (the pieces and their join)."""
    encoder = json.JSONEncoder(indent=indent, ensure_ascii=False, allow_nan=False)
    try:
        pieces = list(encoder.iterencode(value))
    except (TypeError, ValueError, RecursionError):
        return [strict_dumps(value, indent=indent)]
    return [escape_surrogates(piece) if not piece.isascii() else piece for piece in pieces]


def preview(value: Any, limit: int = 80) -> str:
    """Compact JSON for a message, at most `limit` characters: markers spelled as the CPI wrote them."""
    options: dict[str, Any] = {"ensure_ascii": False}
    try:
        text = json.dumps(value, allow_nan=False, **options)
    except (TypeError, ValueError, RecursionError):
        text = _dumps_with_markers(value, options, non_finite="token")
    text = escape_surrogates(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape_surrogates(text: str) -> str:
    """Lone surrogates as `\\udXXX` escapes: the only form in which they survive an encoder or a terminal."""
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def bounded(value: Any, limit: int = KEPT_DEPTH) -> Any:
    """A copy of `value` whose containers go at most `limit` levels deep (deeper ones become their `Elided` note),
    for writers that recurse (YAML); scalars and markers are kept as they are. Iterative: any depth goes in."""
    if not isinstance(value, (dict, list, tuple)):
        return value
    root: Any = {} if isinstance(value, dict) else []
    stack: list[tuple[Any, Any, int]] = [(value, root, 1)]
    while stack:
        source, target, depth = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            if isinstance(item, (dict, list, tuple)):
                if depth >= limit:
                    copy: Any = str(Elided("object" if isinstance(item, dict) else "array", depth + 1))
                else:
                    copy = {} if isinstance(item, dict) else []
                    stack.append((item, copy, depth + 1))
            else:
                copy = item
            if isinstance(target, dict):
                target[key] = copy
            else:
                target.append(copy)
    return root


def _dumps_with_markers(value: Any, options: dict[str, Any], *, non_finite: str | None) -> str:
    """Dump a plain copy in which raw number text is a placeholder string, then put the text in its place.

    The placeholder holds NULs (written as `\\u0000`) and a random nonce, so no CPI string can be taken for one."""
    raw: list[str] = []
    nonce = os.urandom(8).hex()
    plain = _plain(value, 0, raw, nonce, non_finite)
    try:
        text = json.dumps(plain, allow_nan=False, **options)
    except (TypeError, ValueError, RecursionError):  # cannot happen for a plain copy; a last resort all the same
        return json.dumps("<a value cpictl cannot write as JSON>")
    if not raw:
        return text
    pattern = re.compile(rf'"\\u0000{nonce}:(\d+)\\u0000"')
    return pattern.sub(lambda match: raw[int(match.group(1))], text)


def _plain(value: Any, depth: int, raw: list[str], nonce: str, non_finite: str | None) -> Any:
    """A copy of `value` made only of dicts with string keys, lists, strings, finite numbers, booleans and None."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _placeholder(_FLOAT_TOKENS[repr(value)], raw, nonce, non_finite)
    if isinstance(value, BigNumber):
        return _placeholder(value.text, raw, nonce, "token")
    if isinstance(value, NonFinite):
        return _placeholder(value.token, raw, nonce, non_finite)
    if isinstance(value, Elided):
        return str(value)
    if isinstance(value, (dict, list, tuple)):
        if depth >= KEPT_DEPTH:  # recursion stays bounded, whatever built the value (and a cycle ends here)
            kind = "object" if isinstance(value, dict) else "array"
            return str(Elided(kind, depth + 1))
        if isinstance(value, dict):
            return {_key(key): _plain(item, depth + 1, raw, nonce, non_finite) for key, item in value.items()}
        return [_plain(item, depth + 1, raw, nonce, non_finite) for item in value]
    return str(value)


_FLOAT_TOKENS = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def _placeholder(text: str, raw: list[str], nonce: str, mode: str | None) -> Any:
    if mode != "token":
        return None  # strict JSON: NaN and Infinity have no spelling
    raw.append(text)
    return f"\x00{nonce}:{len(raw) - 1}\x00"


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, (bool, int, float)) or key is None:
        return json.dumps(key) if not isinstance(key, float) or math.isfinite(key) else str(key)
    return str(key)
