"""One call, from arguments to outcome: bind and validate, build the request, run the CPI, decode, record.

A call is a pair of events: `Sent` (the exact request, before it runs) and `Received` (the outcome). The CLI, the
REPL and the recipe runner all go through `CallSession`, so every cloud ID a CPI returns is appended to the store's
journal *before* anyone renders it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from cpictl import shutdown
from cpictl.protocol.arguments import MASKED_VALUE_HINT, ArgumentProblem, bind_arguments, holds_mask
from cpictl.protocol.catalogue import CloudIdChanges, cloud_id_changes, get_method
from cpictl.protocol.codec import (
    DecodedResponse,
    Request,
    build_context,
    decode_response,
    encode_request,
    new_request_id,
)
from cpictl.protocol.violations import Violation
from cpictl.targets.target import REFERENCE_CPI_LABEL, UNSET, Target, reference_cpi_argv
from cpictl.transport import CpiInterrupted, CpiNotRunnable, RunResult, run_cpi

if TYPE_CHECKING:
    from cpictl.store import CloudIdStore
    from cpictl.store.store import CallInFlight

Status = Literal["ok", "cpi-error", "misbehaved"]
__all__ = ["REFERENCE_CPI_LABEL", "UNSET", "CallOutcome", "CallSession", "Target", "reference_cpi_argv"]

class UnknownMethod(ValueError):
    def __init__(self, method: str) -> None:
        from difflib import get_close_matches

        from cpictl.protocol.catalogue import METHOD_NAMES

        # compared in lower case: the catalogue's names are, and `ATTACH_DISK` is as close as a name can be
        close = get_close_matches(method.lower(), METHOD_NAMES, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else "; `cpictl methods` lists them"
        super().__init__(f"unknown CPI method '{method}'{hint}")
        self.method = method


def build_request(target: Target, method: str, args: Sequence[Any] | Mapping[str, Any], *,
                  validate: bool = True) -> Request:
    """Bind arguments against the catalogue and build the director-style request. Raises ArgumentProblem."""
    spec = get_method(method)
    if spec is None:
        if validate:
            raise UnknownMethod(method)
        arguments = list(args.values()) if isinstance(args, Mapping) else list(args)
    else:
        arguments = bind_arguments(spec, args, target.api_version, validate=validate)
    if validate:
        for key, value in target.context.items():
            if holds_mask(value):
                raise ArgumentProblem(method, None, f"context '{key}' {MASKED_VALUE_HINT}")
    context = build_context(target.director_uuid, new_request_id(), method, target.stemcell_api_version,
                            target.context)
    return Request(method, arguments, context, target.api_version)


@dataclass
class CallOutcome:
    """Everything one call produced. `response` is `{result, error, log}` or None when undecodable."""

    request: Request
    stdin: bytes
    run: RunResult | None
    decoded: DecodedResponse | None
    violations: list[Violation]
    changes: CloudIdChanges
    failure: str | None = None  # transport-level failure: timed out, crashed
    journal_error: str | None = None  # the cloud IDs could not be written to the session journal

    @property
    def status(self) -> Status:
        if self.failure or self.journal_error or any(v.severity == "error" for v in self.violations):
            return "misbehaved"
        if self.decoded is not None and self.decoded.document and self.decoded.document.get("error") is not None:
            return "cpi-error"
        return "ok"

    @property
    def response(self) -> dict[str, Any] | None:
        if self.decoded is None or self.decoded.document is None:
            return None
        doc = self.decoded.document
        return {"result": doc.get("result"), "error": doc.get("error"), "log": doc.get("log")}

    @property
    def request_id(self) -> str | None:
        value = self.request.context.get("request_id")
        return value if isinstance(value, str) else None


def _escaped(run: RunResult) -> str:
    """Who escaped the process group and is still running: by PID where the OS says."""
    if run.escaped_pids:
        return f"pid {', '.join(map(str, run.escaped_pids))}, started by the CPI (pid {run.pid})"
    return f"a process the CPI, pid {run.pid}, started"


def _transport_failure(run: RunResult, timeout: float | None) -> tuple[str | None, list[Violation]]:
    if run.timed_out:
        answered = " (after it had answered: it never exited)" if run.stdout.strip() else ""
        escaped = (f"; {_escaped(run)} left the group, so the kill did not reach it: it is still running "
                   "and holds the CPI's output" if run.pipes_abandoned else "")
        return (f"timed out after {timeout:g} s{answered}; the CPI's process group was killed{escaped}. BOSH has no "
                "timeout and would wait forever", [])
    if run.lingering_pipes:
        fate = ("it left the CPI's process group, so killing the group did not reach it: cpictl stopped waiting, "
                f"and it may still be running ({_escaped(run)})"
                if run.pipes_abandoned else "it was killed with the CPI's process group")
        message = f"the CPI exited but a child process kept stdout/stderr open; {fate}"
        from cpictl.protocol.process_verdicts import lingering_child  # a rare verdict: not on every start-up

        return None, [lingering_child(message)]
    if run.signal is not None:
        return (f"the CPI was killed by signal {run.signal} with no response; the director fails "
                "'Invalid CPI response - ParserError', create-env fails the call", [])
    return None, []


Observer = Callable[[str, Any], None]


class CallSession:
    """Runs calls against one target and journals their cloud IDs. `observer(event, payload)` sees Sent/Received."""

    def __init__(self, target: Target, store: CloudIdStore | None = None, observer: Observer | None = None) -> None:
        self.target = target
        self.store = store
        self.observer = observer

    def prepare(self, method: str, args: Sequence[Any] | Mapping[str, Any], *, validate: bool = True,
                target: Target | None = None) -> Request:
        return build_request(target or self.target, method, args, validate=validate)

    def execute(self, request: Request, *, target: Target | None = None,
                on_stderr_line: Callable[[str], None] | None = None, stdin: bytes | None = None) -> CallOutcome:
        """Run one request. `stdin` overrides the encoded bytes (`--raw` sends a document unchanged).

        A call that may create or delete a cloud ID is durable: its pending entry is journalled and its CPI writes
        into the session's spool before it starts (a journal that cannot take it stops the call here, StoreError),
        so a cpictl killed meanwhile loses nothing (`cpictl.store.interrupted` finishes it). Ctrl-C after the CPI
        already answered still journals what it created."""
        target = target or self.target
        stdin = encode_request(request) if stdin is None else stdin
        durable = self._begin(request, target)
        self._notify("sent", request)
        try:
            run = run_cpi(target.command(), stdin, on_stderr_line, outputs=durable.outputs if durable else None)
        except CpiInterrupted as interrupted:
            shutdown.note_stopped_cpi()
            self._journal(self._outcome(request, stdin, interrupted.result, target, interrupted=True), target,
                          durable, interrupted=True)
            raise
        except CpiNotRunnable:
            if durable is not None:  # nothing ran, nothing was made: the pending entry is closed as such
                self._close_unstarted(durable)
            raise
        outcome = self._outcome(request, stdin, run, target)
        self._journal(outcome, target, durable)
        self._notify("received", outcome)
        return outcome

    def _begin(self, request: Request, target: Target) -> CallInFlight | None:
        """The durable call's pending entry and output files, for a call that may change cloud IDs; else None."""
        spec = get_method(request.method)
        if self.store is None or spec is None or not (spec.creates or spec.deletes or spec.relation):
            return None
        from cpictl.protocol.redaction import Redactor

        return self.store.begin_call(method=request.method, request_id=request.context.get("request_id"),
                                     target=target.argv,
                                     arguments=Redactor().arguments(request.method, request.arguments),
                                     api_version=request.api_version,
                                     stemcell_api_version=target.stemcell_api_version)

    def _close_unstarted(self, durable: CallInFlight) -> None:
        from cpictl.store import StoreError

        assert self.store is not None
        try:
            self.store.settle_call(durable.call_id, note="the CPI could not be started")
        except (StoreError, OSError):
            return  # the pending entry stays; with no output it reads as "may have created something", on the safe side
        durable.outputs.remove()

    @staticmethod
    def _outcome(request: Request, stdin: bytes, run: RunResult, target: Target, *,
                 interrupted: bool = False) -> CallOutcome:
        """Decode and judge what the CPI process did."""
        failure, violations = _transport_failure(run, target.timeout)
        decoded = None
        if not run.timed_out or run.stdout.strip():  # a CPI may answer and then hang: keep what it said
            decoded = decode_response(run.stdout, method=request.method, api_version=request.api_version,
                                      exit_code=run.exit_code if run.signal is None else None,
                                      stdout_truncated=run.stdout_truncated)
            violations = violations + decoded.violations
            if run.signal is not None and decoded.document is not None and not run.timed_out:
                failure = None  # it answered before dying: judge the answer
                if not interrupted:  # we did not kill it: the CPI died on its own after answering
                    violations.append(_signal_after_answer(run.signal))
        spec = get_method(request.method)
        succeeded = bool(decoded and decoded.document is not None and decoded.document.get("error") is None
                         and "result" in decoded.document)
        changes = (cloud_id_changes(spec, request.arguments, decoded.result if decoded else None,
                                    request.api_version, succeeded) if spec else CloudIdChanges())
        if spec is not None and spec.creates and spec.creates.replaces_arg is None and not changes.created:
            cpi_error = decoded is not None and decoded.error is not None and not failure
            if not cpi_error and (failure or violations):
                from cpictl.protocol.process_verdicts import unknown_cloud_id

                violations = [*violations, unknown_cloud_id(request.method, str(spec.creates.kind),
                                                            str(request.context.get("request_id", "-")))]
        return CallOutcome(request, stdin, run, decoded, violations, changes, failure)

    def call(self, method: str, args: Sequence[Any] | Mapping[str, Any], **kwargs: Any) -> CallOutcome:
        validate = kwargs.pop("validate", True)
        request = self.prepare(method, args, validate=validate)
        return self.execute(request, **kwargs)

    def _journal(self, outcome: CallOutcome, target: Target, durable: CallInFlight | None, *,
                 interrupted: bool = False) -> None:
        """Record the call's cloud IDs (and settle a durable call); if that fails the outcome says so loudly
        instead of losing them, and the call's output files stay for a later command to finish it from."""
        changes = outcome.changes
        if self.store is None or (durable is None and not (changes.created or changes.deleted or changes.attached
                                                           or changes.detached)):
            return
        from cpictl.store import StoreError

        record = {"method": outcome.request.method, "request_id": outcome.request_id, "target": target.argv,
                  "changes": changes, "extras": journal_extras(outcome), "api_version": outcome.request.api_version,
                  "stemcell_api_version": target.stemcell_api_version}
        try:
            if durable is None:
                self.store.record(**record)
            else:
                self.store.finish_call(durable.call_id, unanswered=_unanswered(outcome, interrupted), **record)
        except (StoreError, OSError) as error:
            ids = ", ".join(f"{kind} {cid}" for kind, cid in changes.created) or "the deletions"
            outcome.journal_error = f"NOT JOURNALLED — note these down: {ids} ({error})"
            return
        if durable is not None:
            durable.outputs.remove()

    def _notify(self, event: str, payload: Any) -> None:
        if self.observer is not None:
            self.observer(event, payload)


def journal_extras(outcome: CallOutcome) -> dict[str, Any]:
    """What the journal keeps beside each cloud ID (see `cpictl.store.extras`), masked with the request's own
    secrets."""
    from cpictl.store.extras import journal_extras as extras_of

    request = outcome.request
    if request.method not in ("create_vm", "attach_disk"):
        return {}
    from cpictl.protocol.redaction import Redactor

    redactor = Redactor()
    redactor.request(request.as_dict())  # learns the request's secrets, so an echo of one is masked too
    return extras_of(request.method, request.arguments, outcome.decoded.result if outcome.decoded else None,
                     redactor)


def _unanswered(outcome: CallOutcome, interrupted: bool) -> str | None:
    """Why a create call may have made something without giving its ID (the `cloud-id.unknown` verdict); else
    None."""
    if not any(v.code == "cloud-id.unknown" for v in outcome.violations):
        return None
    if interrupted:
        return "interrupted before it answered"
    if outcome.failure:
        return outcome.failure.split(";")[0]
    errors = [v.code for v in outcome.violations if v.severity == "error"]
    return f"no usable answer ({', '.join(errors)})" if errors else "no usable ID in the answer"


def _signal_after_answer(signum: int) -> Violation:
    import signal

    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = ""
    from cpictl.protocol.process_verdicts import signal_after_answer

    return signal_after_answer(signum, name)


def outcome_as_dict(outcome: CallOutcome, *, show_secrets: bool = False) -> dict[str, Any]:
    """The machine-readable form of a call (`-o json`): exactly the documented keys, secrets masked."""
    from cpictl.protocol.redaction import Redactor

    redactor = Redactor()
    request = outcome.request.as_dict()
    response = outcome.response
    violations = outcome.violations
    stderr = outcome.run.stderr_tail.decode("utf-8", errors="replace") if outcome.run else ""
    if not show_secrets:
        request = redactor.request(request)
        response = redactor.response(outcome.request.method, response)
        violations = redactor.violations(violations)
        stderr = redactor.text(stderr)
    run = outcome.run
    failed: list[dict[str, Any]] = []
    if outcome.failure:
        from cpictl.protocol.process_verdicts import process_failed  # a rare verdict: not on every start-up

        failed = [process_failed(outcome.failure, bool(run and run.timed_out)).as_dict()]
    return {
        "request": request,
        "response": response,
        "exit_code": run.exit_code if run else None,
        "signal": run.signal if run else None,
        "duration_s": round(run.duration_s, 6) if run else None,
        "stderr": stderr,
        "violations": [v.as_dict() for v in violations]
        + failed
        # cpictl's own failure, not the CPI's: no caller reacts to it
        + ([{"code": "journal.write-failed", "severity": "error", "message": outcome.journal_error,
             "director": None, "create_env": None}] if outcome.journal_error else []),
        "cloud_ids": outcome.changes.as_dict(),
    }
