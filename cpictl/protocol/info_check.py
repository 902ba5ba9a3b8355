"""What the two callers make of an `info` result (contract §5, §13), checked key by key.

Both callers call `info` before every operation, so a defect here is a defect of every call. Read in their code:

- director (lib/bosh/director/cloud_factory.rb `get`): `(info || {}).fetch('api_version')` — missing ⇒ NotSupported
  "CPI must report api_version via info"; then `[api_version, preferred].min` (preferred default 3): a value that
  is not a number raises ArgumentError there; below 2 the response wrapper raises NotSupported "CPI API version N is
  not supported. Minimum required version is 2." (external_cpi_response_wrapper.rb). The negotiated value, float
  or not, is sent back as `api_version` in every request. Stemcell formats matter only on stemcell upload, where
  missing formats mean "any stemcell is supported" (jobs/update_stemcell.rb `is_supported?`).
- create-env (cloud/cloud.go `infoParser`): the result must be an object, `stemcell_formats` an array (missing,
  null or another type fails "Unmarshalling 'info' method response failed"), each item is type-asserted
  `.(string)` without a check (a panic), `api_version` if present must be a number (truncated to an integer,
  capped at 2); missing means 1.
"""

from __future__ import annotations

from typing import Any

from cpictl.protocol import callers
from cpictl.protocol.json_markers import is_marker
from cpictl.protocol.shapes import brief, json_type_name, shown
from cpictl.protocol.violations import Reaction, Violation, crashes, fails, ignores, misreads, refuses_all_calls

_EVERY_CALL = "— it calls info before every method, so every create-env call fails"
_RUBY_CLASS = {"string": "String", "boolean": "TrueClass/FalseClass", "null": "NilClass", "array": "Array",
               "object": "Hash"}
_GO_TYPE = {"integer": "float64", "number": "float64", "boolean": "bool", "array": "[]interface {}",
            "object": "map[string]interface {}", "null": "nil"}
#: The director's default `director.cpi.preferred_api_version` (its highest supported, 3).
DIRECTOR_PREFERRED = 3


def _create_env_parse_fails(what: str = "") -> Reaction:
    detail = f" {what}" if what else ""
    return refuses_all_calls(f"'{callers.CREATE_ENV_INFO}. Result: …{detail}' {_EVERY_CALL}")


def info_violations(value: Any) -> list[Violation]:
    if not isinstance(value, dict):
        if value is None:
            director = refuses_all_calls(f"'{callers.DIRECTOR_NO_VERSION}' (NotSupported) before every operation: "
                                         "it reads a null info as {}")
        else:
            director = refuses_all_calls(f"its negotiation (`info.fetch('api_version')`) raises on a "
                                         f"{json_type_name(value)} before every operation")
        return [Violation("result.wrong-type", f"info must return an object, got {shown(value)}",
                          director=director, create_env=_create_env_parse_fails())]
    return [*_format_violations(value), *_version_violations(value)]


def _format_violations(info: dict[str, Any]) -> list[Violation]:
    formats = info.get("stemcell_formats")
    if formats is None:
        state = "missing" if "stemcell_formats" not in info else "null (as the bosh-cpi-go example CPI answers)"
        return [Violation("info.stemcell-formats", f"info.stemcell_formats is {state}; it must be an array of "
                          "strings", director=ignores(
                              "takes missing formats as 'any stemcell is supported' ('There is no enough "
                              "information to check if stemcell format is supported', jobs/update_stemcell.rb)"),
                          create_env=_create_env_parse_fails("Extracting stemcell_formats"))]
    if not isinstance(formats, list):
        return [Violation("info.stemcell-formats", "info.stemcell_formats must be an array of strings, got "
                          f"{shown(formats)}", director=fails(
                              "fails every upload of a stemcell whose stemcell.MF lists formats: "
                              f"`info['stemcell_formats'] & formats` raises on a {json_type_name(formats)}"),
                          create_env=_create_env_parse_fails("Extracting stemcell_formats"))]
    odd = [item for item in formats if not isinstance(item, str)]
    if not odd:
        return []
    go_type = _GO_TYPE.get(json_type_name(odd[0]), json_type_name(odd[0]))
    return [Violation("info.stemcell-format-type", f"info.stemcell_formats holds {len(odd)} item(s) that are not "
                      f"strings: {brief(odd, 60)}", director=ignores(
                          "intersects them with the stemcell's formats: items that are not strings never match"),
                      create_env=crashes(f"panics: 'interface conversion: interface {{}} is {go_type}, not string' "
                                         f"(cloud.go infoParser) on every call, since info precedes each method"))]


def _version_violations(info: dict[str, Any]) -> list[Violation]:
    if "api_version" not in info:
        return [Violation("info.no-api-version", "info reports no api_version", director=refuses_all_calls(
            f"'{callers.DIRECTOR_NO_VERSION}' (NotSupported, cloud_factory.rb), raised on the info it sends before "
            "every operation"), create_env=ignores("assumes api_version 1 (cloud.go DefaultCPIVersion) and speaks "
                                                   "the v1 contract"))]
    version = info["api_version"]
    if is_marker(version):
        return []  # NaN or a number beyond a float: json.non-finite / json.number-beyond-float say it
    if isinstance(version, bool) or not isinstance(version, (int, float)):
        ruby = _RUBY_CLASS.get(json_type_name(version), json_type_name(version))
        return [Violation("info.api-version-type", f"info.api_version must be a number, got {shown(version)}",
                          director=refuses_all_calls(
                              f"its negotiation `[api_version, preferred].min` raises ArgumentError (comparison of "
                              f"{ruby} with Integer failed) before every operation"),
                          create_env=_create_env_parse_fails("Extracting api_version"))]
    if version < 2:
        return [Violation("info.api-version-too-old", f"info reports api_version {version}; the director needs 2 "
                          "or more", director=refuses_all_calls(f"'{callers.director_refuses_version(version)}' "
                                                                 "(NotSupported), before every operation"),
                          create_env=ignores(f"takes api_version {int(version)} and speaks the v1 contract"))]
    if isinstance(version, float):
        return [_float_version(version)]
    return []


def _float_version(version: float) -> Violation:
    """A version such as 2.0: the director negotiates with it as it is and sends it back in every request."""
    negotiated = min(version, DIRECTOR_PREFERRED)
    create_env = ignores(f"truncates it to {int(min(version, 2))}")
    if negotiated == DIRECTOR_PREFERRED and version > DIRECTOR_PREFERRED:
        director = ignores(f"negotiates min({version}, {DIRECTOR_PREFERRED}) = {DIRECTOR_PREFERRED} with its "
                           "default preferred version")
    elif negotiated.is_integer():
        director = ignores(f"negotiates {negotiated} as it is and sends \"api_version\": {negotiated} in every "
                           "request: the CPI must accept a float there (the Ruby and Go CPI libraries do not)")
    else:
        director = misreads(f"negotiates api_version {negotiated} and sends it in every request: no contract "
                            "version is fractional, and the Ruby and Go CPI libraries refuse a float there")
    return Violation("info.api-version-float", f"info reports api_version {version}, a float", director=director,
                     create_env=create_env)
