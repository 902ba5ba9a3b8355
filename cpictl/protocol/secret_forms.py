"""Every form a known secret may take when a CPI echoes it, compiled into one pattern for `Redactor.text`.

A CPI seldom echoes a secret only as itself. It logs its request as JSON (`\\"`, `\\\\`, `\\/`, `\\u00e9`, Go's
`\\u003c` for `<`, and JSON inside a JSON string: a registry answer's `settings`), puts it in a URL (`%40`, `%2f`,
`+` for a space), hex-dumps it, or base64-encodes it: user-data is base64 of JSON that holds passwords, and HTTP
basic auth is `base64(user:password)`, where the password starts wherever the user name ends.

How each is found:
- Text forms: every character but ASCII letters, digits and `-._~` (which no JSON or URL encoder escapes) matches
  itself or any of its JSON, doubly JSON-escaped and percent-encoded spellings, so a secret that a logger escaped
  only in part is found too.
- Fully escaped: every character as `\\uXXXX` (hex digits in either case, the backslash doubled or more inside
  JSON in JSON), and every byte percent-encoded, letters too (`%68%75…`, either case): one alternative each,
  starting with `\\` or `%`, rather than an escaped spelling for every letter of every text form.
- Base64 (standard and URL-safe alphabets): inside a longer blob a secret starts at one of three byte alignments,
  and at each only a run of characters in the middle depends on the secret's bytes alone; that run is hunted, at
  all three alignments, for the secret and for its JSON-escaped spelling (what base64 of a JSON document holds).
  The character or two at either end that mix in neighbouring bytes stay, as do runs shorter than
  `MIN_BASE64_RUN`: a 4-character run turns up by chance in a few MB of any base64. Base64 wrapped into lines
  (MIME's 76 columns, PEM's 64) may break a run anywhere, so a line break (LF, CRLF, or inside a JSON string their
  escapes `\\n`, `\\r\\n`) may stand between any two of its characters; the mask keeps the real ones, so a log
  keeps its line count.
- Hex: the UTF-8 bytes in lower and upper case.
- A long secret (a PEM key) is spelt out in base64 and hex for its first `LONG_FORM` bytes only, and the rest of
  the blob that starts so, over line breaks too, is masked with it (`_encoded_alternatives`).
- A multi-line secret (a PEM key) is also hunted line by line, in text forms, for text read a line at a time.
- A secret seen only as a number (`pin: 98765432`) matches only where no digit touches it, so it never blanks the
  middle of a longer number.
- Not found: encodings stacked on one another (base64 of a URL-encoded secret, percent-encoded JSON escapes),
  deeper than JSON inside JSON (but for the fully `\\u`-escaped form), a secret only some of whose letters are
  escaped, and hex split across lines.

Speed: `Redactor.text` runs on every stderr line of every call, so all forms of all secrets are one compiled
pattern whose alternatives are grouped by their first character, each group starting with that literal character:
the regex engine skips at once the positions where no secret can start, and checks any other position against
each distinct first character. Patterns are cached by the set of secrets they hunt. Text that holds no line
break (nearly every stderr line) is matched by a pattern that allows none inside base64, which is cheaper by a
third per line and by ten times to compile (`secrets_pattern(wrapped=…)`).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

#: Base64 runs shorter than this are not hunted (36 bits: one chance in 68 billion per position of a random blob).
MIN_BASE64_RUN = 6
_PLAIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_JSON_SHORT = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: Characters some JSON encoders write as \\uXXXX although they need not: Go's `<>&` and line separators, `'`.
_JSON_U_ESCAPED = frozenset("<>&'\u2028\u2029")
#: Bytes of a long secret spelt out in its base64 and hex forms; the rest of the blob is masked with them.
LONG_FORM = 96


def _json_spellings(char: str) -> set[str]:
    """How JSON encoders write one character inside a string: short escapes, \\uXXXX in either case."""
    spellings = {_JSON_SHORT[char]} if char in _JSON_SHORT else set()
    if ord(char) < 0x20 or ord(char) >= 0x7F or char in _JSON_U_ESCAPED:
        units = char.encode("utf-16-be", errors="surrogatepass")  # an astral character: a surrogate pair
        escaped = "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))
        spellings |= {escaped, escaped.upper().replace("\\U", "\\u")}
    return spellings


def _url_spellings(char: str) -> set[str]:
    encoded = char.encode("utf-8", errors="surrogatepass")
    upper = "".join(f"%{byte:02X}" for byte in encoded)
    spellings = {upper, upper.lower()}
    return spellings | {"+"} if char == " " else spellings


@lru_cache(maxsize=512)
def _spellings(char: str) -> tuple[str, ...]:
    """Every spelling of one character a secret may reappear in: itself first, then escaped forms."""
    if char in _PLAIN:
        return (char,)
    once = _json_spellings(char)
    twice = {json.dumps(spelling)[1:-1] for spelling in once | {char}}  # JSON inside a JSON string
    return (char, *sorted((once | twice | _url_spellings(char)) - {char}))


def _token(char: str) -> str:
    spellings = [re.escape(spelling) for spelling in _spellings(char)]
    return spellings[0] if len(spellings) == 1 else "(?:" + "|".join(spellings) + ")"


_SPECIAL = re.compile(r"[^A-Za-z0-9_~-]")  # characters that need a token of their own (`.` only its escape)


def _rest(literal: str) -> str:
    """The regex of a literal, each special character in any of its spellings."""
    return _SPECIAL.sub(lambda match: _token(match[0]), literal)


def _text_alternatives(literal: str) -> list[tuple[str, str]]:
    """(first character as spelt, regex of the rest) for a literal in any of its text spellings; one per spelling
    of its first character, so that every alternative starts with a literal character."""
    rest = _rest(literal[1:])
    return [(first, rest) for first in _spellings(literal[0])]


def _hex_digits(code: str) -> str:
    """Hex digits that match in either case: `00e9` → `00[eE]9`."""
    return "".join(f"[{digit}{digit.upper()}]" if digit.isalpha() else digit for digit in code)


#: How every fully `\\u`-escaped alternative goes on after its first backslash: factored out of them in
#: `_alternation`, so that at a backslash in the text the engine reads the `u` once, not once per secret.
_UNICODE_LEAD = r"\\*u"


def _fully_escaped_alternatives(secret: str) -> list[tuple[str, str]]:
    """The secret with every character `\\uXXXX`-escaped (the backslash doubled, or more, inside JSON in JSON) and
    with every UTF-8 byte percent-encoded, hex digits in either case: what no per-character text form reaches,
    since letters and digits match only themselves there. Of a long secret only the first LONG_FORM characters
    are spelt out, and the escapes that follow are masked with them, as for base64."""
    head, long = secret[:LONG_FORM], len(secret) > LONG_FORM
    units = head.encode("utf-16-be", errors="surrogatepass")
    codes = [_hex_digits(f"{units[i]:02x}{units[i + 1]:02x}") for i in range(0, len(units), 2)]
    escaped = _UNICODE_LEAD + codes[0] + "".join(r"\\+u" + code for code in codes[1:])
    encoded = "%".join(_hex_digits(f"{byte:02x}") for byte in head.encode("utf-8", errors="surrogatepass"))
    if long:
        escaped, encoded = escaped + r"[\\u0-9A-Fa-f]*", encoded + "[%0-9A-Fa-f]*"
    return [("\\", escaped), ("%", encoded)]


def _numeric_alternative(number: str) -> tuple[str, str]:
    # the look-behind sits after the first character, so the alternative still starts with a literal character
    return number[0], rf"(?<!\d{re.escape(number[0])}){re.escape(number[1:])}(?!\d)"


def _base64_runs(data: bytes) -> set[str]:
    """The base64 characters that depend on `data` alone, at each of the three alignments it can have inside a
    longer blob, in the standard and the URL-safe alphabet; runs shorter than MIN_BASE64_RUN left out."""
    import base64  # here: start-up only pays for it once there is a secret to hunt

    runs = set()
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + data[:LONG_FORM] + bytes(2)).decode()
        # character i covers bits [6i, 6i + 6); the data covers bits [8 offset, 8 (offset + len))
        start, end = -(-8 * offset // 6), 8 * (offset + min(len(data), LONG_FORM)) // 6
        if end - start >= MIN_BASE64_RUN:
            run = encoded[start:end]
            runs |= {run, run.translate(_URLSAFE)}
    return runs


_URLSAFE = str.maketrans("+/", "-_")
#: What may follow the start of a long base64 or hex form, in JSON or a URL too (`\\/`, `%2F`): the rest of the
#: blob. One character class, never a repeated group: the regex engine keeps a backtracking entry for each turn of
#: a group (gigabytes for a 20 MB blob), and possessive repeats need Python 3.11. It may take a word that follows
#: an escape (`%26next`) too: more masked, nothing leaked.
_BASE64_TAIL = r"[A-Za-z0-9+/=_\\%\r\n-]*"
_HEX_TAIL = "[0-9A-Fa-f]*"


def _encoded_alternatives(secret: str, wrapped: bool) -> list[tuple[str, str]]:
    """The base64 runs and hex spellings of a secret. Of a long secret (a PEM key) only the first LONG_FORM bytes
    are spelt out, and the rest of the blob they start is masked with them: a base64 or hex blob is unreadable
    anyway, and a pattern of every byte of every alignment would take a tenth of a second to compile. `wrapped`:
    base64 runs may hold line breaks."""
    data = secret.encode("utf-8", errors="surrogatepass")
    tail_hex = _HEX_TAIL if len(data) > LONG_FORM else ""
    hexed = data[:LONG_FORM].hex()
    alternatives = [*_text_alternatives(hexed), *_text_alternatives(hexed.upper())]
    alternatives = [(first, rest + tail_hex) for first, rest in alternatives]
    runs: set[tuple[str, bool]] = set()  # (run, whether the blob goes on past it)
    spellings = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    for spelling in spellings:  # base64 of JSON (user-data) holds a secret as JSON spells it
        encoded = spelling.encode("utf-8", errors="surrogatepass")
        runs |= {(run, len(encoded) > LONG_FORM) for run in _base64_runs(encoded)}
    spell = _wrapped_alternatives if wrapped else _text_alternatives
    for run, long in sorted(runs):
        alternatives += [(first, rest + (_BASE64_TAIL if long else "")) for first, rest in spell(run)]
    return alternatives


#: A line break that wrapped base64 may hold between any two characters: LF, CRLF, or their JSON escapes. A
#: branch whose alternatives start with literals (the last one empty), not an optional group: the regex engine
#: rules those out at a glance, where `(?:…)?` costs a repeat at every place a run's first character matches.
_BREAK = r"(?:\n|\r\n|\\(?:r\\)?n|)"


def _wrapped_alternatives(run: str) -> list[tuple[str, str]]:
    """`_text_alternatives` of a base64 run, with a line break allowed between any two of its characters."""
    rest = "".join(_BREAK + _rest(char) for char in run[1:])
    return [(first, rest) for first in _spellings(run[0])]


def _alternation(alternatives: list[tuple[str, str]]) -> str:
    """One regex for all alternatives, grouped by their first literal so that the engine tries a position once per
    distinct first character; longer alternatives first, so the longest match wins."""
    by_first: dict[str, list[str]] = {}
    for first, rest in alternatives:
        rests = by_first.setdefault(first, [])
        if rest not in rests:
            rests.append(rest)
    branches = []
    for first, rests in by_first.items():
        escaped = [rest[len(_UNICODE_LEAD):] for rest in rests if rest.startswith(_UNICODE_LEAD)]
        if len(escaped) > 1:
            rests = [rest for rest in rests if not rest.startswith(_UNICODE_LEAD)]
            rests.append(_UNICODE_LEAD + _either(sorted(escaped, key=len, reverse=True)))
        rests.sort(key=len, reverse=True)
        branches.append(re.escape(first) + _either(rests))
    return "|".join(branches)


def _either(rests: list[str]) -> str:
    return rests[0] if len(rests) == 1 else "(?:" + "|".join(rests) + ")"


#: Where wrapped base64 may be broken (`_BREAK`): a line break, or a JSON-escaped one, with a character a base64 run
#: may end on before it (a base64 character, or the last of an escaped `+` or `/`: `%2F`, `\\/`) and one it may go
#: on with after it (a base64 character, or the start of an escape: `%`, `\\`).
_WRAP_POINT = re.compile(r"[A-Za-z0-9+/_-](?:\r?\n|\\(?:r\\)?n)[A-Za-z0-9+/_%\\-]")


def holds_line_breaks(text: str) -> bool:
    """Whether base64 in `text` may be wrapped into lines: it holds a line break or a JSON-escaped one between two
    characters of a base64 run. Text whose breaks all stand elsewhere (`Starting create_vm...\\nFinished …`, the
    reference CPI's log) can hold no wrapped run, and the pattern without breaks finds all there is in it."""
    return ("\n" in text or "\\n" in text) and _WRAP_POINT.search(text) is not None


@lru_cache(maxsize=64)
def secrets_pattern(texts: frozenset[str], numbers: frozenset[str], wrapped: bool = False,
                    lines: frozenset[str] = frozenset()) -> re.Pattern[str] | None:
    """One pattern for every form of every secret: `texts` match anywhere, `numbers` (secrets only ever seen as
    numbers) where no digit touches them; both also in their encoded forms. None when there is nothing to hunt.
    `wrapped`: base64 runs may be broken by line breaks, for text that holds one (`holds_line_breaks`). Allowing
    breaks costs half as much again per line and ten times as much to compile, so text without any (a stderr
    line, nearly always) is matched by the pattern without them. `lines`: the long lines of multi-line secrets,
    hunted in their text forms only (their encoded forms are those of the whole secret)."""
    alternatives: list[tuple[str, str]] = []
    for secret in sorted(texts | numbers, key=len, reverse=True):
        if secret in numbers:
            alternatives.append(_numeric_alternative(secret))
        else:
            alternatives.extend(_text_alternatives(secret))
        alternatives.extend(_fully_escaped_alternatives(secret))
        alternatives.extend(_encoded_alternatives(secret, wrapped))
    for line in sorted(lines, key=len, reverse=True):
        alternatives.extend(_text_alternatives(line))
    return re.compile(_alternation(alternatives)) if alternatives else None
