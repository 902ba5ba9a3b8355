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
from bisect import bisect_right
from collections.abc import Sequence

from cpictl.protocol.redaction import MASK, mask_url_userinfo, secret_key

_PAIR = re.compile(r"""(?P<key>"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s:=,{}\[\]#"'-][^\s:=,{}\[\]#"']*)"""
                   r"""[ \t]*(?P<sep>:(?=[ \t]|$)|=)[ \t]*""")
_QUOTED_VALUE = re.compile(r""""(?:[^"\\]|\\.)*"?|'(?:[^']|'')*'?""")
_FLOW_PLAIN_VALUE = re.compile(r"[^,}\]#]*")
_BLOCK_PLAIN_VALUE = re.compile(r"(?:[^#]|(?<!\s)#)*")  # ` #` starts a comment; `a#b` is text
_MIN_HIDDEN = 4  # shorter pieces would blank ordinary words of a message
_MAX_ANCESTOR_LINES = 10_000  # how far up to look for an enclosing secret key


class MaskedLine:
    """A line as shown (`text`), and where it was masked (`ranges` of the original line, 0-based, end exclusive).
    Worked out once: a long line with thousands of secrets may be quoted by thousands of problems."""

    def __init__(self, original: str, ranges: list[tuple[int, int]]) -> None:
        self.original, self.ranges = original, ranges
        #: (start in the original, start in the text, the piece as shown, where userinfo masking changed it)
        self._pieces: list[tuple[int, int, str, int]] = []
        shown: list[str] = []
        length, last = 0, 0
        for start, end in [*ranges, (len(original), len(original))]:
            piece = original[last:start]
            masked = mask_url_userinfo(piece)
            changed = next((i for i, (a, b) in enumerate(zip(piece, masked, strict=False)) if a != b), len(piece))
            self._pieces.append((last, length, masked, changed if masked != piece else len(piece) + 1))
            shown.append(masked)
            length += len(masked)
            if end > start:
                self._pieces.append((start, length, MASK, -1))
                shown.append(MASK)
                length += len(MASK)
            last = end
        self.text = "".join(shown)
        self._starts = [piece[0] for piece in self._pieces]
        hidden = [original[start:end] for start, end in ranges]
        words = {word for value in hidden for word in re.findall(r"[^\s\"'{}\[\],:*&!|>]+", value)}
        self._hidden = sorted((piece for piece in {*hidden, *words} if len(piece.strip()) >= _MIN_HIDDEN),
                              key=len, reverse=True)

    def column(self, column: int) -> int:
        """Where 0-based `column` of the original line is in `text`."""
        index = max(0, bisect_right(self._starts, column) - 1)
        start, shown, text, changed = self._pieces[index]
        if changed < 0:  # inside a masked value: its mask
            return shown
        offset = column - start
        original_length = (self._starts[index + 1] if index + 1 < len(self._starts) else len(self.original)) - start
        if offset > changed:  # userinfo hidden before this column: it moves by the difference
            offset = max(changed, offset + len(text) - original_length)
        return shown + offset

    def scrub(self, message: str) -> str:
        """`message` with every hidden value (and each longer word of it) masked too."""
        for piece in self._hidden:
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
    depth = _FlowDepth(line)
    for match in _PAIR.finditer(line):
        key = match["key"].strip("\"'")
        if not secret_key(key):
            continue
        start = match.end()
        value = _value_at(line, start, in_flow=depth.at(match.start()) > 0)
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


class _FlowDepth:
    """How many flow brackets (`{`, `[`) are open before a position of a line, outside quotes; positions asked in
    increasing order cost one pass over the line in all (a line of a thousand secrets must not take a million)."""

    def __init__(self, line: str) -> None:
        self.line, self.position, self.depth, self.quote = line, 0, 0, ""

    def at(self, before: int) -> int:
        for char in self.line[self.position:before]:
            if self.quote:
                self.quote = "" if char == self.quote else self.quote
            elif char in "\"'":
                self.quote = char
            elif char in "{[":
                self.depth += 1
            elif char in "}]":
                self.depth = max(0, self.depth - 1)
        self.position = max(self.position, before)
        return self.depth


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
