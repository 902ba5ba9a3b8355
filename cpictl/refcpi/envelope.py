"""Request validation in the Ruby CPI library's order and words (contract §11), then arity and types by catalogue.

Order: JSON → `method` is a String → a known method (NotImplemented) → `arguments` an Array → `api_version`, if
present, an Integer → `context` a Hash with a String `director_uuid` → api_version not above the CPI's own
(NotImplemented, as the Go library answers; `info` is exempt because it is how callers learn the version) →
arity for the request's api_version → JSON types (CloudError, as the Go library reports argument decode errors).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cpictl.protocol.arguments import ArgumentProblem, check_value
from cpictl.protocol.catalogue import METHODS, MethodSpec
from cpictl.protocol.shapes import json_type_name
from cpictl.refcpi.failures import cloud_error, invalid_call, not_implemented


@dataclass(frozen=True)
class Envelope:
    """A request whose envelope is valid; `api_version` is None when the key was absent."""

    spec: MethodSpec
    arguments: list[Any]
    context: dict[str, Any]
    api_version: int | None

    @property
    def request_id(self) -> str:
        value = self.context.get("request_id")
        return value if isinstance(value, str) else ""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")  # Python accepts NaN/Infinity; Ruby's JSON parser does not


def _ruby_inspect(value: Any) -> str:
    return "nil" if value is None else json.dumps(value)


def parse_envelope(raw: bytes) -> Envelope:
    """Raise CpiFailure (InvalidCall / NotImplemented) for a request the Ruby library would refuse."""
    try:
        request = json.loads(raw, parse_constant=_reject_constant)
    except ValueError as exc:  # includes UnicodeDecodeError
        raise invalid_call(f"Request cannot be deserialized, details: {exc}") from None
    if not isinstance(request, dict):
        raise invalid_call(f"Request cannot be deserialized, details: expected a JSON object, got "
                           f"{json_type_name(request)}")
    method = request.get("method")
    if not isinstance(method, str):
        raise invalid_call(f"Method must be a String, got: '{_ruby_inspect(method)}'")
    spec = METHODS.get(method)
    if spec is None:
        raise not_implemented(f"Method is not known, got: '{method}'")
    arguments = request.get("arguments")
    if not isinstance(arguments, list):
        raise invalid_call("Arguments must be an Array")
    api_version = request.get("api_version")
    if "api_version" in request and (isinstance(api_version, bool) or not isinstance(api_version, int)):
        raise invalid_call("CPI api_version requested must be an Integer")
    context = request.get("context")
    if not isinstance(context, dict) or not isinstance(context.get("director_uuid"), str):
        raise invalid_call("Request should include context with director uuid")
    return Envelope(spec, arguments, context, api_version)


def check_api_version(envelope: Envelope, cpi_api_version: Callable[[], int]) -> int:
    """The api_version the call is served at (absent ⇒ 1); above the CPI's own ⇒ NotImplemented."""
    requested = envelope.api_version if envelope.api_version is not None else 1
    if envelope.spec.name != "info":
        supported = cpi_api_version()
        if requested > supported:
            raise not_implemented(f"CPI api_version {requested} requested for '{envelope.spec.name}', but this "
                                  f"CPI implements api_version up to {supported}")
    return max(requested, 1)


def bind(spec: MethodSpec, arguments: list[Any], api_version: int) -> list[Any]:
    """Check arity (InvalidCall, Ruby's ArgumentError wording) and types (CloudError); fill in defaults."""
    params = spec.params_for(api_version)
    # Arguments are positional: only the trailing parameters Ruby CPIs give defaults may be left out.
    least = max((position + 1 for position, p in enumerate(params) if not p.optional_on_wire), default=0)
    if not least <= len(arguments) <= len(params):
        expected = str(least) if least == len(params) else f"{least}..{len(params)}"
        raise invalid_call(f"Arguments are not correct, details: 'wrong number of arguments (given "
                           f"{len(arguments)}, expected {expected})'")
    values = list(arguments) + [copy.deepcopy(p.default) for p in params[len(arguments):]]
    for param, value in zip(params, values, strict=True):
        try:
            check_value(spec.name, param, value)
        except ArgumentProblem as problem:
            raise cloud_error(f"Invalid argument: {problem}") from None
    return values
