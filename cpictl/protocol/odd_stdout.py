"""Stdout that is not one clean JSON document, but holds one: comments in it, or noise lines around it.

Both are read here only to keep what the CPI answered (its cloud IDs still reach the journal); the verdicts say
what the callers do (contract §13):

- `/* … */` and `// …` comments: the director's parser, ruby/json 2.21, skips them between tokens (with a
  deprecation warning, ext/json/ext/parser/parser.c `json_eat_comments`); create-env's Go decoder rejects them.
- noise lines (a library logging to stdout): both parse all of stdout as one document and fail.

Loaded only when stdout did not decode as it is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from cpictl.protocol import callers
from cpictl.protocol.json_decoding import DecodedJson, decode_json
from cpictl.protocol.violations import NOISE_LINES_KEPT, Noise, Violation, fails, ignores

#: A string, a comment, or a run of anything else: strings are skipped whole, so `"http://x"` holds no comment.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|/\*.*?(?:\*/|\Z)|//[^\n]*|[^"/]+|/', re.DOTALL)
#: A noise line is kept to this many characters (a CPI may print megabytes on one line).
NOISE_LINE_CHARS = 1_000
_ENVELOPE_KEYS = ("result", "error", "log")


@dataclass
class Recovered:
    """The document found in odd stdout, the text it was decoded from, and the violation that says how."""

    decoded: DecodedJson
    text: str
    violation: Violation


def recover(text: str) -> Recovered | None:
    """The JSON answer in `text` once comments are skipped or noise lines dropped; None when there is none."""
    if "/" in text:
        stripped = strip_comments(text)
        if stripped is not None:
            try:
                return Recovered(decode_json(stripped), stripped, _comments())
            except ValueError:
                pass
    return _after_noise(text)


def strip_comments(text: str) -> str | None:
    """`text` with each comment outside strings replaced by a space; None when there is none, or one is not
    closed (the director's parser fails on that: "unterminated comment")."""
    pieces: list[str] = []
    found = False
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token.startswith("/*"):
            if not token.endswith("*/") or len(token) < 4:
                return None
            pieces.append(" ")
            found = True
        elif token.startswith("//"):
            pieces.append(" ")
            found = True
        else:
            pieces.append(token)
    return "".join(pieces) if found else None


def _comments() -> Violation:
    return Violation("json.comments", "the response holds /* */ or // comments, which are not JSON", director=ignores(
        "its parser (ruby/json 2.21) skips comments between tokens, with a deprecation warning: json 3.0 will "
        "refuse them"), create_env=fails(f"'{callers.CREATE_ENV_UNMARSHAL}' (invalid character '/' …): Go's "
                                         "decoder takes no comments"))


def _after_noise(text: str) -> Recovered | None:
    """The last `{` line from which the rest decodes to an object; else the first from which an envelope object
    decodes with noise after it. Lines inside a pretty-printed answer never decode to the end, and noise that is
    itself JSON (a structured log line) is seldom the envelope, so each pass finds the answer, not a fragment."""
    lines = text.split("\n")  # not splitlines(): a U+2028 inside a JSON string is no line break
    starts = [index for index, line in enumerate(lines) if line.lstrip().startswith("{")]
    for index in reversed(starts):
        candidate = "\n".join(lines[index:])
        try:
            decoded = decode_json(candidate)
        except ValueError:
            continue
        if isinstance(decoded.value, dict) and any(line.strip() for line in lines[:index]):
            return Recovered(decoded, candidate, noise_violation(lines[:index], []))
    for index in starts:
        candidate = "\n".join(lines[index:])
        try:
            decode_json(candidate)
        except json.JSONDecodeError as error:
            if error.msg != "Extra data":
                continue
            try:
                decoded = decode_json(candidate[:error.pos])
            except ValueError:
                continue
            if isinstance(decoded.value, dict) and _envelope_like(decoded.value):
                after = candidate[error.pos:].split("\n")
                return Recovered(decoded, candidate[:error.pos], noise_violation(lines[:index], after))
        except ValueError:
            continue
    return None


def _envelope_like(document: dict[str, object]) -> bool:
    return any(key.casefold() in _ENVELOPE_KEYS for key in document)


def noise_violation(before: list[str], after: list[str]) -> Violation:
    """`stdout.noise` for the non-blank lines around the answer; both callers parse all of stdout."""
    noise_before = [line for line in before if line.strip()]
    noise_after = [line for line in after if line.strip()]
    noise = noise_before + noise_after
    kept = tuple(line if len(line) <= NOISE_LINE_CHARS else line[:NOISE_LINE_CHARS] + "…"
                 for line in noise[:NOISE_LINES_KEPT])
    lines = f"{len(noise)} line{'s' if len(noise) != 1 else ''} of noise"
    if noise_before and noise_after:
        where = f"around the JSON answer on stdout ({len(noise_before)} before, {len(noise_after)} after)"
    else:
        where = f"{'before' if noise_before else 'after'} the JSON answer on stdout"
    first = noise[0].strip()[:1] if noise else ""
    if noise_before:
        director = f"'{callers.DIRECTOR_PARSER_ERROR} - unexpected character…' at the first noise line"
        go = f"invalid character '{first}' looking for beginning of value"
    else:
        director = f"'{callers.DIRECTOR_PARSER_ERROR} - unexpected token at end of stream…' at the noise"
        go = f"invalid character '{first}' after top-level value"
    return Violation("stdout.noise", f"{lines} {where}", director=fails(f"{director}: it parses all of stdout as "
                                                                         "one JSON document"),
                     create_env=fails(f"'{callers.CREATE_ENV_UNMARSHAL}' ({go}): it unmarshals all of stdout"),
                     noise=Noise(kept, len(noise)))

