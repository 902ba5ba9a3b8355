"""Argument binding and validation against the catalogue: arity, JSON types and empty cloud IDs.

Positional lists and mappings by parameter name both bind to the positional list the wire carries. Every problem
names the parameter it is about, so the CLI, recipes and the REPL can say exactly what is wrong.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from cpictl.protocol.catalogue import MethodSpec, Param
from cpictl.protocol.redaction import MASK
from cpictl.protocol.shapes import json_type_name


class ArgumentProblem(ValueError):
    """An argument does not fit the method's parameters; `param` names the parameter (or None for arity)."""

    def __init__(self, method: str, param: str | None, message: str) -> None:
        self.method = method
        self.param = param
        self.detail = message
        where = f"{method}: parameter '{param}'" if param else f"{method}"
        super().__init__(f"{where}: {message}")


def _type_ok(param: Param, value: Any) -> bool:
    if value is None:
        return param.nullable
    actual = json_type_name(value)
    if param.type == "number":
        return actual in ("integer", "number")
    return actual == param.type


def holds_mask(value: Any) -> bool:
    """Whether a value carries the text cpictl shows in place of a secret (a line recalled from the REPL's masked
    history, a value copied from masked output): sending it would hand a CPI `<redacted>` as a password."""
    if isinstance(value, str):
        return MASK in value
    if isinstance(value, dict):
        return any(holds_mask(item) for item in value.values())
    if isinstance(value, list):
        return any(holds_mask(item) for item in value)
    return False


MASKED_VALUE_HINT = (f"holds '{MASK}', the text cpictl shows in place of a secret (from masked history or output); "
                     "give the real value")


def check_value(method: str, param: Param, value: Any) -> None:
    """Raise ArgumentProblem when one value does not fit its parameter."""
    if holds_mask(value):
        raise ArgumentProblem(method, param.name, MASKED_VALUE_HINT)
    if not _type_ok(param, value):
        raise ArgumentProblem(method, param.name, f"expected {param.type_label}, got {json_type_name(value)} "
                              f"{_short(value)}")
    if param.kind and value == "":
        raise ArgumentProblem(method, param.name, f"empty {param.kind} cloud ID")
    if param.item_kind and isinstance(value, list):
        for position, item in enumerate(value):
            if not isinstance(item, str) or not item:
                raise ArgumentProblem(method, param.name, f"item {position} must be a non-empty "
                                      f"{param.item_kind} cloud ID, got {_short(item)}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def bind_arguments(spec: MethodSpec, given: Sequence[Any] | Mapping[str, Any], api_version: int | None,
                   validate: bool = True) -> list[Any]:
    """Turn a positional list or a by-name mapping into the wire's positional list, filling defaults.

    With `validate=False` the values are sent as given (to probe a CPI's own input checks): a list unchanged, a
    mapping in parameter order with unknown names appended.
    """
    params = spec.params_for(api_version)
    if isinstance(given, Mapping):
        return _bind_mapping(spec, params, given, validate)
    values = list(given)
    if not validate:
        return values
    if len(values) > len(params):
        names = ", ".join(p.name for p in params) or "none"
        raise ArgumentProblem(spec.name, None, f"takes {len(params)} argument(s) ({names}) at this api_version, "
                              f"got {len(values)}")
    for param in params[len(values):]:
        if param.required:
            raise ArgumentProblem(spec.name, param.name, "missing (required)")
        values.append(copy.deepcopy(param.default))
    for param, value in zip(params, values, strict=True):
        check_value(spec.name, param, value)
    return values


def _bind_mapping(spec: MethodSpec, params: tuple[Param, ...], given: Mapping[str, Any],
                  validate: bool) -> list[Any]:
    known = {p.name for p in params}
    unknown = [name for name in given if name not in known]
    if unknown and validate:
        raise ArgumentProblem(spec.name, unknown[0], "no such parameter; parameters are "
                              + (", ".join(p.name for p in params) or "none"))
    values: list[Any] = []
    for param in params:
        if param.name in given:
            values.append(given[param.name])
        elif param.required and validate:
            raise ArgumentProblem(spec.name, param.name, "missing (required)")
        elif not param.required:
            values.append(copy.deepcopy(param.default))
    values.extend(given[name] for name in unknown)
    if validate:
        for param, value in zip(params, values, strict=True):
            check_value(spec.name, param, value)
    return values
