"""Decode a CPI's JSON without trusting it: the only exception is a syntax error, never a Python limit.

`json.loads` has three limits a hostile (or merely odd) answer reaches: it recurses once per level of nesting, so
a 1,000-deep `[[[…]]]` raises RecursionError; `int()` refuses integers over 4,300 digits (ValueError), although
they are valid JSON and the director reads them; and it takes `NaN`/`Infinity`, which are not JSON. So:

- the fast path is `json.loads` with number and constant hooks: numbers beyond a 64-bit float become `BigNumber`,
  the constants `NonFinite`, and each is noted in `JsonFindings` for the contract check. A 50 MB log costs what
  `json.loads` costs (`make bench` item c): the hooks only run for numbers and constants;
- a walk then measures the nesting (as both callers count it) and cuts what lies below `KEPT_DEPTH` into `Elided`;
- only when the fast path hits the recursion limit does the iterative parser (`json_iterative`) take over.

`lone_surrogates` reads the raw text for `\\ud800` escapes without their pair, which both callers mangle.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from cpictl.protocol.json_markers import KEPT_DEPTH, BigNumber, Elided, NonFinite

#: Integers with at most this many digits always fit a 64-bit float (its maximum, 1.8e308, has 309 digits).
_SAFE_INT_DIGITS = 308


@dataclass
class JsonFindings:
    """What the decoder saw that matters to the callers' parsers (see `parser_verdicts`)."""

    depth: int = 0  # deepest nesting, every container counting (Go's encoding/json counts so)
    director_depth: int = 0  # the same, empty containers not counting (Ruby json's max_nesting counts so)
    non_finite: list[str] = field(default_factory=list)  # NaN, Infinity, -Infinity tokens
    beyond_float: list[str] = field(default_factory=list)  # number literals beyond a 64-bit float
    elided: int = 0  # containers cut off below KEPT_DEPTH

    def any(self) -> bool:
        """Whether anything was found that a caller's parser minds (nesting beyond its limits counts)."""
        return bool(self.non_finite or self.beyond_float or self.elided or self.director_depth > KEPT_DEPTH)


@dataclass
class DecodedJson:
    value: Any
    findings: JsonFindings


class ValueHooks:
    """`json.loads` hooks that keep what Python cannot hold as markers, and note them."""

    def __init__(self) -> None:
        self.findings = JsonFindings()

    def integer(self, literal: str) -> Any:
        if len(literal) <= _SAFE_INT_DIGITS:
            return int(literal)
        try:
            value = int(literal)
            float(value)  # rounds exactly as Go's strconv.ParseFloat does
            return value
        except (ValueError, OverflowError):  # over 4,300 digits, or beyond a float
            self.findings.beyond_float.append(literal)
            return BigNumber(literal)

    def real(self, literal: str) -> Any:
        value = float(literal)
        if value in (_INFINITY, -_INFINITY):  # 1e400: valid JSON, beyond a float
            self.findings.beyond_float.append(literal)
            return BigNumber(literal)
        return value

    def constant(self, token: str) -> NonFinite:
        self.findings.non_finite.append(token)
        return NonFinite(token)


_INFINITY = float("inf")


def decode_json(text: str) -> DecodedJson:
    """Decode one JSON document. Raises `json.JSONDecodeError` (a ValueError) only for text that is not JSON."""
    kept = _KEPT.__dict__
    reuse = not kept.get("busy")  # a decode inside a decode (a signal handler's) builds its own
    if reuse:
        kept["busy"] = True
    try:
        pair = kept.get("decoder") if reuse else None
        if pair is None:
            pair = _decoder()
            if reuse:
                kept["decoder"] = pair
        hooks, decoder = pair
        hooks.findings = JsonFindings()  # hooks keep no state but this
        try:
            value = decoder.decode(text)
        except RecursionError:
            from cpictl.protocol.json_iterative import IterativeParser  # hostile input only: not on every start-up

            hooks = ValueHooks()
            value = IterativeParser(text, hooks).parse()
        else:
            value = _bound(value, hooks.findings)
        return DecodedJson(value, hooks.findings)
    finally:
        if reuse:
            kept["busy"] = False


#: Per thread, the decoder `decode_json` reuses: building one (its scanner) costs as much as decoding a small
#: answer, and an import decodes thousands. Its hooks write to a fresh `JsonFindings` for each document.
_KEPT = threading.local()


def _decoder() -> tuple[ValueHooks, json.JSONDecoder]:
    hooks = ValueHooks()
    return hooks, json.JSONDecoder(parse_int=hooks.integer, parse_float=hooks.real, parse_constant=hooks.constant)


def _bound(value: Any, findings: JsonFindings) -> Any:
    """Measure the nesting of a decoded value and cut what lies below KEPT_DEPTH (iteratively: no recursion).
    Every answer is walked so: the depths are kept in locals, not `findings`, until the walk ends."""
    if not isinstance(value, (dict, list)):
        return value
    deepest, deepest_nonempty = 1, 1 if value else 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        below = depth + 1
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in items:
            if not isinstance(child, (dict, list)):
                continue
            if below > deepest:  # an empty container is a level for Go, none for Ruby
                deepest = below
            if not child:
                continue
            if below > KEPT_DEPTH:
                node[key] = _elide(child, below, findings)
                continue
            if below > deepest_nonempty:
                deepest_nonempty = below
            stack.append((child, below))
    findings.depth = max(findings.depth, deepest)  # `_elide` has measured what it cut
    findings.director_depth = max(findings.director_depth, deepest_nonempty)
    return value


def _elide(container: Any, depth: int, findings: JsonFindings) -> Elided:
    """The marker for a container at document depth `depth`, with how deep it goes and its first-element string."""
    deepest = deepest_nonempty = depth
    stack: list[tuple[Any, int]] = [(container, depth)]
    while stack:
        node, level = stack.pop()
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, (dict, list)):
                deepest = max(deepest, level + 1)
                if child:
                    deepest_nonempty = max(deepest_nonempty, level + 1)
                    stack.append((child, level + 1))
    findings.depth = max(findings.depth, deepest)
    findings.director_depth = max(findings.director_depth, deepest_nonempty)
    findings.elided += 1
    first: Any = container
    while isinstance(first, list) and first:
        first = first[0]
    kind = "object" if isinstance(container, dict) else "array"
    return Elided(kind, deepest, first if isinstance(first, str) and first else None)


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
#: A surrogate escape with the run of backslashes before it: an even run means `\\` + `ud800`, not an escape.
_SURROGATE_RUN = re.compile(r"(\\+)u([dD][89a-fA-F][0-9a-fA-F]{2})")


def lone_surrogates(text: str) -> list[str]:
    """The `\\uXXXX` escapes of surrogates without their pair in JSON text (`["\\ud800"]` for `"vm-\\ud800"`).

    A valid pair (`\\ud83d\\ude00`, an emoji) is fine for every parser; a lone one is not (`parser_verdicts`)."""
    if not _SURROGATE_ESCAPE.search(text):  # the common case: one C-speed scan
        return []
    lone: list[str] = []
    pending_high: tuple[int, str] | None = None  # end of an unpaired high surrogate escape, and its text
    for match in _SURROGATE_RUN.finditer(text):
        if len(match.group(1)) % 2 == 0:
            continue
        code = int(match.group(2), 16)
        start = match.start() + len(match.group(1)) - 1
        if code >= 0xDC00 and pending_high is not None and pending_high[0] == start:
            pending_high = None  # the low half of a pair
            continue
        if pending_high is not None:
            lone.append(pending_high[1])
            pending_high = None
        if code < 0xDC00:
            pending_high = (match.end(), f"\\u{code:04x}")
        else:
            lone.append(f"\\u{code:04x}")
    if pending_high is not None:
        lone.append(pending_high[1])
    return lone
