"""Splitting a REPL line into words: like a shell, except that a bracketed YAML/JSON flow value is one word.

Rules kept here (the same words `cpictl call` receives from a shell):

* Blanks separate words; `'…'` is literal, `"…"` honours `\\"`, `\\\\`, `\\$` and `\\``; a backslash outside
  quotes escapes the next character, and backslash-newline joins two lines.
* A `{` or `[` that starts a word, or follows `name=` at its start, opens a flow value: everything up to the
  bracket that balances it, blanks and quotes included, is copied verbatim into the word, so
  `{default: {type: dynamic}}` reaches the YAML parser intact. Inside a flow value a quote only opens a string
  where YAML would read one (after `{`, `[`, `,` or `:`), so the apostrophe in `{msg: it's}` is just a letter.
* An open bracket or a trailing backslash makes the line incomplete: the loop asks for another line
  (continuation prompt) and joins them with a newline. A quote left open outside brackets is an error, not a
  continuation (a forgotten `"` would otherwise swallow every later line), and so is a closing bracket that does
  not match the innermost open one (`{a: [1, 2}`): no later line could repair it.
* While a line continues, a line that starts with `:` abandons the unfinished input and runs that meta-command
  (`meta_escape`), so `:help` or `:quit` are never swallowed into a value.

`scan` never raises: completion calls it on half-typed text on every keystroke.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cpictl.wordargs import InputError

_NAME_EQUALS = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_OPENERS = {"{": "}", "[": "]"}
_FLOW_STRING_AFTER = "{[,:"
_DOUBLE_QUOTE_ESCAPES = '"\\$`\n'


@dataclass
class Scan:
    """What a (possibly half-typed) line holds: its finished words and the word the cursor is in."""

    words: list[str] = field(default_factory=list)
    partial: str | None = None  # the word being typed (None: the text ends between words)
    partial_raw_length: int = 0  # how many characters of the line that word spans, quotes included
    quote: str | None = None  # an open quote outside a flow value
    quote_start: int = 0  # where that quote opened
    brackets: list[str] = field(default_factory=list)  # closing brackets still expected, innermost last
    bracket_starts: list[int] = field(default_factory=list)  # where each of those was opened
    flow_quote_start: int | None = None  # where a YAML string still open inside a flow value began
    trailing_backslash: bool = False
    mismatch: str | None = None  # the first closing bracket that does not match, described with its column

    @property
    def incomplete(self) -> bool:
        """Another line could finish it: a bracket or a trailing backslash is open, and nothing is broken."""
        return bool(self.brackets or self.trailing_backslash) and self.mismatch is None and self.quote is None

    @property
    def in_flow(self) -> bool:
        return bool(self.brackets)


class _Scanner:
    """The state machine behind `scan`; one method per state keeps each rule readable."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.result = Scan()
        self.word: list[str] | None = None  # None: between words
        self.word_start = 0
        self.flow_quote: str | None = None
        self.flow_quote_at = 0

    def run(self) -> Scan:
        i, text = 0, self.text
        while i < len(text):
            if self.result.brackets:
                i = self._flow(i)
            elif self.result.quote:
                i = self._quoted(i)
            else:
                i = self._plain(i)
        if self.flow_quote is not None:
            self.result.flow_quote_start = self.flow_quote_at
        if self.word is not None:
            self.result.partial = "".join(self.word)
            self.result.partial_raw_length = len(text) - self.word_start
        return self.result

    def _start_word(self, i: int) -> list[str]:
        if self.word is None:
            self.word, self.word_start = [], i
        return self.word

    def _plain(self, i: int) -> int:
        char, text = self.text[i], self.text
        if char.isspace():
            if self.word is not None:
                self.result.words.append("".join(self.word))
                self.word = None
            return i + 1
        if char == "\\":
            if i + 1 == len(text):
                self._start_word(i)
                self.result.trailing_backslash = True
                return i + 1
            if text[i + 1] != "\n":  # backslash-newline: the line simply goes on
                self._start_word(i).append(text[i + 1])
            return i + 2
        word_so_far = "".join(self.word) if self.word is not None else ""
        word = self._start_word(i)
        if char in "'\"":
            self.result.quote, self.result.quote_start = char, i
        elif char in _OPENERS and (not word_so_far or _NAME_EQUALS.fullmatch(word_so_far)):
            word.append(char)
            self._open(char, i)
        else:
            word.append(char)
        return i + 1

    def _quoted(self, i: int) -> int:
        char, text, word = self.text[i], self.text, self._start_word(i)
        if char == self.result.quote:
            self.result.quote = None
        elif self.result.quote == '"' and char == "\\" and i + 1 < len(text) and text[i + 1] in _DOUBLE_QUOTE_ESCAPES:
            word.append(text[i + 1])
            return i + 2
        else:
            word.append(char)
        return i + 1

    def _flow(self, i: int) -> int:
        """Inside a flow value everything is copied; only brackets and YAML strings are tracked."""
        char, text, word = self.text[i], self.text, self._start_word(i)
        word.append(char)
        if self.flow_quote:
            if char == "\\" and self.flow_quote == '"' and i + 1 < len(text):
                word.append(text[i + 1])
                return i + 2
            if char == self.flow_quote:
                self.flow_quote = None
        elif char in "'\"" and _last_significant(word[:-1]) in _FLOW_STRING_AFTER:
            self.flow_quote, self.flow_quote_at = char, i
        elif char in _OPENERS:
            self._open(char, i)
        elif char in "}]":
            self._close(char, i)
        return i + 1

    def _open(self, char: str, i: int) -> None:
        self.result.brackets.append(_OPENERS[char])
        self.result.bracket_starts.append(i)

    def _close(self, char: str, i: int) -> None:
        result = self.result
        if char == result.brackets[-1]:
            result.brackets.pop()
            result.bracket_starts.pop()
        elif result.mismatch is None:  # the first one is the mistake; later ones follow from it
            opener = next(o for o, c in _OPENERS.items() if c == result.brackets[-1])
            result.mismatch = (f"mismatched '{char}' at {position(self.text, i)}: expected '{result.brackets[-1]}' "
                               f"to close the '{opener}' at {position(self.text, result.bracket_starts[-1])}")


def _last_significant(chars: list[str]) -> str:
    for char in reversed(chars):
        if not char.isspace():
            return char
    return "{"


def position(text: str, index: int) -> str:
    """`column 7`, or `line 2, column 3` once the input spans lines (columns count from 1)."""
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"line {line + 1}, column {column}" if "\n" in text else f"column {column}"


def scan(text: str) -> Scan:
    """Split as far as the text allows, never raising (completion scans half-typed lines)."""
    return _Scanner(text).run()


def is_incomplete(text: str) -> bool:
    """True when the line needs another line: an open bracket or a trailing backslash (and nothing broken)."""
    return scan(text).incomplete


def meta_escape(text: str) -> tuple[str, str] | None:
    """(the abandoned input, the meta-command line) when the last line starts with `:` while the lines before it
    are still unfinished; None otherwise. A continuation line never begins with `:` in a CPI value worth typing,
    so this is how to get out of a continuation without Ctrl-C."""
    before, newline, last = text.rpartition("\n")
    if not newline or not last.lstrip().startswith(":") or not is_incomplete(before):
        return None
    return before, last.strip()


def needs_more(text: str) -> bool:
    """What Enter does at the prompt: True opens another line; False sends (or reports) the input."""
    return is_incomplete(text) and meta_escape(text) is None


def open_description(text: str) -> str:
    """What keeps the input open, for the continuation hint: `'{' from column 14`."""
    result = scan(text)
    if result.trailing_backslash:
        return "a trailing backslash"
    if result.flow_quote_start is not None:
        return f"the {text[result.flow_quote_start]} string from {position(text, result.flow_quote_start)}"
    if result.brackets:
        opener = next(o for o, c in _OPENERS.items() if c == result.brackets[-1])
        return f"'{opener}' from {position(text, result.bracket_starts[-1])}"
    return "nothing"


def split_words(text: str) -> list[str]:
    """The words of a complete line; InputError names what is wrong or left open."""
    result = scan(text)
    if result.mismatch:
        raise InputError(result.mismatch)
    if result.brackets:
        raise InputError(f"unbalanced bracket: missing '{''.join(reversed(result.brackets))}' "
                         f"(the '{text[result.bracket_starts[-1]]}' at {position(text, result.bracket_starts[-1])})")
    if result.quote:
        raise InputError(f"unterminated {result.quote} quote (opened at {position(text, result.quote_start)}); "
                         "a quote must close on the line it opens")
    if result.trailing_backslash:
        raise InputError("the line ends with a backslash")
    words = list(result.words)
    if result.partial is not None:
        words.append(result.partial)
    return words
