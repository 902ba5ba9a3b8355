"""Masking secret values in the source lines a problem quotes, so an error report never shows a password.

A recipe problem quotes the offending line (`problems.RecipeProblem`). Before it does, every part of that line
that holds a secret becomes `<redacted>` (`redaction.MASK`), found three ways:

* exactly, from the parser: the spans of values under keys that name a secret (`redaction.secret_key`), when the
  YAML parsed (`positions` passes them in);
* on the line itself, for YAML that did not parse: `key: value`, `"key": value` and `key = value` (an INI or env
  file included by mistake) under a secret key, in flow mappings up to the next `,`/`}`; and URL userinfo;
* from the lines above: a line inside the value of a secret key — a block scalar (`private_key: |`), a nested
  mapping (`credentials:`), a quoted string continued on the next line — is masked whole. Ancestors are found by
  indentation, as YAML nests.

`MaskedLine.column` maps a column of the original line to the shown one, so the caret still lands on its token.
`MaskedLine.scrub` hides the same values in the problem's message (a YAML error may quote an alias name).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cpictl.protocol.redaction import MASK, mask_url_userinfo, secret_key

_PAIR = re.compile(r"""(?P<key>"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s:=,{}\[\]#"'-][^\s:=,{}\[\]#"']*)"""
                   r"""[ \t]*(?P<sep>:(?=[ \t]|$)|=)[ \t]*""")
_QUOTED_VALUE = re.compile(r""""(?:[^"\\]|\\.)*"?|'(?:[^']|'')*'?""")
_FLOW_PLAIN_VALUE = re.compile(r"[^,}\]#]*")
_BLOCK_PLAIN_VALUE = re.compile(r"(?:[^#]|(?<!\s)#)*")  # ` #` starts a comment; `a#b` is text
_MIN_HIDDEN = 4  # shorter pieces would blank ordinary words of a message
_MAX_ANCESTOR_LINES = 10_000  # how far up to look for an enclosing secret key


@dataclass
class MaskedLine:
    """A line as shown, and where it was masked (ranges of the original line, 0-based, end exclusive)."""

    original: str
    ranges: list[tuple[int, int]] = field(default_factory=list)

    @property
    def text(self) -> str:
        pieces, last = [], 0
        for start, end in self.ranges:
            pieces += [mask_url_userinfo(self.original[last:start]), MASK]
            last = end
        pieces.append(mask_url_userinfo(self.original[last:]))
        return "".join(pieces)

    def column(self, column: int) -> int:
        """Where 0-based `column` of the original line is in `text`."""
        shown, last = 0, 0
        for start, end in self.ranges:
            if column < start:
                break
            shown += len(mask_url_userinfo(self.original[last:start]))
            if column < end:
                return shown
            shown += len(MASK)
            last = end
        piece = self.original[last:]
        masked = mask_url_userinfo(piece)
        offset = column - last
        if masked != piece:  # userinfo hidden in this piece: columns after it move by the difference
            first_change = next((i for i, (a, b) in enumerate(zip(piece, masked, strict=False)) if a != b), len(piece))
            if offset > first_change:
                offset = max(first_change, offset + len(masked) - len(piece))
        return shown + offset

    def scrub(self, message: str) -> str:
        """`message` with every hidden value (and each longer word of it) masked too."""
        hidden = [self.original[start:end] for start, end in self.ranges]
        words = {word for value in hidden for word in re.findall(r"[^\s\"'{}\[\],:*&!|>]+", value)}
        for piece in sorted({*hidden, *words}, key=len, reverse=True):
            if len(piece.strip()) >= _MIN_HIDDEN:
                message = message.replace(piece, MASK)
        return mask_url_userinfo(message)


def mask_line(lines: list[str], index: int, exact: Sequence[tuple[int, int]] = ()) -> MaskedLine:
    """Line `index` of `lines` with its secrets found (see the module docstring); `exact` are ranges the parser
    knows hold secret values."""
    line = lines[index]
    if _inside_a_secret(lines, index):
        content = len(line) - len(line.lstrip())
        return MaskedLine(line, [(content, len(line.rstrip()))] if line.strip() else [])
    return MaskedLine(line, _merged([*exact, *_pairs_on(line)]))


def _pairs_on(line: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for match in _PAIR.finditer(line):
        key = match["key"].strip("\"'")
        if not secret_key(key):
            continue
        start = match.end()
        value = _value_at(line, start, in_flow=_flow_depth(line, match.start()) > 0)
        if value > start:
            found.append((start, value))
    return found


def _value_at(line: str, start: int, *, in_flow: bool) -> int:
    """Where the value starting at `start` ends."""
    quoted = _QUOTED_VALUE.match(line, start)
    if quoted and quoted.end() > start:
        return quoted.end()
    plain = (_FLOW_PLAIN_VALUE if in_flow else _BLOCK_PLAIN_VALUE).match(line, start)
    end = plain.end() if plain else start
    while end > start and line[end - 1].isspace():
        end -= 1
    return end


def _flow_depth(line: str, before: int) -> int:
    depth, quote = 0, None
    for char in line[:before]:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth = max(0, depth - 1)
    return depth


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _inside_a_secret(lines: list[str], index: int) -> bool:
    """Whether a less indented line above opens the value of a secret key that this line continues."""
    if not lines[index].strip():
        return False
    level = _indent(lines[index])
    for above in range(index - 1, max(-1, index - 1 - _MAX_ANCESTOR_LINES), -1):
        if level == 0:
            return False
        text = lines[above]
        stripped = text.strip()
        if not stripped or stripped.startswith("#") or _indent(text) >= level:
            continue
        level = _indent(text)
        keys = [match["key"].strip("\"'") for match in _PAIR.finditer(text)]
        if keys and secret_key(keys[-1]):
            return True
    return False


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
