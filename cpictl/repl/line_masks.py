"""A REPL line with its secrets masked, the way the request view masks: what the history file keeps
(cpictl.repl.history) and what a piped script's transcript echoes.

* `:context key=value`: the value is masked for every key but `director_uuid`, `request_id` and `vm`
  (cpi-config properties are credentials); `-key` words stay.
* `METHOD ARG ...`: the words are matched to parameters as `cpictl.wordargs.parse_cli_arguments` does
  (positional, then `name=value`), and each value is masked by `Redactor.arguments` — values under keys that
  name a secret and secret-shaped strings (a PEM key, a JWT, `AKIA…`), at any depth, and URL userinfo — then
  written back as one YAML flow word (`{instance_type: m5.large, password: <redacted>}`). `@file` words are kept
  (a path, never read here).
* Anything else — another meta-command, an unknown method, a line that does not split (an unbalanced bracket,
  an abandoned continuation), a value that is not YAML — has each `key: value` / `key=value` pair masked whose
  key sounds secret (`redaction.secret_key`: password, token, private_key … — `env.bosh.password=x` too),
  every secret-shaped part (`secret_shapes`), and the userinfo of URLs (`nats://user:pw@host`).
* Wherever it is typed, a secret the process knows (`redaction.register_secret`: the CPI's environment, the
  embedded registry's password).

A line with nothing to mask is kept exactly as typed; a masked one is rebuilt from its words (quoted where
needed), so it still reads back as the same words. No prompt_toolkit here: a piped script masks its echo too.
"""

from __future__ import annotations

import re
from typing import Any

from cpictl.protocol.catalogue import get_method
from cpictl.protocol.redaction import (
    CONTEXT_PUBLIC_KEYS,
    MASK,
    Redactor,
    mask_url_userinfo,
    secret_key,
    setting_word,
)
from cpictl.protocol.secret_shapes import secret_shapes
from cpictl.repl.lines import meta_escape, split_words
from cpictl.wordargs import InputError, load_yaml_text

_NAMED = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)
#: The start of `key: value`, `"key": "value"` or `key=value` in text that could not be parsed.
_PAIR_LEAD = re.compile(r"""(?P<quote>["']?)(?P<key>[A-Za-z_][\w.-]*)(?P=quote)"""
                        r"""[ \t]*(?::[ \t]+|:(?=["'{\[])|=)[ \t]*""")
_PLAIN_VALUE = re.compile(r"""[^\s,}\]]+""")
_CLOSERS = {"{": "}", "[": "]"}


def mask_history_line(text: str, api_version: int | None = None) -> str:
    """The line as the history file keeps it: secrets masked, everything else as typed. Besides what its words
    mask, a secret the process knows (one of the CPI's environment, the registry's password) is masked wherever
    it was typed, in any spelling."""
    return Redactor().text(_mask_words(text, api_version))


def _mask_words(text: str, api_version: int | None) -> str:
    escaped = meta_escape(text)
    if escaped is not None:  # an abandoned continuation, then a :command
        abandoned, command = escaped
        return f"{mask_pairs(abandoned)}\n{_mask_words(command, api_version)}"
    try:
        words = split_words(text)
    except InputError:
        return mask_pairs(text)
    if not words:
        return text
    if words[0] == ":context":
        masked = [words[0], *(_mask_context_word(word) for word in words[1:])]
    elif words[0].startswith(":") or get_method(words[0]) is None:
        return mask_pairs(text)
    else:
        masked = [words[0], *_mask_argument_words(words[0], words[1:], api_version)]
    return text if masked == words else " ".join(_quoted(word) for word in masked)


def mask_pairs(text: str) -> str:
    """Mask the value of every `key: value` / `key=value` pair whose key sounds secret — a bracketed value up to
    its closing bracket (or the end, when it does not close), a quoted one up to its closing quote — every
    secret-shaped part, and the userinfo of every URL."""
    parts, done, at = [], 0, 0
    while (match := _PAIR_LEAD.search(text, at)) is not None:
        at = match.end()
        if not secret_key(match["key"]) or at == len(text):
            continue
        end = _value_end(text, at)
        if end > at and not setting_word(text[at:end].strip("'\"")):  # `http_tokens: required` is a setting
            parts += [text[done:at], MASK]
            done = at = end
    masked = "".join(parts) + text[done:]
    for shape in secret_shapes(masked):
        masked = masked.replace(shape, MASK)
    return mask_url_userinfo(masked)


def _value_end(text: str, start: int) -> int:
    """Where the value starting at `start` ends: after its closing quote or bracket, or at a blank, `,`, `}`, `]`."""
    first = text[start]
    if first in "\"'":
        close = text.find(first, start + 1)
        return len(text) if close < 0 else close + 1
    if first in _CLOSERS:
        depth, quote = 0, None
        for index in range(start, len(text)):
            char = text[index]
            if quote:
                quote = None if char == quote else quote
            elif char in "\"'":
                quote = char
            elif char in _CLOSERS:
                depth += 1
            elif char in "}]":
                depth -= 1
                if depth == 0:
                    return index + 1
        return len(text)
    plain = _PLAIN_VALUE.match(text, start)
    return plain.end() if plain else start


def _mask_context_word(word: str) -> str:
    key, equals, _ = word.partition("=")
    if not equals or word.startswith("-") or key in CONTEXT_PUBLIC_KEYS:
        return word
    return f"{key}={MASK}"


def _mask_argument_words(method: str, words: list[str], api_version: int | None) -> list[str]:
    spec = get_method(method)
    assert spec is not None
    params = spec.params_for(api_version)
    names = {param.name for param in params}
    masked, position, named = [], 0, False
    for word in words:
        match = _NAMED.match(word)
        if match and match.group(1) in names:
            name, raw, prefix, named = match.group(1), match.group(2), f"{match.group(1)}=", True
        else:
            name = params[position].name if position < len(params) and not named else None
            raw, prefix = word, ""
            position += 1
        if name is None:  # a word no parameter takes (too many, or a name of another api_version): its pairs
            masked.append(mask_pairs(word))
        else:
            masked.append(prefix + _mask_value(method, name, raw) if _may_hold_secrets(name, raw) else word)
    return masked


def _may_hold_secrets(name: str, raw: str) -> bool:
    """Every argument is masked somewhat (values under keys that name a secret, secret shapes, URL userinfo; see
    the Redactor), but only text with a `:` or `@` can hold a key or a URL, and text without either holds a
    secret only by its shape: the rest is kept without parsing it."""
    return ":" in raw or "@" in raw or bool(secret_shapes(raw))


def _mask_value(method: str, name: str | None, raw: str) -> str:
    """One argument's text with the value masked as the Redactor masks it; unparsable text has its pairs masked."""
    spec = get_method(method)
    if spec is None or raw.startswith("@"):
        return raw
    try:
        value = load_yaml_text(raw, name or "argument")
    except InputError:
        return mask_pairs(raw)
    index = next(i for i, param in enumerate(spec.params) if param.name == name)
    masked = Redactor().arguments(method, [None] * index + [value])[index]
    return raw if masked == value else _flow(masked)


def _flow(value: Any) -> str:
    if isinstance(value, str):  # a plain string stays as it is (a YAML dump would add its `...` end marker)
        return value
    import yaml

    return str(yaml.safe_dump(value, default_flow_style=True, width=float("inf"), sort_keys=False,
                              allow_unicode=True)).strip()


def _quoted(word: str) -> str:
    """The word as the REPL's splitter reads it back: as it is when it reads back the same, else single-quoted."""
    try:
        if split_words(word) == [word]:
            return word
    except InputError:
        pass
    return "'" + word.replace("'", "'\\''") + "'"
