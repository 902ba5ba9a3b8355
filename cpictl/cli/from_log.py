"""`cpictl call --from-log FILE --request-id ID`: a call found in a BOSH debug log, sent again to the user's target.

The call's own method and arguments are taken from the log, as logged (a `${` in them is sent as it is, not
resolved as a reference); its context and api_version are the target's, as for any `call`. The director logs some
values as `"<redacted>"` (create_vm/create_disk cloud_properties, network cloud_properties, env); they are never
sent so: each comes from `--var PATH=VALUE` (a string) or `--var PATH:=JSON` (a number, an object), as
`--from-trace` takes them, or, on a terminal, from a prompt that does not echo; a call missing one is refused with
the list. Redacted context values are not asked for: the target gives the context.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from cpictl.cli.exits import UsageError
from cpictl.store.references import escape_references


def call_from_log(path: str, request_id: str | None, variables: list[str]) -> tuple[str, Any]:
    """(method, arguments) of the call `request_id` in the log at `path`, redacted values filled from `variables`."""
    if not request_id:
        raise UsageError("--from-log needs --request-id: the director's cpi-NNNNNN, or N for the Nth call of the "
                         "log (create-env logs have no request ids)")
    from cpictl.traces.log_lookup import LogLookupError, find_call

    try:
        call = find_call(Path(path), request_id)
    except LogLookupError as error:
        raise UsageError(str(error)) from None
    arguments = call.request.get("arguments")
    if not isinstance(arguments, list):
        raise UsageError(f"{call.label} at line {call.line} of {path}: its request has no list of arguments")
    arguments = _filled(call.label, arguments, variables)
    from cpictl.cli.output import error_message

    error_message(f"{call.label} from line {call.line} of {path}", "note", "yellow")
    return call.method, [escape_references(argument) for argument in arguments]


def _filled(label: str, arguments: list[Any], variables: list[str]) -> list[Any]:
    from cpictl.traces.exchanges import redacted_paths
    from cpictl.traces.masked_values import fill_masked

    needed = redacted_paths(arguments, "arguments")
    values = _values(variables, needed)
    missing = [path for path in needed if path not in values]
    if missing and sys.stdin.isatty() and sys.stderr.isatty():
        values.update(_asked(label, missing))
        missing = [path for path in needed if path not in values]
    if missing:
        listed = "\n".join(f"  --var '{path}=…'" for path in missing)
        raise UsageError(f"{label}: the log holds {len(missing)} value(s) only as \"<redacted>\", and they are never "
                         f"sent so; give them with --var (PATH:=JSON for a number or an object):\n{listed}")
    filled, _ = fill_masked({"arguments": arguments}, values)
    return list(filled["arguments"])


def _values(variables: list[str], needed: list[str]) -> dict[str, Any]:
    """`--var PATH=VALUE` (a string) and `PATH:=JSON` words as {canonical path: value}; a path the call has no
    redacted value at is refused."""
    from cpictl.traces.masked_values import PathError, canonical

    values: dict[str, Any] = {}
    for word in variables:
        path, sep, raw = word.partition("=")
        as_json = path.endswith(":")
        path = path[:-1] if as_json else path
        if not sep or not path:
            raise UsageError(f"--var '{path}=…': expected PATH=VALUE or PATH:=JSON, e.g. "
                             "arguments[2].instance_type=m5.large")
        try:
            path = canonical(path.strip())
        except PathError as error:
            raise UsageError(f"--var: {error}") from None
        if path.startswith("context"):
            raise UsageError(f"--var {path}: the call is sent with your target's context; set it with --context")
        if path not in needed:
            shown = ", ".join(needed) or "none"
            raise UsageError(f"--var {path}: not a value the log redacted (its redacted values: {shown})")
        values[path] = _json(path, raw) if as_json else raw
    return values


def _json(path: str, text: str) -> Any:
    import json

    try:
        return json.loads(text)
    except ValueError as error:
        raise UsageError(f"--var {path}: the value after := is not JSON ({error})") from None


def _asked(label: str, missing: list[str]) -> dict[str, str]:
    """Each missing value, asked for without echo (a string); an empty answer stops asking."""
    from cpictl.cli.line_input import secret

    sys.stderr.write(f"{label}: the log holds these values only as \"<redacted>\" (Enter alone stops):\n")
    values: dict[str, str] = {}
    for path in missing:
        answer = secret(f"  {path}: ")
        if not answer:
            break
        values[path] = answer
    return values
