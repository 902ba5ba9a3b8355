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

`scan` never raises: completion calls it on half-typed text on every keystroke. Scanning is linear in the text
(`Gathering` gathers piped lines without rescanning), and one input holds at most MAX_LINE_CHARS characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cpictl.input_limits import MAX_LINE_CHARS
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
        self.advance()
        text = self.text
        if self.flow_quote is not None:
            self.result.flow_quote_start = self.flow_quote_at
        if self.word is not None:
            self.result.partial = "".join(self.word)
            self.result.partial_raw_length = len(text) - self.word_start
        return self.result

    def advance(self, *, hold_final_backslash: bool = False) -> int:
        """Scan all of `self.text`; returns where it stopped. `hold_final_backslash` stops before a backslash
        that is the text's last character, whose meaning depends on what follows (see `Gathering`)."""
        i, text = 0, self.text
        while i < len(text):
            if hold_final_backslash and i == len(text) - 1 and text[i] == "\\":
                return i
            if self.result.brackets:
                i = self._flow(i)
            elif self.result.quote:
                i = self._quoted(i)
            else:
                i = self._plain(i)
        return i

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
        opens_a_word = not self.word  # None or empty: a bracket here opens a flow value
        word = self._start_word(i)
        if char in "'\"":
            self.result.quote, self.result.quote_start = char, i
        elif char in _OPENERS and (opens_a_word or _NAME_EQUALS.fullmatch("".join(word))):  # joined only here:
            # joining on every character made a long word quadratic
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
        elif char in "'\"" and _last_significant(word, before=len(word) - 1) in _FLOW_STRING_AFTER:
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


def _last_significant(chars: list[str], before: int) -> str:
    """The last non-blank character of `chars[:before]` (without copying them: words can be long)."""
    for index in range(before - 1, -1, -1):
        if not chars[index].isspace():
            return chars[index]
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


def check_input_size(text: str) -> None:
    """InputError for an input (a line, or an answer at a parameter prompt) beyond MAX_LINE_CHARS: a paste that
    big would only be split and parsed slowly, and belongs in a file."""
    if len(text) > MAX_LINE_CHARS:
        raise InputError(f"the input is {len(text):,} characters, more than the {MAX_LINE_CHARS:,} one input may "
                         "hold; give a value this big as @FILE")


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


class Gathering:
    """Piped lines gathered into one input exactly as `needs_more` gathers them at the prompt, in linear time.

    Rescanning everything gathered so far for each new line (as `needs_more(pending)` does) is quadratic: a value
    of 10,000 lines would take minutes. Here the scanner goes on where it stopped: each `add` scans only the new
    line. What needs the text's end (a trailing backslash, trailing newlines, which `needs_more` strips) is held
    back until the next line shows what follows. Positions inside the scanner are then relative to a line, so its
    messages are never used: the complete input is split again (`split_words`) once it is run.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.size = 0
        self._scanner: _Scanner | None = None
        self._held = ""  # a final backslash, then newlines: their meaning depends on the next line
        self._more = False

    @property
    def text(self) -> str:
        """The input gathered so far, without its trailing newlines (as `needs_more` and `run_input` take it)."""
        return "".join(self.lines).rstrip("\n")

    def add(self, line: str) -> bool:
        """Add one line (with its newline, if it has one); True while the input needs another line."""
        self.lines.append(line)
        self.size += len(line)
        body = line.rstrip("\n")
        first = self._scanner is None
        if first:
            self._scanner = _Scanner("")
        elif not body:  # a blank line changes nothing `needs_more` looks at
            self._held += line
            return self._more
        scanner = self._scanner
        assert scanner is not None
        # meta_escape: a `:command` line after an unfinished input. "Unfinished" is judged on the input up to the
        # newline before it: just gathered (so unfinished) when no blank line came between; after blank lines, a
        # trailing backslash has become a line join, so only an open bracket counts.
        newlines = self._held.count("\n")
        unfinished = self._more if newlines == 1 else self._still_open(scanner, backslash=False)
        escaped = newlines > 0 and body.lstrip().startswith(":") and unfinished
        scanner.text = self._held + body
        stopped = scanner.advance(hold_final_backslash=True)
        self._held = scanner.text[stopped:] + line[len(body):]
        self._more = self._still_open(scanner, backslash=stopped < len(scanner.text)) and not escaped
        return self._more

    @staticmethod
    def _still_open(scanner: _Scanner, *, backslash: bool) -> bool:
        """`Scan.incomplete` of the text scanned so far, as if it ended here (after a held-back backslash)."""
        result = scanner.result
        if result.mismatch is not None or result.quote is not None:
            return False
        return bool(result.brackets) or backslash
