"""The response envelope `{result, error, log}` as the two callers read it (contract §3, §4, §13).

- director (external_cpi.rb): `RESPONSE_SCHEMA`, a non-strict Membrane record: all three keys present, matched
  exactly; `log` a String (null fails); `error` nil or `{type: String, message: String, ok_to_retry: bool}`; a
  type outside `KNOWN_RPC_ERRORS` becomes "Unknown CPI error …"; it compares full `Bosh::Clouds::…` names.
- create-env (cpi_cmd_runner.go `CmdOutput`): Go's `json.Unmarshal`, which matches keys case-insensitively (keys
  spelt in another case: `envelope_keys`), leaves a missing or null field at its zero value (so a missing `result`
  reads as null and `"log": null` as ""), and fails the whole call on a value of the wrong Go type; error types are
  compared by full name (errors.go).

Loaded only for an answer that is not plainly `{result, error: null, log: "…"}` (the codec's everyday path).
"""

from __future__ import annotations

from typing import Any

from cpictl.protocol import callers
from cpictl.protocol.catalogue import get_method
from cpictl.protocol.errors import (
    CREATE_ENV_TOLERATES,
    DIRECTOR_KNOWN_TYPES,
    DIRECTOR_TOLERATES,
    is_legacy_not_implemented,
    lookup_error_type,
)
from cpictl.protocol.violations import COPES, Reaction, Violation, both, fails, ignores, refuses_all_calls


def _schema(detail: str) -> str:
    return f"'{callers.DIRECTOR_SCHEMA_ERROR}: …' ({detail})"


_GO_TYPE = {"integer": "number", "number": "number", "boolean": "bool", "array": "array", "object": "object"}


def create_env_reads_null(method: str | None, api_version: int | None,
                          how: str = "decodes it as an empty response (no error, result null)") -> Reaction:
    """What create-env does with a result that comes to it as null (a missing `result`, a bare `null` answer)."""
    return create_env_reads(None, method, api_version, how)


def create_env_reads(result: Any, method: str | None, api_version: int | None, how: str) -> Reaction:
    """What create-env does with `result` when it reads it (`how` says why it reads that one)."""
    spec = get_method(method) if method else None
    if spec is None or method is None:
        return ignores(how)
    if not callers.create_env_calls(method):
        return callers.not_called_by_create_env(method)
    reactions = [v.create_env for v in spec.result_shape(api_version).check(result, method, api_version)]
    failing = [reaction for reaction in reactions if reaction.does != COPES]
    if failing:
        return Reaction(failing[0].does, f"{how}, then {failing[0].why}")
    return ignores(f"{how}: {method} succeeds")


def check_envelope(document: dict[str, Any], method: str | None = None,
                   api_version: int | None = None) -> list[Violation]:
    """The director's RESPONSE_SCHEMA, and create-env's reading of the same keys."""
    problems: list[Violation] = []
    if "result" not in document:
        problems.append(Violation("response.missing-result", "the response has no 'result' key", director=fails(
            _schema("'result' missing")), create_env=create_env_reads_null(
                method, api_version, "reads the missing result as null")))
    if "error" not in document:
        problems.append(Violation("response.missing-error", "the response has no 'error' key", director=fails(
            _schema("'error' missing")), create_env=ignores("reads a missing error as null: success")))
    if "log" not in document:
        problems.append(Violation("response.missing-log", "the response has no 'log' key", director=fails(
            _schema("'log' missing")), create_env=ignores("reads a missing log as ''")))
    elif not isinstance(document["log"], str):
        problems.append(_log_type(document["log"]))
    error = document.get("error")
    if error is not None:
        if not (isinstance(error, dict) and isinstance(error.get("type"), str)
                and isinstance(error.get("message"), str) and isinstance(error.get("ok_to_retry"), bool)):
            problems.append(_malformed_error(error))
        elif document.get("result") is not None:
            problems.append(Violation("response.result-with-error", "'result' should be null when 'error' is set",
                                      **both(ignores("reads the error first and never looks at the result"))))
    return problems


def _type_name(value: Any) -> str:
    from cpictl.protocol.shapes import json_type_name

    return json_type_name(value)


def _log_type(log: Any) -> Violation:
    kind = _type_name(log)
    create_env = (ignores("reads null as an empty log") if log is None else fails(
        f"'{callers.CREATE_ENV_UNMARSHAL}' (cannot unmarshal {_GO_TYPE.get(kind, kind)} into a Go string)"))
    return Violation("response.log-type", f"'log' must be a string, got {kind}",
                     director=fails(_schema(f"log must be a String, not {kind}")), create_env=create_env)


def go_reads_error(error: Any) -> bool:
    """Whether Go decodes `error` into `*CmdError{Type, Message string; OkToRetry bool}` without a type error."""
    if not isinstance(error, dict):
        return False
    fields = {key.casefold(): value for key, value in error.items()}
    return (all(isinstance(fields.get(key), (str, type(None))) for key in ("type", "message"))
            and isinstance(fields.get("ok_to_retry"), (bool, type(None))))


def _malformed_error(error: Any) -> Violation:
    from cpictl.protocol.shapes import brief  # a malformed answer only: not on every start-up

    if go_reads_error(error):
        create_env = ignores("reads the fields it can (missing ones as ''/false) and fails the call with that "
                             "error, as the CPI meant")
    else:
        create_env = fails(f"'{callers.CREATE_ENV_UNMARSHAL}': a field of the wrong Go type")
    return Violation("response.malformed-error", "'error' must be null or {type: string, message: string, "
                     f"ok_to_retry: boolean}}, got {brief(error, 200)}",
                     director=fails(_schema("error must be null or have string type and message and a "
                                            "boolean ok_to_retry")), create_env=create_env)


def error_type_violations(error: dict[str, Any], method: str | None) -> list[Violation]:
    """Legacy NotImplemented forms, short type names, and types the director does not know."""
    type_name, message = error.get("type"), error.get("message")
    if not isinstance(type_name, str) or not isinstance(message, str):
        return []
    if is_legacy_not_implemented(type_name, message):
        return [Violation("error.legacy-not-implemented", f"'{type_name}: {message[:60]}' is the legacy form of "
                          "NotImplemented", **both(ignores("maps it to NotImplemented")))]
    if type_name in DIRECTOR_KNOWN_TYPES:
        return []
    known = lookup_error_type(type_name)
    if known is not None and known.name != type_name:
        return [_short_name(type_name, known.name, message, method)]
    unknown = f"\"Unknown CPI error '{type_name}' with message '{message[:60]}'\""
    if known is not None and (known.name, method) in CREATE_ENV_TOLERATES:  # StemcellNotFound on delete_stemcell
        create_env = ignores(f"takes {type_name} on {method} as the resource already gone")
    else:
        create_env = ignores("fails the call with it, as for any error")
    return [Violation("error.unknown-type", f"error type '{type_name}' is not one the director knows",
                      director=ignores(f"reports {unknown}; the call fails as for any error"),
                      create_env=create_env)]


def _short_name(short: str, full: str, message: str, method: str | None) -> Violation:
    """`VMNotFound` for `Bosh::Clouds::VMNotFound`: both callers compare the full name."""
    where = method or "this method"
    unknown = f"\"Unknown CPI error '{short}' with message '{message[:60]}'\""
    if (full, method) in DIRECTOR_TOLERATES:
        director = fails(f"reports {unknown}: it compares the full name, so the {short} it copes with on {where} "
                         "fails the operation")
    else:
        director = ignores(f"reports {unknown}; on {where} the full {full} fails the call too")
    if (full, method) in CREATE_ENV_TOLERATES:
        said = f"'CPI '{where}' method responded with error: CmdError{{\"type\":\"{short}\",…}}'"
        create_env = (refuses_all_calls(f"{said} — it compares the full name, so instead of falling back to "
                                        "api_version 1 every call fails at its info") if method == "info" else
                      fails(f"{said} — it compares the full name (cloud/errors.go), so the {short} it would skip "
                            f"on {where} fails the call"))
    elif method is not None and not callers.create_env_calls(method):
        create_env = callers.not_called_by_create_env(method)
    else:
        create_env = ignores(f"fails the call with it; on {where} the type's name makes no difference")
    return Violation("error.short-type-name", f"error type '{short}' is the short form of '{full}'",
                     director=director, create_env=create_env)
