"""Fault injection: make the reference CPI misbehave the ways real CPIs do, on purpose.

Faults come from `CPICTL_REFCPI_FAULTS` (`method=spec,…`, `*` for every method) or, for one call, from a
`refcpi_fault` key in any `cloud_properties` argument (that one wins). Specs:

    error:<Type>[:retry]        answer an error; `retry` sets ok_to_retry (only for retriable types, as the Ruby
                                library)
    short-error:<Type>[:retry]  the same, with the type's short name (`VMNotFound`, not `Bosh::Clouds::VMNotFound`)
    delay:<seconds>             sleep, then answer normally
    hang                        never answer (sleep forever)
    crash                       no output at all: the process kills itself with SIGKILL
    garbage                     write non-JSON junk on stdout instead of a response
    noise[:<lines>]             write that many log lines (default 2) on stdout before the normal answer
    fail-first:<N>              the first N calls of the method answer CloudError, later ones succeed (counter on disk)
    empty-id                    make the object as usual, but answer '' as its ID (methods that create one)
    numeric-lun                 attach_disk at api_version ≥ 2: the disk hint carries `lun` as a number
    info-version:<N|none>       info reports api_version N (or none at all); the CPI still serves its own version

`CPICTL_REFCPI_API_VERSION=1` already makes a faithful v1 CPI whose `info` reports 1; `info-version` is for an
`info` that disagrees with what the CPI serves. A spec that does not parse, or does not fit the method, is a
`CpiError` response naming the problem, never a traceback.
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
KINDS = ("error", "short-error", "delay", "hang", "crash", "garbage", "noise", "fail-first", "empty-id", "numeric-lun",
         "info-version")
#: Kinds that change a normal answer after the method ran (`answer_with_fault`).
ANSWER_FAULTS = frozenset({"empty-id", "numeric-lun", "info-version"})
DEFAULT_NOISE_LINES = 2
#: Arguments each kind takes: (fewest, most, the form shown when they do not fit).
_ARITY = {"delay": (1, 1, "delay:<seconds>"), "fail-first": (1, 1, "fail-first:<N>"),
          "noise": (0, 1, "noise[:<lines>]"), "info-version": (1, 1, "info-version:<N|none>")}
GARBAGE = b"refcpi: injected garbage <html>\x00\xff this is not a JSON response\n"


@dataclass(frozen=True)
class Fault:
    """One parsed fault spec."""

    kind: str
    spec: str
    error_type: str = ""
    retry: bool = False
    seconds: float = 0.0
    count: int = 0  # fail-first: calls that fail; noise: lines written
    version: int | None = None  # info-version: what info reports (None: no api_version key)


def parse_fault(text: str, where: str) -> Fault:
    """Parse one spec such as `error:VMCreationFailed:retry`; `where` says where it came from, for the message."""
    text = text.strip()
    kind, _, rest = text.partition(":")
    if kind in ("error", "short-error"):
        return _error_fault(kind, text, rest, where)
    args = rest.split(":") if rest else []
    problem = _check_shape(kind, args)
    if problem is None:
        fault, problem = _with_arguments(kind, text, args)
        if fault is not None:
            return fault
    raise cpi_error(f"invalid fault {text!r} in {where}: {problem}")


def _with_arguments(kind: str, text: str, args: list[str]) -> tuple[Fault | None, str]:
    """The fault for a kind whose argument count fits, or why its arguments do not."""
    if kind == "delay":
        seconds = _number(args[0])
        if seconds is not None and seconds >= 0:
            return Fault("delay", text, seconds=seconds), ""
        return None, f"delay needs a number of seconds ≥ 0, got {args[0]!r}"
    if kind in ("fail-first", "noise") and args:
        if args[0].isascii() and args[0].isdigit():
            return Fault(kind, text, count=int(args[0])), ""
        return None, f"{kind} needs a whole number of {'calls' if kind == 'fail-first' else 'lines'}, got {args[0]!r}"
    if kind == "noise":
        return Fault(kind, text, count=DEFAULT_NOISE_LINES), ""
    if kind == "info-version":
        if args[0] == "none":
            return Fault(kind, text, version=None), ""
        if args[0].isascii() and args[0].removeprefix("-").isdigit():
            return Fault(kind, text, version=int(args[0])), ""
        return None, f"info-version needs a whole number or 'none', got {args[0]!r}"
    return Fault(kind, text), ""


def _check_shape(kind: str, args: list[str]) -> str | None:
    if kind not in KINDS:
        return f"unknown kind {kind!r}; kinds are {', '.join(KINDS)}"
    fewest, most, form = _ARITY.get(kind, (0, 0, kind))
    if not fewest <= len(args) <= most:
        return f"expected {form}"
    return None


def _error_fault(kind: str, text: str, rest: str, where: str) -> Fault:
    """`error:<Type>[:retry]` (or `short-error:…`), where the type may be a full name with `::`
    (`Bosh::Clouds::NoDiskSpace`)."""
    import re  # only fault specs need it

    match = re.fullmatch(r"(?P<type>[A-Za-z_]\w*(?:::[A-Za-z_]\w*)*)(?::(?P<flag>[^:]*))?", rest)
    if not rest:
        problem = f"expected {kind}:<Type>[:retry]"
    elif match is None:
        problem = f"{rest!r} is not an error type name (optionally followed by ':retry')"
    elif match["flag"] is not None and match["flag"] != "retry":
        problem = "the optional third part must be 'retry'"
    else:
        error_type = full_type_name(match["type"])
        retry = match["flag"] == "retry"
        if not retry or is_retriable(error_type):
            return Fault(kind, text, error_type=error_type, retry=retry)
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
    failure = CpiFailure(fault.error_type, f"injected fault {fault.spec!r} in {method}", ok_to_retry=fault.retry)
    if fault.kind == "short-error":  # after CpiFailure has read ok_to_retry off the full name, as a real CPI would
        failure.type = failure.type.rsplit("::", 1)[-1]
    return failure


def check_fits(fault: Fault, spec: MethodSpec, api_version: int) -> None:
    """Faults that change an answer only make sense for some methods: say so instead of doing nothing."""
    problem = None
    if fault.kind == "empty-id" and (spec.creates is None or spec.creates.replaces_arg is not None):
        problem = "empty-id needs a method that creates a cloud ID (create_stemcell, create_vm, create_disk, " \
                  "snapshot_disk, create_network)"
    elif fault.kind == "numeric-lun" and (spec.name != "attach_disk" or api_version < 2):
        problem = "numeric-lun needs attach_disk at api_version 2 or more, where it answers a disk hint"
    elif fault.kind == "info-version" and spec.name != "info":
        problem = "info-version applies to info only"
    if problem is not None:
        raise cpi_error(f"invalid fault {fault.spec!r} for {spec.name}: {problem}")


def answer_with_fault(fault: Fault, spec: MethodSpec, result: Any, api_version: int) -> Any:
    """The normal result of the call, changed as an answer fault asks (the object itself was made as usual)."""
    if fault.kind == "info-version" and isinstance(result, dict):
        result = {key: value for key, value in result.items() if key != "api_version"}
        if fault.version is not None:
            result["api_version"] = fault.version
    elif fault.kind == "numeric-lun" and isinstance(result, dict):
        path = str(result.get("path", ""))
        result = {**result, "lun": max(ord(path[-1:] or "a") - ord("a"), 0)}  # /dev/sdc → 2, a number
    elif fault.kind == "empty-id" and spec.creates is not None:
        index = spec.creates.index_v2 if api_version >= 2 else spec.creates.index_v1
        if index is None:
            result = ""
        elif isinstance(result, list) and len(result) > index:
            result = [*result[:index], "", *result[index + 1:]]
    return result


def noise_lines(fault: Fault, method: str) -> list[str]:
    """What a CPI whose library logs to stdout prints before its answer."""
    lines = [f"refcpi: loading configuration for {method} (injected fault {fault.spec!r}: a library logging to "
             "stdout)", "WARNING: stdout is meant for the JSON response only"]
    return [lines[index % len(lines)] for index in range(fault.count)]
