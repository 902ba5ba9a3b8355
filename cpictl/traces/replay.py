"""Sending a traced call again (`trace replay`, the REPL's `:replay`, `call --from-trace`) through `CallSession`.

Rules kept:
- The call is the trace's: its method and arguments, with every masked value given back by the user first
  (`masked.MissingValues` otherwise: `<redacted>` is never sent). A replay also keeps how the call was made — its
  caller (`as`), api_version and stemcell api_version — unless the command overrides them (`replay_settings`).
- Everything about *where* it goes is the chosen target's: the CPI, its environment, and a fresh context
  (director_uuid, a new request_id, the target's cpi-config properties). The trace's context is not sent: its
  cpi-config properties are named (`context_not_sent`) so the user can give them to the target instead.
- The replay is an ordinary call: journalled when it changes cloud IDs, and itself a new trace entry.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cpictl.protocol.redaction import CONTEXT_PUBLIC_KEYS
from cpictl.session import CallOutcome, CallSession, Target, build_request, outcome_as_dict
from cpictl.traces.masked import (
    Key,
    MaskedValue,
    MissingValues,
    filled,
    given_or_asked,
    masked_values,
    still_missing,
)
from cpictl.traces.reading import TraceLookupError, request_of

Ask = Callable[[MaskedValue, str], str | None]


def sendable(entry: dict[str, Any]) -> str:
    """The entry's method; TraceLookupError when the entry holds no request that can be sent again."""
    method = request_of(entry)[0]
    if method == "?":
        raise TraceLookupError(f"call {entry.get('n')} holds no request cpictl can send again (its request was not "
                               "a JSON object with a method)")
    return method


def replay_settings(entry: dict[str, Any]) -> dict[str, Any]:
    """The caller, api_version and stemcell api_version the traced call was made with (None: it sent none). A
    version that is not a whole number (a director passes on a float `info` gave it, 2.0) is read as one."""
    _, _, context, api_version = request_of(entry)
    summary = entry.get("target") if isinstance(entry.get("target"), dict) else {}
    vm = context.get("vm")
    if isinstance(vm, dict) and isinstance(vm.get("stemcell"), dict):
        stemcell = vm["stemcell"].get("api_version")
    else:
        stemcell = summary.get("stemcell_api_version")
    caller = summary.get("as")
    return {"caller": caller if caller in ("director", "create-env") else "director",
            "api_version": _whole(api_version), "stemcell_api_version": _whole(stemcell)}


def _whole(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        return None
    return int(value)


def replay_target(target: Target, entry: dict[str, Any]) -> Target:
    """`target` making the call as the trace made it: its caller, api_version and stemcell api_version (a caller
    change brings that caller's environment mode, as `--as` does). The command line does the same with flags."""
    from cpictl.targets.layers import TargetLayer, apply

    return apply(target, TargetLayer(f"trace call {entry.get('n')}", replay_settings(entry)))


def recalled_arguments(entry: dict[str, Any], values: dict[tuple[Key, ...], Any], ask: Ask | None,
                       how: str) -> tuple[str, list[Any]]:
    """(method, arguments) of the entry with every masked argument filled: from `values`, else from `ask` (a
    prompt; None when there is no terminal), else MissingValues naming each, with `how` to give them."""
    method = sendable(entry)
    masked = masked_values(entry["request"], arguments_only=True)
    values = given_or_asked(masked, values, None if ask is None else lambda value: ask(value, method))
    missing = still_missing(masked, values)
    if missing:
        raise MissingValues(missing, how)
    return method, list(filled(entry["request"], values, masked).get("arguments") or [])


def context_not_sent(entry: dict[str, Any], target: Target) -> list[str]:
    """The trace's cpi-config properties (context keys besides the caller's own) that the target does not set."""
    context = request_of(entry)[2]
    return [key for key in context if key not in CONTEXT_PUBLIC_KEYS and key not in target.context]


def replay(method: str, arguments: list[Any], target: Target, journal: Path, store: Any = None,
           on_stderr_line: Callable[[str], None] | None = None) -> CallOutcome:
    """Send the call to `target` as an ordinary call of the session (negotiating first when the target says
    `auto`); the arguments go as the trace has them, unchecked, as they were sent then."""
    session = CallSession(target, store, journal=journal)
    target = session.begin_operation(target, method)
    request = build_request(target, method, arguments, validate=False)
    return session.execute(request, target=target, on_stderr_line=on_stderr_line)


def outcome_entry(outcome: CallOutcome, target: Target) -> dict[str, Any]:
    """The replayed call as an entry-shaped document (what the trace now holds for it), for `compare_entries`."""
    from cpictl.traces.entries import call_entry

    entry = call_entry(outcome_as_dict(outcome), target)
    entry["n"] = outcome.trace_number
    return entry
