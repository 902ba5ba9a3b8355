"""`cpictl call --from-log FILE --request-id ID`: a call found in a BOSH debug log, sent again to the user's target.

The call's own method and arguments are taken from the log, as logged (a `${` in them is sent as it is, not
resolved as a reference); its context and api_version are the target's, as for any `call`. The director logs some
values as `"<redacted>"` (create_vm/create_disk cloud_properties, network cloud_properties, env); they are never
sent so. They are masked values like a trace's (`cpictl.traces.masked`), given back as `--from-trace` takes them:
`--var` with the path (`arguments[2].password`), the parameter's name (`cloud_properties.password`) or the
variable name (`CLOUD_PROPERTIES_PASSWORD`), `=VALUE` for a string or `:=JSON`; on a terminal, the rest from the
same prompt without echo; a call still missing one is refused with the list. Redacted context values are not asked
for: the target gives the context, and a `--var context.…` says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cpictl.cli.exits import UsageError


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
    if not isinstance(call.request.get("arguments"), list):
        raise UsageError(f"{call.label} at line {call.line} of {path}: its request has no list of arguments")
    arguments = _filled(call.label, call.request, variables)
    from cpictl.cli.output import error_message

    error_message(f"{call.label} from line {call.line} of {path}", "note", "yellow")
    from cpictl.store.references import escape_references  # the journal's modules: not on start-up
    return call.method, [escape_references(argument) for argument in arguments]


def _filled(label: str, request: dict[str, Any], variables: list[str]) -> list[Any]:
    """The logged arguments with every redacted one given: by `--var`, else asked for on a terminal; UsageError
    listing the ones still missing (the context is the target's, so only arguments count)."""
    from cpictl.cli.from_trace import ask_on_terminal, trace_errors
    from cpictl.traces.masked import filled, given_or_asked, masked_values, parse_assignments, still_missing

    masked = masked_values(request, arguments_only=True)
    with trace_errors():
        values = parse_assignments(variables, masked)
    ask = ask_on_terminal("redacted in the log")
    values = given_or_asked(masked, values, None if ask is None else lambda value: ask(value, label))
    missing = still_missing(masked, values)
    if missing:
        listed = "\n".join(f"  --var '{value.path}=…'   (or {value.alias}, {value.variable})"
                           if value.alias != value.path else f"  --var '{value.path}=…'   (or {value.variable})"
                           for value in missing)
        raise UsageError(f"{label}: the log holds {len(missing)} value(s) only as \"<redacted>\", and they are never "
                         f"sent so; give them with --var (PATH:=JSON for a number or an object):\n{listed}")
    return list(filled(request, values, masked)["arguments"])
