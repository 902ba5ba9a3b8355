"""What the director's and create-env's JSON parsers do with an odd answer, and with an odd cloud ID in it.

Read in their code: cloudfoundry/bosh at 96f913526a18 and cloudfoundry/bosh-cli at 19ee1a8d9ade (the snapshots of
contract §13), ruby/json at v2.21.1, Go's src/encoding/json (scanner.go, decode.go):

- director: `JSON.parse(input.to_s)` with no options (bosh: src/bosh-director/lib/clouds/external_cpi.rb
  `parsed_response`), Ruby json 2.21 (src/Gemfile.lock). Its C parser (ruby/json: ext/json/ext/parser/parser.c)
  raises NestingError, a ParserError, past `max_nesting` 100 ("nesting of 101 is too deep"; an empty `[]`/`{}`
  does not count), ParserError "unexpected token" on NaN/Infinity (`allow_nan` is off), ParserError "incomplete
  surrogate pair" on a lone high surrogate escape (a lone low one becomes invalid UTF-8 bytes), and reads big
  integers exactly (`rb_cstr2inum`) and out-of-range floats as Infinity. A ParserError becomes "Invalid CPI
  response - ParserError". CIDs go into its database: PostgreSQL by default (jobs/director/spec), `text` columns
  there, `varchar(255)` on MySQL (src/bosh-director/db/migrations/20110209010747_initial.rb); its task log quotes
  them as they are (deployment_plan/steps/create_vm_step.rb "Failed to create/contact VM #{vm_cid}").
- create-env: `json.Unmarshal` into `CmdOutput{Result interface{}}` (bosh-cli: cloud/cpi_cmd_runner.go) with Go's
  encoding/json (go 1.25, go.mod): the scanner fails past 10,000 levels ("exceeded max depth"), rejects NaN and
  Infinity ("invalid character"), replaces a lone surrogate with U+FFFD (`unquoteBytes`), and decodes numbers
  into interface{} as float64, failing the whole Unmarshal on one beyond float64's range (`convertNumber`). Any
  Unmarshal error fails the call: "Unmarshalling external CPI command output".

Each verdict says what each caller does; severity follows from that (`violations.severity_of`).
"""

from __future__ import annotations

import re

from cpictl.protocol.json_decoding import JsonFindings
from cpictl.protocol.json_markers import KEPT_DEPTH
from cpictl.protocol.violations import Violation, both, fails, ignores, misreads

DIRECTOR_MAX_NESTING = 100
CREATE_ENV_MAX_NESTING = 10_000
_DIRECTOR_PARSE_FAILS = "the director fails 'Invalid CPI response - ParserError"
_CREATE_ENV_FAILS = "create-env fails 'Unmarshalling external CPI command output"
#: A CID longer than this does not fit the director's CID columns on MySQL.
MYSQL_CID_LENGTH = 255


def _sample(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(item if len(item) <= 24 else f"{item[:12]}…({len(item):,} characters)" for item in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def parser_violations(findings: JsonFindings, lone: list[str]) -> list[Violation]:
    """Violations for what the decoder found: nesting, NaN/Infinity, numbers beyond a float, lone surrogates."""
    problems: list[Violation] = []
    if findings.director_depth > DIRECTOR_MAX_NESTING or findings.depth > CREATE_ENV_MAX_NESTING:
        problems.append(_too_deep(findings))
    if findings.non_finite:
        problems.append(Violation("json.non-finite", f"the response contains {_sample(findings.non_finite)}, "
                                  "which is not JSON; cpictl never takes it as a cloud ID and writes it as null in "
                                  "-o json", director=fails(f"{_DIRECTOR_PARSE_FAILS} - unexpected token' "
                                                            "(allow_nan is off)"),
                                  create_env=fails(f"{_CREATE_ENV_FAILS}' (invalid character)")))
    if findings.beyond_float:
        real = any(not literal.lstrip("-").isdigit() for literal in findings.beyond_float)
        director = (misreads("reads a float beyond range as Infinity") if real
                    else ignores("reads a big integer exactly"))
        problems.append(Violation("json.number-beyond-float", "the response holds a number beyond a 64-bit float "
                                  f"({_sample(findings.beyond_float)}); cpictl keeps its exact digits and never "
                                  "takes it as a cloud ID", director=director,
                                  create_env=fails(f"{_CREATE_ENV_FAILS}' (Go cannot unmarshal it into float64)")))
    if lone:
        problems.append(_lone_surrogates(lone))
    return problems


def _too_deep(findings: JsonFindings) -> Violation:
    if findings.depth > CREATE_ENV_MAX_NESTING:
        create_env = fails(f"{_CREATE_ENV_FAILS}' (Go's decoder stops at {CREATE_ENV_MAX_NESTING:,} levels: "
                           "'exceeded max depth')")
    else:
        create_env = ignores(f"Go's decoder accepts it (its limit is {CREATE_ENV_MAX_NESTING:,} levels)")
    if findings.director_depth > DIRECTOR_MAX_NESTING:
        director = fails(f"{_DIRECTOR_PARSE_FAILS} - nesting of {DIRECTOR_MAX_NESTING + 1} is too deep' (Ruby "
                         f"json's max_nesting is {DIRECTOR_MAX_NESTING})")
    else:
        director = ignores("its Ruby parser accepts it (empty containers do not count toward its limit)")
    kept = (f"; cpictl keeps the first {KEPT_DEPTH} levels and shows what lies deeper as elided"
            if findings.elided else "")
    return Violation("json.too-deep", f"the response is nested {findings.depth:,} levels deep{kept}",
                     director=director, create_env=create_env)


def _lone_surrogates(lone: list[str]) -> Violation:
    high = any(int(escape[2:], 16) < 0xDC00 for escape in lone)
    if high:
        director = fails("its parser fails 'incomplete surrogate pair' ('invalid surrogate pair' when another "
                         "escape follows) on a lone high half")
    else:
        director = misreads("its parser turns a lone low half into invalid UTF-8, which fails later like invalid "
                            "UTF-8 on stdout")
    byte_like = [escape for escape in lone if 0xDC80 <= int(escape[2:], 16) <= 0xDCFF]
    sent_back = ("cpictl keeps it and sends it back escaped, as given" if not byte_like else
                 f"cpictl keeps it, but {_sample(byte_like)} is also how it holds a byte that is not UTF-8 (Python's "
                 "surrogateescape), so it goes back as that raw byte, not escaped")
    return Violation("json.lone-surrogate", f"the response holds {_sample(lone)}, half of a UTF-16 surrogate pair; "
                     f"{sent_back}", director=director,
                     create_env=misreads("replaces it with U+FFFD, so an ID holding one names a different resource "
                                         "in every later call"))


def cloud_id_violations(cid: str, raw_bytes: bool = False) -> list[Violation]:
    """What the callers make of a cloud ID with odd characters in it (a lone surrogate: `parser_violations`).
    `raw_bytes`: stdout was not UTF-8, so U+DC80..U+DCFF in the ID are the bytes that were not (surrogateescape)."""
    problems: list[Violation] = []
    if raw_bytes and _RAW_BYTE.search(cid):
        shown = "".join(f"\\x{ord(char) - 0xDC00:02x}" for char in _RAW_BYTE.findall(cid)[:4])
        problems.append(Violation("cloud-id.invalid-utf8", f"the cloud ID holds bytes that are not UTF-8 ({shown}); "
                                  "cpictl journals them as they are and sends them back unchanged", director=fails(
                                      "its parser keeps the bytes in the ID and fails later, as for any answer that "
                                      "is not UTF-8 (e.g. when it writes the task log)"), create_env=misreads(
                                      "Go's decoder replaces them with U+FFFD, so the ID it records names a "
                                      "different resource in every later call")))
    if "\x00" in cid:
        problems.append(Violation("cloud-id.nul", "the cloud ID contains a NUL character", director=fails(
            "both parsers accept it, but it stores CIDs in its database, PostgreSQL by default, which cannot hold "
            "NUL in text, so recording the resource fails (inferred from PostgreSQL, not run)"),
            create_env=ignores("keeps it in its state file")))
    controls = sorted({_control_name(char) for char in cid if _is_control(char) and char != "\x00"})
    if controls:
        problems.append(Violation("cloud-id.control-characters", f"the cloud ID contains {', '.join(controls)}; "
                                  "cpictl shows them escaped", **both(ignores(
                                      "keeps it byte for byte and sends it back escaped in later requests; text "
                                      "that quotes the decoded ID shows the raw characters (the director's task "
                                      "log: 'Failed to create/contact VM <cid>')"))))
    if len(cid) > MYSQL_CID_LENGTH:
        problems.append(Violation("cloud-id.long", f"the cloud ID is {len(cid):,} characters long",
                                  director=ignores("keeps it on PostgreSQL, its default database (text columns); "
                                                   f"a director on MySQL cannot (varchar({MYSQL_CID_LENGTH}))"),
                                  create_env=ignores("keeps it in its state file")))
    return problems


_RAW_BYTE = re.compile("[\udc80-\udcff]")


def _is_control(char: str) -> bool:
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F or 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069


_NAMES = {"\n": "a newline", "\t": "a tab", "\r": "a carriage return", "\x1b": "an escape (ESC)"}


def _control_name(char: str) -> str:
    return _NAMES.get(char, f"control character U+{ord(char):04X}")
