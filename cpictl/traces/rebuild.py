"""A trace entry turned back into the objects a live call produces (`CallOutcome`, `Target`), so `trace show`
renders it with the very view `cpictl call` uses (`render_call`) instead of a second one.

What cannot come back is said, not invented: the CPI's stdout bytes are not kept (the decoded response is), so
the rebuilt run has none; stderr and the log are the kept ends the entry holds. The verdict that stands for a
call without an answer (`process.failed`, `negotiation.refused`, `stdout.too-large`) becomes the outcome's
`failure` again, and `journal.write-failed` its `journal_error`, exactly as `outcome_as_dict` split them out.
"""

from __future__ import annotations

from typing import Any

from cpictl.protocol.codec import DecodedResponse, RawRequest
from cpictl.protocol.violations import Violation
from cpictl.session import CallOutcome, Target
from cpictl.traces.reading import FAILURE_CODES, entry_changes, request_of
from cpictl.transport import RunResult


def outcome_from_entry(entry: dict[str, Any]) -> CallOutcome:
    """The `CallOutcome` an entry was made from, as far as the entry keeps it."""
    method, arguments, context, api_version = request_of(entry)
    document = entry.get("request") if isinstance(entry.get("request"), dict) else None
    request = RawRequest(method, arguments, context,
                         api_version if isinstance(api_version, int) and not isinstance(api_version, bool) else None,
                         document=document)
    items = [item for item in entry.get("violations") or [] if isinstance(item, dict)]
    # `outcome_as_dict` puts the failure's verdict, then cpictl's journal failure, after the answer's verdicts: read
    # them from the end (`stdout.too-large` is also an answer's verdict, earlier in the list)
    journal_error = str(items.pop().get("message", "")) if items and items[-1].get("code") == "journal.write-failed" \
        else None
    failure = str(items.pop().get("message", "")) if items and items[-1].get("code") in FAILURE_CODES else None
    violations = [Violation.from_dict(item) for item in items]
    response = entry.get("response")
    decoded = DecodedResponse(dict(response), list(violations)) if isinstance(response, dict) else None
    outcome = CallOutcome(request, b"", _run(entry), decoded, violations, entry_changes(entry), failure,
                          journal_error)
    negotiation = entry.get("negotiation")
    if isinstance(negotiation, dict):
        from cpictl.targets.negotiation import Negotiation

        outcome.negotiation = Negotiation.from_dict(negotiation)
    outcome.trace_number = entry.get("n") if isinstance(entry.get("n"), int) else None
    return outcome


def _run(entry: dict[str, Any]) -> RunResult | None:
    """The process facts the entry keeps; None for a call that never ran (its caller refused it)."""
    exit_code, signal, duration = entry.get("exit_code"), entry.get("signal"), entry.get("duration_s")
    if exit_code is None and signal is None and duration is None:
        return None
    stderr = entry.get("stderr")
    stderr_bytes = stderr.encode("utf-8", errors="replace") if isinstance(stderr, str) else b""
    return RunResult(stdout=b"", stdout_truncated=False, stderr_tail=stderr_bytes, stderr_bytes=len(stderr_bytes),
                     exit_code=exit_code if isinstance(exit_code, int) else None,
                     signal=signal if isinstance(signal, int) else None,
                     duration_s=float(duration) if isinstance(duration, (int, float)) else 0.0,
                     timed_out=False, lingering_pipes=False, pid=0)


def target_from_entry(entry: dict[str, Any]) -> Target:
    """The target the entry's call ran against, as far as a trace keeps it (never its environment's secrets)."""
    from cpictl.targets.profiles import PROFILES
    from cpictl.transport import ENV_MODES

    summary = entry.get("target") if isinstance(entry.get("target"), dict) else {}
    context = request_of(entry)[2]
    caller = summary.get("as") if summary.get("as") in PROFILES else "director"
    stemcell = summary.get("stemcell_api_version")
    env_mode = summary.get("env_mode") if summary.get("env_mode") in ENV_MODES else PROFILES[caller].env_mode
    return Target(argv=[str(item) for item in summary.get("argv") or ["<unknown CPI>"]],
                  director_uuid=str(context.get("director_uuid", "")), label=str(summary.get("label") or ""),
                  env_mode=str(env_mode),
                  cwd=summary.get("cwd") if isinstance(summary.get("cwd"), str) else None, caller=caller,
                  stemcell_api_version=stemcell if isinstance(stemcell, int) else None,
                  name=str(summary["name"]) if summary.get("name") else None)
