"""Envelope keys spelt in another case (`Result`, `RESULT`, `reſult`): which value each caller reads (contract §13).

Read in their code:

- director: `JSON.parse` (ruby/json 2.21) builds a Hash whose keys are the strings as sent, so `RESULT` and `result`
  are two keys; `external_cpi.rb` reads `parsed_response['result']`, `['error']`, `['log']` and its non-strict
  `RESPONSE_SCHEMA` ignores every other key. Without the exact key the schema fails ("'result' missing").
- create-env: `json.Unmarshal` into `CmdOutput{Result interface{}; Error *CmdError; Log string}` (bosh-cli:
  cloud/cpi_cmd_runner.go). Go's `decodeState.object` matches each key exactly, else through `foldName` (ASCII
  letters upper-cased, any other rune folded to the smallest of its `unicode.SimpleFold` orbit, so `ſ` is `S`), and
  stores every matching key in document order: the last one wins. For `Result` (interface{}) the value is replaced;
  for `Log` (string) a `null` changes nothing and a non-string fails the whole Unmarshal; for `Error` (*CmdError) a
  `null` sets it to nil, while an object is decoded into the CmdError already there, field by field.

Exact repeats of one key (`"result"` twice) are read alike by all: the last one (Python's json too).
"""

from __future__ import annotations

import json
from typing import Any

from cpictl.protocol import callers
from cpictl.protocol.envelope_check import create_env_reads, go_reads_error
from cpictl.protocol.json_decoding import ValueHooks
from cpictl.protocol.violations import COPES, Reaction, Violation, fails, ignores, misreads

ENVELOPE_KEYS = ("result", "error", "log")
_ABSENT = object()  # no exact key: the director reads nothing


def go_fold(key: str) -> str:
    """Go's `foldName`: keys with equal folds name the same struct field."""
    folded = []
    for char in key:
        if char.isascii():
            folded.append(char.upper())
            continue
        orbit = {char, char.lower(), char.upper(), char.lower().upper(), char.upper().lower()}
        folded.append(min(form for form in orbit if len(form) == 1))
    return "".join(folded)


_FOLDED = {go_fold(key): key for key in ENVELOPE_KEYS}


def has_other_spellings(document: dict[str, Any]) -> bool:
    """Whether some key of the document reaches an envelope field only through create-env's case folding."""
    return any(key not in ENVELOPE_KEYS and go_fold(key) in _FOLDED for key in document)


def read_envelope(document: dict[str, Any], text: str, method: str | None = None,
                  api_version: int | None = None) -> tuple[dict[str, Any], list[Violation]]:
    """The document as cpictl reads it — each field under its exact key, as the director reads it, or else under
    the spelling create-env takes — and violations for the fields create-env finds under another spelling."""
    pairs = _top_level_pairs(text) or list(document.items())
    spellings: dict[str, list[tuple[str, Any]]] = {}
    for key, value in pairs:
        field = key if key in ENVELOPE_KEYS else _FOLDED.get(go_fold(key))
        if field is not None:
            spellings.setdefault(field, []).append((key, value))
    renamed: dict[str, str] = {}  # {field: the spelling create-env takes}, for fields without their exact key
    problems: list[Violation] = []
    for field, found in spellings.items():
        keys = list(dict.fromkeys(key for key, _ in found))
        if keys == [field]:
            continue  # the exact key alone (maybe repeated: every parser takes the last)
        if field not in document:
            renamed[field] = found[-1][0]
        if len(keys) > 1:
            problems.append(_spelt_twice(field, keys, found, document, method, api_version))
    single = {field: key for field, key in renamed.items() if len({k for k, _ in spellings[field]}) == 1}
    if single:
        problems.insert(0, _key_case(single))
    if renamed:
        as_field = {key: field for field, key in renamed.items()}
        document = {as_field.get(key, key): value for key, value in document.items()}
    return document, problems


def _top_level_pairs(text: str) -> list[tuple[str, Any]] | None:
    """The top-level object's (key, value) pairs in document order, repeats included; None when `text` does not
    decode here (nested too deep for `json.loads`: the document's own order stands in)."""
    hooks = ValueHooks()
    last: list[tuple[str, Any]] = []

    def keep(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal last
        last = pairs  # objects close innermost first: the top-level one is the last to arrive
        return dict(pairs)

    decoder = json.JSONDecoder(object_pairs_hook=keep, parse_int=hooks.integer, parse_float=hooks.real,
                               parse_constant=hooks.constant)
    try:
        decoder.decode(text)
    except (ValueError, RecursionError):
        return None
    return last


def _quoted(keys: list[str]) -> str:
    return ", ".join(f"'{key}'" for key in keys)


def _key_case(renamed: dict[str, str]) -> Violation:
    """Another spelling and no exact key: the director's schema fails; create-env reads it."""
    sent = ", ".join(f"'{as_sent}' for '{field}'" for field, as_sent in renamed.items())
    return Violation("response.key-case", f"the response spells {sent}", director=fails(
        f"'{callers.DIRECTOR_SCHEMA_ERROR}: …' ({', '.join(repr(key) for key in renamed)} missing: it matches keys "
        "exactly)"), create_env=ignores(f"matches keys case-insensitively (Go's encoding/json) and reads {sent}"))


def _spelt_twice(field: str, keys: list[str], found: list[tuple[str, Any]], document: dict[str, Any],
                 method: str | None, api_version: int | None) -> Violation:
    takes = f"'{field}'" if field in document else f"'{found[-1][0]}', as create-env does"
    message = (f"the response has '{field}' under {len(keys)} spellings ({_quoted(keys)}); cpictl reads {takes}")
    if field not in document:
        director = fails(f"'{callers.DIRECTOR_SCHEMA_ERROR}: …' ('{field}' missing: it matches keys exactly)")
    else:
        others = _quoted([key for key in keys if key != field])
        director = ignores(f"reads only '{field}' ({_brief(document[field])}): Ruby's JSON.parse keeps keys as sent "
                           f"and its schema ignores {others}")
    director_reads = document.get(field, _ABSENT)
    if field == "result":
        create_env = _go_result(found, director_reads, method, api_version)
    else:
        create_env = (_go_log if field == "log" else _go_error)(found, director_reads)
    return Violation("response.key-case-twice", message, director=director, create_env=create_env)


def _brief(value: Any) -> str:
    from cpictl.protocol.shapes import brief

    return brief(value, 60)


def _goes_last(found: list[tuple[str, Any]]) -> str:
    return (f"matches keys case-insensitively and stores each in turn (Go's encoding/json), so the last, "
            f"'{found[-1][0]}', wins")


def _go_result(found: list[tuple[str, Any]], director: Any, method: str | None,
               api_version: int | None) -> Reaction:
    value = found[-1][1]
    if director is not _ABSENT and value == director:
        return ignores(f"{_goes_last(found)}: it reads the same result as the director")
    if all(other == value for _, other in found):  # no exact key, but one value under every spelling
        return create_env_reads(value, method, api_version, f"{_goes_last(found)}: every spelling holds "
                                f"{_brief(value)}")
    where = "" if director is _ABSENT else f", where the director reads {_brief(director)}"
    how = f"{_goes_last(found)}: it reads the result {_brief(value)}{where}"
    reaction = create_env_reads(value, method, api_version, how)
    return reaction if reaction.does != COPES else misreads(how)


def _go_log(found: list[tuple[str, Any]], director: Any) -> Reaction:
    log: Any = _ABSENT
    for key, value in found:
        if value is None:
            continue  # null leaves a Go string as it is
        if not isinstance(value, str):
            go_type = ("bool" if isinstance(value, bool) else "object" if isinstance(value, dict)
                       else "array" if isinstance(value, list) else "number")
            return fails(f"'{callers.CREATE_ENV_UNMARSHAL}' (cannot unmarshal {go_type} under '{key}' into a Go "
                         "string)")
        log = value
    same = "the same log as the director" if log == director else "another log than the director"
    return ignores(f"matches keys case-insensitively and the last string wins: it logs {same} at debug level")


def _go_error(found: list[tuple[str, Any]], director: Any) -> Reaction:
    """Go decodes each object into the *CmdError already there (field by field); null resets it to nil."""
    error: dict[str, Any] | None = None
    for key, value in found:
        if value is None:
            error = None
        elif not go_reads_error(value):
            return fails(f"'{callers.CREATE_ENV_UNMARSHAL}': '{key}' has a field of the wrong Go type")
        else:
            fields = {go_fold(name): item for name, item in value.items()}
            error = {**(error or {"type": "", "message": "", "ok_to_retry": False}),
                     **{name: fields[go_fold(name)] for name in ("type", "message", "ok_to_retry")
                        if fields.get(go_fold(name)) is not None}}
    director_error = None if director is _ABSENT else director
    if error is None:
        if director_error is None:
            return ignores(f"{_goes_last(found)}: no error, as the director reads it")
        return misreads(f"{_goes_last(found)}: it reads no error and takes the call as a success")
    said = f"{error['type']}: {error['message']}"
    if isinstance(director_error, dict) and all(director_error.get(name) == error[name] for name in error):
        return ignores(f"{_goes_last(found)}: it reads the same error as the director")
    if director_error is None:
        return fails(f"{_goes_last(found)}: it fails the call with the error '{said}', where the director sees "
                     "none")
    return misreads(f"{_goes_last(found)}: it reads the error '{said}', not the director's")
