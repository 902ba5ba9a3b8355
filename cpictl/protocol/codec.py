"""Encode requests and decode responses as pure functions over bytes, with the contract check (contract §2, §3, §10).

The caller owns the process; this module never does I/O. `decode_response` always returns: a CPI that prints
garbage gives violations, not exceptions. JSON is decoded by `json_decoding.decode_json`, which no nesting, big
number, NaN or lone surrogate can make raise; `parser_verdicts` says what the callers' parsers make of those.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from cpictl.protocol.catalogue import created_cid, get_method
from cpictl.protocol.errors import DIRECTOR_KNOWN_TYPES, is_legacy_not_implemented
from cpictl.protocol.json_decoding import decode_json, lone_surrogates
from cpictl.protocol.shapes import json_type_name
from cpictl.protocol.violations import Violation

PREVIEW_BYTES = 500


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
_ASCII_REQUEST_ENCODER = json.JSONEncoder(separators=(",", ":"))


def encode_request(request: Request) -> bytes:
    """Single-line JSON without a trailing newline, as the director writes it (some CPIs read one line).

    A cloud ID with a lone surrogate (`vm-\\ud800`, which a CPI may hand out) cannot be written as UTF-8: the
    request is then written all in ASCII escapes, so the CPI reads back exactly the string it gave. A value
    decoded from a CPI's answer as a marker (a 5,000-digit integer) goes out as the digits it came in as."""
    document = request.as_dict()
    try:
        return _REQUEST_ENCODER.encode(document).encode("utf-8")
    except UnicodeEncodeError:
        try:
            return _ASCII_REQUEST_ENCODER.encode(document).encode("ascii")
        except (TypeError, ValueError, RecursionError):
            pass
    except (TypeError, ValueError, RecursionError):
        pass
    from cpictl.protocol.strict_json import strict_dumps  # markers only: not on every start-up

    return strict_dumps(document, separators=(",", ":"), ensure_ascii=True).encode("ascii")


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
        violations.append(Violation("stdout.too-large", "error", "stdout exceeded the size limit and was cut; "
                                    "the response cannot be trusted"))
    if not stdout.strip():
        violations.append(Violation("stdout.empty", "error", "the CPI wrote nothing on stdout: the director fails "
                                    "'Invalid CPI response - ParserError', create-env fails 'Unmarshalling "
                                    "external CPI command output'"))
        return DecodedResponse(None, violations)
    text = _decode_text(stdout, violations)
    document = _parse_json(text, stdout, violations)
    if document is None:
        return DecodedResponse(None, violations)
    violations.extend(check_envelope(document))
    error = document.get("error")
    if isinstance(error, dict):
        violations.extend(_check_error_type(error))
    elif error is None and method is not None and "result" in document:
        spec = get_method(method)
        if spec is not None:
            violations.extend(spec.result_shape(api_version).check(document.get("result"), method))
            cid = created_cid(spec, document.get("result"), api_version)
            if cid is not None and not _plain_id(cid):
                from cpictl.protocol.parser_verdicts import cloud_id_violations

                violations.extend(cloud_id_violations(cid))
    if exit_code not in (0, None):
        violations.append(Violation("exit.nonzero", "error", f"the CPI exited {exit_code} after a valid response: "
                                    "create-env fails the call and ignores stdout; the director uses the result"))
    return DecodedResponse(document, violations)


def _decode_text(stdout: bytes, violations: list[Violation]) -> str:
    try:
        return stdout.decode("utf-8")
    except UnicodeDecodeError as exc:
        violations.append(Violation("stdout.invalid-utf8", "warning", f"stdout is not valid UTF-8 (byte "
                                    f"{exc.start}); decoded with replacement characters. The director's JSON "
                                    "parser may reject it; create-env's Go decoder replaces the bytes silently"))
        return stdout.decode("utf-8", errors="replace")


def _parse_json(text: str, raw: bytes, violations: list[Violation]) -> dict[str, Any] | None:
    try:
        decoded = decode_json(text)
    except ValueError:
        document = _recover_after_noise(text, violations)
        if document is None:
            shown = raw[:PREVIEW_BYTES].decode("utf-8", errors="replace")
            violations.append(Violation("stdout.not-json", "error", "stdout is not JSON: the director fails "
                                        "'Invalid CPI response - ParserError', create-env fails 'Unmarshalling "
                                        f"external CPI command output'. First {PREVIEW_BYTES} bytes: {shown!r}"))
            return None
    else:
        document = decoded.value
        lone = lone_surrogates(text)
        if lone or decoded.findings.any():
            from cpictl.protocol.parser_verdicts import parser_violations  # odd answers only

            violations.extend(parser_violations(decoded.findings, lone))
    if not isinstance(document, dict):
        violations.append(Violation("response.not-object", "error", "the response must be a JSON object with "
                                    f"result, error and log; got {json_type_name(document)}: the director fails "
                                    "SchemaValidationError, create-env fails 'Unmarshalling external CPI command "
                                    "output'"))
        return None
    return document


def _recover_after_noise(text: str, violations: list[Violation]) -> dict[str, Any] | None:
    """Find a JSON object line after noise lines (a CPI that prints to stdout before answering)."""
    lines = text.splitlines()
    for position in range(len(lines) - 1, -1, -1):
        if not lines[position].lstrip().startswith("{"):
            continue
        candidate = "\n".join(lines[position:])
        try:
            decoded = decode_json(candidate)
        except ValueError:
            continue
        document = decoded.value
        if isinstance(document, dict):
            from cpictl.protocol.parser_verdicts import parser_violations

            violations.extend(parser_violations(decoded.findings, lone_surrogates(candidate)))
            noise = sum(1 for line in lines[:position] if line.strip())
            violations.append(Violation("stdout.noise", "warning", f"{noise} line(s) of noise before the JSON "
                                        "response on stdout (recovered here); the director and create-env parse "
                                        "all of stdout and would fail to decode it"))
            return document
    return None


def check_envelope(document: dict[str, Any]) -> list[Violation]:
    """The director's RESPONSE_SCHEMA: result, error, log present; log a string; error null or well formed."""
    problems: list[Violation] = []
    for key in ("result", "error", "log"):
        if key not in document:
            problems.append(Violation(f"response.missing-{key}", "error", f"the response has no '{key}' key: the "
                                      "director fails 'Invalid CPI response - SchemaValidationError'; create-env "
                                      "accepts it"))
    if "log" in document and not isinstance(document["log"], str):
        problems.append(Violation("response.log-type", "error", "'log' must be a string, got "
                                  f"{json_type_name(document['log'])}: the director fails SchemaValidationError; "
                                  "create-env accepts it"))
    error = document.get("error")
    if error is not None:
        if not (isinstance(error, dict) and isinstance(error.get("type"), str)
                and isinstance(error.get("message"), str) and isinstance(error.get("ok_to_retry"), bool)):
            problems.append(Violation("response.malformed-error", "error", "'error' must be null or {type: string, "
                                      f"message: string, ok_to_retry: boolean}}, got {_preview(error, 200)}: "
                                      "the director fails SchemaValidationError; create-env reads what it can "
                                      "and fails the call"))
        elif document.get("result") is not None:
            problems.append(Violation("response.result-with-error", "warning", "'result' should be null when "
                                      "'error' is set; callers ignore it"))
    return problems


def _preview(value: Any, limit: int) -> str:
    from cpictl.protocol.strict_json import preview  # a malformed answer only: not on every start-up

    return preview(value, limit)


def _plain_id(cid: str) -> bool:
    """A cloud ID nothing can be said against: printable, and short enough for every director database."""
    return len(cid) <= 255 and cid.isprintable()


def _check_error_type(error: dict[str, Any]) -> list[Violation]:
    type_name, message = error.get("type"), error.get("message")
    if not isinstance(type_name, str) or not isinstance(message, str):
        return []
    if is_legacy_not_implemented(type_name, message):
        return [Violation("error.legacy-not-implemented", "warning", f"'{type_name}: {message[:60]}' is the legacy "
                          "form of NotImplemented; the director and create-env map it to NotImplemented")]
    if type_name not in DIRECTOR_KNOWN_TYPES:
        return [Violation("error.unknown-type", "warning", f"error type '{type_name}' is not one the director "
                          f"knows: it reports \"Unknown CPI error '{type_name}' with message '{message[:60]}'\"")]
    return []
