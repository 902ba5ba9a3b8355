"""Encode requests and decode responses as pure functions over bytes, with the contract check (contract §2, §3, §13).

The caller owns the process; this module never does I/O. `decode_response` always returns: a CPI that prints
garbage gives violations, not exceptions. JSON is decoded by `json_decoding.decode_json`, which no nesting, big
number, NaN or lone surrogate can make raise; `parser_verdicts` says what the callers' parsers make of those,
`odd_stdout` reads an answer behind comments or noise lines (so its IDs are journalled, though both or one caller
fails it), `answer_verdicts` judges stdout as a whole, `envelope_keys` keys spelt in another case, `envelope_check`
`{result, error, log}` and the shapes the result. Each violation says what the director and create-env do
(`violations`); every module that judges something odd is loaded only when there is something odd to judge.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

from cpictl.protocol.catalogue import created_cid, get_method
from cpictl.protocol.json_decoding import decode_json, lone_surrogates
from cpictl.protocol.violations import Violation


@dataclass(frozen=True)
class Request:
    """One RPC request exactly as it goes on the wire. `api_version` None omits the key."""

    method: str
    arguments: list[Any]
    context: dict[str, Any]
    api_version: int | None = 2

    def as_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"method": self.method, "arguments": self.arguments, "context": self.context}
        if self.api_version is not None:
            doc["api_version"] = self.api_version
        return doc


@dataclass(frozen=True)
class RawRequest(Request):
    """A whole request document given by the user (`call --raw`), sent byte for byte as given.

    `method`, `arguments`, `context` and `api_version` are read from it for the checks; `as_dict` is the document
    itself, every key included (also ones the contract does not know), so views and reports show what was sent.
    `document` is None when the bytes were not a JSON object."""

    document: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.document) if self.document is not None else super().as_dict()


#: One encoder for every request: `json.dumps` with non-default options builds a new one per call.
_REQUEST_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
#: Surrogates that stand for no byte (surrogateescape uses U+DC80..U+DCFF only): only a JSON escape can send them.
_NOT_A_BYTE = re.compile("[\ud800-\udc7f\udd00-\udfff]")


def encode_request(request: Request) -> bytes:
    """Single-line JSON without a trailing newline, as the director writes it (some CPIs read one line).

    Strings hold what a CPI gave, as Python holds undecodable bytes (`surrogateescape`): a byte that was not UTF-8
    (`vm-\\xff`, read as `"vm-\\udcff"`) goes back as that byte, so the CPI gets its ID back byte for byte. Any
    other lone surrogate (`vm-\\ud800`, which only a JSON escape can carry) goes back as that escape. A value
    decoded from a CPI's answer as a marker (a 5,000-digit integer) goes out as the digits it came in as."""
    document = request.as_dict()
    try:
        text = _REQUEST_ENCODER.encode(document)
    except (TypeError, ValueError, RecursionError):
        from cpictl.protocol.strict_json import strict_dumps  # markers only: not on every start-up

        text = strict_dumps(document, separators=(",", ":"), keep_surrogates=True)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return wire_bytes(text)


def wire_bytes(text: str) -> bytes:
    """JSON text holding surrogates as bytes: U+DC80..U+DCFF as the bytes they stand for, other surrogates (only
    ever inside strings) as `\\uXXXX` escapes."""
    if _NOT_A_BYTE.search(text):
        text = _NOT_A_BYTE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
    return text.encode("utf-8", "surrogateescape")


def new_request_id() -> str:
    """The director's `cpi-NNNNNN` request ID."""
    # os.urandom, not `random`: importing `random` costs a millisecond of every `cpictl call`'s start-up
    return f"cpi-{100000 + int.from_bytes(os.urandom(4), 'big') % 900000}"


def build_context(director_uuid: str, request_id: str | None, method: str, stemcell_api_version: int | None,
                  extra: dict[str, Any] | None = None, *, stemcell_on_every_method: bool = False,
                  stemcell_for: str | None = None) -> dict[str, Any]:
    """The context a caller builds: uuid, request id (None: left out, as create-env does), the stemcell version,
    then extras (cpi-config properties, merged at the top level).

    The director sends `vm.stemcell.api_version` only on the methods that know a stemcell (and on the `info` before
    them: `stemcell_for` names the method an `info` negotiates for); create-env (`stemcell_on_every_method`) on
    every method, and with no version as `"vm": {"stemcell": {}}` (Go's omitempty)."""
    context: dict[str, Any] = {"director_uuid": director_uuid}
    if request_id:
        context["request_id"] = request_id
    if stemcell_on_every_method:
        context["vm"] = {"stemcell": {} if stemcell_api_version is None else {"api_version": stemcell_api_version}}
    else:
        spec = get_method(stemcell_for or method)
        if stemcell_api_version is not None and spec is not None and spec.stemcell_context:
            context["vm"] = {"stemcell": {"api_version": stemcell_api_version}}
    for key, value in (extra or {}).items():
        _set_dotted(context, key, value)
    return context


def _set_dotted(target: dict[str, Any], dotted: str, value: Any) -> None:
    """`vm.stemcell.api_version=3` sets a nested key; plain keys merge at the top level like cpi-config properties."""
    *parents, leaf = dotted.split(".")
    for part in parents:
        child = target.get(part)
        if not isinstance(child, dict):
            child = target[part] = {}
        target = child
    target[leaf] = value


@dataclass(frozen=True)
class CpiError:
    """The `error` object of a response."""

    type: str
    message: str
    ok_to_retry: bool

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "message": self.message, "ok_to_retry": self.ok_to_retry}


@dataclass
class DecodedResponse:
    """What came back: the response document (None when undecodable) and every contract violation found."""

    document: dict[str, Any] | None
    violations: list[Violation] = field(default_factory=list)

    @property
    def result(self) -> Any:
        return self.document.get("result") if self.document else None

    @property
    def log(self) -> str | None:
        log = self.document.get("log") if self.document else None
        return log if isinstance(log, str) else None

    @property
    def error(self) -> CpiError | None:
        raw = self.document.get("error") if self.document else None
        if not isinstance(raw, dict):
            return None
        return CpiError(str(raw.get("type", "")), str(raw.get("message", "")), raw.get("ok_to_retry") is True)

    @property
    def succeeded(self) -> bool:
        """A usable response with no error and no error-severity violation."""
        return (self.document is not None and self.document.get("error") is None
                and not any(v.severity == "error" for v in self.violations))


def decode_response(stdout: bytes, *, method: str | None, api_version: int | None, exit_code: int | None = 0,
                    stdout_truncated: bool = False) -> DecodedResponse:
    """Decode a CPI's stdout and check it against the contract for `method` at `api_version`."""
    violations: list[Violation] = []
    if stdout_truncated:
        from cpictl.protocol import answer_verdicts  # an odd answer only: not on every start-up

        violations.append(answer_verdicts.too_large())
    if not stdout.strip():
        from cpictl.protocol import answer_verdicts

        violations.append(answer_verdicts.empty())
        return DecodedResponse(None, violations)
    text = _decode_text(stdout, violations)
    parsed = _parse_json(text, stdout, violations, method, api_version, stdout_truncated)
    if parsed is None:
        return DecodedResponse(None, violations)
    document, text = parsed
    if len(document) > 3 or not _plain_envelope(document):  # the everyday answer needs no envelope module
        from cpictl.protocol.envelope_keys import has_other_spellings, read_envelope

        if has_other_spellings(document):  # `Result`, or `RESULT` beside `result`: create-env reads it
            document, spelt = read_envelope(document, text, method, api_version)
            violations.extend(spelt)
        if not _plain_envelope(document):
            from cpictl.protocol.envelope_check import check_envelope

            violations.extend(check_envelope(document, method, api_version))
    error = document.get("error")
    if isinstance(error, dict):
        from cpictl.protocol.envelope_check import error_type_violations

        violations.extend(error_type_violations(error, method))
    elif error is None and method is not None and "result" in document:
        spec = get_method(method)
        if spec is not None:
            violations.extend(spec.result_shape(api_version).check(document.get("result"), method, api_version))
            cid = created_cid(spec, document.get("result"), api_version)
            if cid is not None and not _plain_id(cid):
                from cpictl.protocol.parser_verdicts import cloud_id_violations

                raw_bytes = any(v.code == "stdout.invalid-utf8" for v in violations)
                violations.extend(cloud_id_violations(cid, raw_bytes))
    if exit_code is not None and exit_code != 0:
        from cpictl.protocol import answer_verdicts

        violations.append(answer_verdicts.nonzero_exit(exit_code))
    return DecodedResponse(document, violations)


def _plain_envelope(document: dict[str, Any]) -> bool:
    """`{result, error: null, log: "…"}`, the keys spelt as the director reads them: nothing to say about it."""
    return "result" in document and document.get("error", False) is None and isinstance(document.get("log"), str)


def _decode_text(stdout: bytes, violations: list[Violation]) -> str:
    try:
        return stdout.decode("utf-8")
    except UnicodeDecodeError as exc:
        from cpictl.protocol import answer_verdicts

        violations.append(answer_verdicts.invalid_utf8(exc.start))
        # Each byte that is not UTF-8 becomes U+DC80..U+DCFF: an ID holding one is journalled and sent back as the
        # very bytes the CPI wrote (`encode_request`), where U+FFFD would name another ID.
        return stdout.decode("utf-8", errors="surrogateescape")


def _parse_json(text: str, raw: bytes, violations: list[Violation], method: str | None,
                api_version: int | None, truncated: bool = False) -> tuple[dict[str, Any], str] | None:
    """The response document and the JSON text it was read from (without noise or comments), or None."""
    try:
        decoded = decode_json(text)
    except ValueError:
        from cpictl.protocol.odd_stdout import recover  # odd answers only: not on every start-up

        recovered = recover(text)
        if recovered is None:
            from cpictl.protocol import answer_verdicts

            violations.append(answer_verdicts.not_json(raw, truncated))
            return None
        decoded, text = recovered.decoded, recovered.text
        violations.append(recovered.violation)
    document = decoded.value
    lone = lone_surrogates(text)
    if lone or decoded.findings.any():
        from cpictl.protocol.parser_verdicts import parser_violations  # odd answers only

        violations.extend(parser_violations(decoded.findings, lone))
    if document is None or not isinstance(document, dict):
        from cpictl.protocol import answer_verdicts

        violations.append(answer_verdicts.bare_null(method, api_version) if document is None
                          else answer_verdicts.not_object(document))
        return None
    return document, text


def _plain_id(cid: str) -> bool:
    """A cloud ID nothing can be said against: printable, and short enough for every director database."""
    return len(cid) <= 255 and cid.isprintable()
