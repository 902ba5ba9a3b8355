"""Fault injection: make the reference CPI misbehave the ways real CPIs do, on purpose.

Faults come from `CPICTL_REFCPI_FAULTS` (`method=spec,…`, `*` for every method) or, for one call, from a
`refcpi_fault` key in any `cloud_properties` argument (that one wins). Specs:

    error:<Type>[:retry]   answer an error; `retry` sets ok_to_retry (only for retriable types, as the Ruby library)
    delay:<seconds>        sleep, then answer normally
    hang                   never answer (sleep forever)
    crash                  no output at all: the process kills itself with SIGKILL
    garbage                write non-JSON junk on stdout instead of a response
    fail-first:<N>         the first N calls of the method answer CloudError, later ones succeed (counter on disk)

A spec that does not parse is a `CpiError` response naming the problem, never a traceback.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cpictl.protocol.catalogue import METHODS, MethodSpec
from cpictl.refcpi.failures import CpiFailure, cpi_error, full_type_name, is_retriable

FAULT_KEY = "refcpi_fault"
ALL_METHODS = "*"
#: Faults that replace the whole response; the process entry point acts them out.
PROCESS_FAULTS = frozenset({"hang", "crash", "garbage"})
KINDS = ("error", "delay", "hang", "crash", "garbage", "fail-first")
GARBAGE = b"refcpi: injected garbage <html>\x00\xff this is not a JSON response\n"


@dataclass(frozen=True)
class Fault:
    """One parsed fault spec."""

    kind: str
    spec: str
    error_type: str = ""
    retry: bool = False
    seconds: float = 0.0
    count: int = 0


def parse_fault(text: str, where: str) -> Fault:
    """Parse one spec such as `error:VMCreationFailed:retry`; `where` says where it came from, for the message."""
    text = text.strip()
    kind, _, rest = text.partition(":")
    if kind == "error":
        return _error_fault(text, rest, where)
    args = rest.split(":") if rest else []
    problem = _check_shape(kind, args)
    if problem is None:
        if kind == "delay":
            seconds = _number(args[0])
            if seconds is not None and seconds >= 0:
                return Fault("delay", text, seconds=seconds)
            problem = f"delay needs a number of seconds ≥ 0, got {args[0]!r}"
        elif kind == "fail-first":
            if args[0].isascii() and args[0].isdigit():
                return Fault("fail-first", text, count=int(args[0]))
            problem = f"fail-first needs a whole number of calls, got {args[0]!r}"
        else:
            return Fault(kind, text)
    raise cpi_error(f"invalid fault {text!r} in {where}: {problem}")


def _check_shape(kind: str, args: list[str]) -> str | None:
    if kind not in KINDS:
        return f"unknown kind {kind!r}; kinds are {', '.join(KINDS)}"
    wanted = {"delay": 1, "fail-first": 1}.get(kind, 0)
    if len(args) != wanted:
        return f"expected {({'delay': 'delay:<seconds>', 'fail-first': 'fail-first:<N>'}).get(kind, kind)}"
    return None


def _error_fault(text: str, rest: str, where: str) -> Fault:
    """`error:<Type>[:retry]`, where the type may be a full name with `::` (`Bosh::Clouds::NoDiskSpace`)."""
    import re  # only fault specs need it

    match = re.fullmatch(r"(?P<type>[A-Za-z_]\w*(?:::[A-Za-z_]\w*)*)(?::(?P<flag>[^:]*))?", rest)
    if not rest:
        problem = "expected error:<Type>[:retry]"
    elif match is None:
        problem = f"{rest!r} is not an error type name (optionally followed by ':retry')"
    elif match["flag"] is not None and match["flag"] != "retry":
        problem = "the optional third part must be 'retry'"
    else:
        error_type = full_type_name(match["type"])
        retry = match["flag"] == "retry"
        if not retry or is_retriable(error_type):
            return Fault("error", text, error_type=error_type, retry=retry)
        problem = (f"{error_type} is not retriable, so ok_to_retry is always false; retriable types are "
                   "NoDiskSpace, DiskNotAttached, DiskNotFound, VMCreationFailed")
    raise cpi_error(f"invalid fault {text!r} in {where}: {problem}")


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_fault_table(text: str, where: str) -> dict[str, Fault]:
    """`create_vm=error:VMCreationFailed:retry,attach_disk=delay:5` → {method: Fault}."""
    table: dict[str, Fault] = {}
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        method, separator, spec = entry.partition("=")
        method = method.strip()
        if not separator:
            raise cpi_error(f"invalid fault entry {entry!r} in {where}: expected <method>=<fault>")
        if method != ALL_METHODS and method not in METHODS:
            raise cpi_error(f"invalid fault entry {entry!r} in {where}: unknown method {method!r}")
        table[method] = parse_fault(spec, where)
    return table


def call_fault(spec: MethodSpec, arguments: list[Any], api_version: int, env_text: str) -> Fault | None:
    """The fault for this call: a `refcpi_fault` in a cloud_properties argument, else the environment's."""
    for param, value in zip(spec.params_for(api_version), arguments, strict=False):
        if param.name == "cloud_properties" and isinstance(value, Mapping) and FAULT_KEY in value:
            raw = value[FAULT_KEY]
            if not isinstance(raw, str):
                raise cpi_error(f"invalid fault in cloud_properties.{FAULT_KEY}: expected a string such as "
                                f"'error:CloudError', got {raw!r}")
            return parse_fault(raw, f"cloud_properties.{FAULT_KEY}")
    if not env_text.strip():
        return None
    table = parse_fault_table(env_text, "CPICTL_REFCPI_FAULTS")
    return table.get(spec.name) or table.get(ALL_METHODS)


def injected_error(fault: Fault, method: str) -> CpiFailure:
    return CpiFailure(fault.error_type, f"injected fault {fault.spec!r} in {method}", ok_to_retry=fault.retry)
