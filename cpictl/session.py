"""One call, from arguments to outcome: bind and validate, build the request, run the CPI, decode, record.

A call is a pair of events: `Sent` (the exact request, before it runs) and `Received` (the outcome). The CLI, the
REPL and the recipe runner all go through `CallSession`, so every cloud ID a CPI returns is appended to the store's
journal *before* anyone renders it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
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
    import threading
    from pathlib import Path

    from cpictl.store import CloudIdStore
    from cpictl.store.store import CallInFlight
    from cpictl.targets.negotiation import InfoAnswer, Negotiation
    from cpictl.targets.negotiator import Negotiator
    from cpictl.traces.trace_file import TraceFile

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
    """Bind arguments against the catalogue and build the request in the form of the target's caller (director
    or create-env: `cpictl.targets.profiles`). Raises ArgumentProblem."""
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
    profile = target.profile
    api_version = profile.info_api_version if method == "info" and target.negotiate else target.api_version
    return Request(method, arguments, _context(target, method), api_version)


def info_request(target: Target, for_method: str | None = None) -> Request:
    """The `info` a caller sends to settle the api_version before `for_method` (the director puts the stemcell's
    version in it when that method knows one)."""
    profile = target.profile
    return Request("info", [], _context(target, "info", stemcell_for=for_method), profile.info_api_version)


def _context(target: Target, method: str, stemcell_for: str | None = None) -> dict[str, Any]:
    profile = target.profile
    return build_context(target.director_uuid, new_request_id() if profile.sends_request_id else None, method,
                         target.stemcell_api_version, target.context,
                         stemcell_on_every_method=profile.stemcell_on_every_method, stemcell_for=stemcell_for)


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
    negotiation: Negotiation | None = None  # how the request's api_version was settled, when it was negotiated
    trace_number: int | None = None  # its entry in the session's trace (`cpictl trace show N`)
    #: Its masked `-o json` form once made (for the trace): masking a 50 MB log twice cost half a second.
    masked_document: dict[str, Any] | None = field(default=None, repr=False)

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
    if run.stdout_truncated and not run.timed_out:
        # cpictl's own limit, not the contract's: both callers would read on, so the answer cannot be judged here
        return (f"the CPI wrote {run.stdout_bytes:,} bytes on stdout, past cpictl's limit: only its start was kept "
                "and its answer cannot be judged (the director and create-env read all of it)", [])
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
    """Runs calls against one target and journals their cloud IDs. `observer(event, payload)` sees Sent/Received
    (and `negotiated`, with the outcome of the `info` a negotiation ran; `interrupted`, with what a call stopped by
    Ctrl-C or `stop` had answered, journalled already, just before CpiInterrupted is raised).

    One session may run calls from several threads at once (`cpictl bench`): the journal and the trace lock their
    files, and `stop`, once set, stops the calls running in every thread as Ctrl-C stops one.

    A target whose api_version is negotiated (`Target.negotiate`, the CLI's default) is first `resolve`d: its
    caller's `info`, once per target and session (`journal`, or the store's, keeps the result between commands),
    or before every call with `Target.negotiate_every_call`. A call the caller would refuse to make is not made."""

    def __init__(self, target: Target, store: CloudIdStore | None = None, observer: Observer | None = None,
                 journal: Path | None = None, stop: threading.Event | None = None) -> None:
        self.target = target
        self.store = store
        self.observer = observer
        self.stop = stop
        self._journal_path = journal if journal is not None else store.path if store is not None else None
        self._negotiator: Negotiator | None = None
        self.trace_problem: str | None = None  # why the last call could not be kept in the trace, if it could not
        self._trace_file: TraceFile | None = None  # the journal's trace, made at the first call
        self._trace_append: Callable[[dict[str, Any]], int] | None = None  # while `trace_kept_open`
        self._learned: tuple[Target, InfoAnswer] | None = None  # the target and answer an `info` call taught last

    @property
    def negotiator(self) -> Negotiator:
        """What this session knows of its targets' negotiations (made on first use: `call info` needs none)."""
        if self._negotiator is None:
            from cpictl.targets.negotiator import Negotiator

            self._negotiator = Negotiator(self._journal_path)
        return self._negotiator

    def prepare(self, method: str, args: Sequence[Any] | Mapping[str, Any], *, validate: bool = True,
                target: Target | None = None) -> Request:
        """Build a request in the target's caller's form, its api_version negotiated first (an operation starts
        here: with `negotiate_every_call`, this is where the caller's `info` runs each time)."""
        return build_request(self.begin_operation(target or self.target, method), method, args, validate=validate)

    def begin_operation(self, target: Target, method: str | None = None) -> Target:
        """The target to build an operation's request with: resolved, afresh when the caller runs `info` before
        every operation (`Target.negotiate_every_call`)."""
        return self.resolve(target, method, fresh=target.negotiate_every_call and method != "info")

    def resolve(self, target: Target, method: str | None = None, *, fresh: bool = False) -> Target:
        """`target` with the api_version its caller would send (see the class docstring); as it is when it does
        not negotiate. `fresh` runs `info` even when the outcome is known."""
        if not target.negotiate or method == "info" or (target.negotiation is not None and not fresh):
            return target
        from cpictl.targets.negotiator import settle

        negotiation = None if fresh else self.negotiator.settled(target)
        if negotiation is None:
            negotiation = self._negotiate(target, method)
        return settle(target, negotiation)

    def renegotiate(self, target: Target | None = None) -> None:
        """Forget what is known of the target's negotiation: the next call asks `info` again."""
        self._learned = None
        self.negotiator.forget(target or self.target)

    def _negotiate(self, target: Target, method: str | None) -> Negotiation:
        from cpictl.targets.negotiation import negotiate_both

        outcome = self._run(info_request(target, method), target)
        self._notify("negotiated", outcome)
        negotiation = negotiate_both(target.profile, _info_answer(outcome, target.caller),
                                     target.preferred_api_version)
        self._learned = None  # what an `info` call taught before may differ from this
        self.negotiator.remember(target, negotiation)
        return negotiation

    def execute(self, request: Request, *, target: Target | None = None,
                on_stderr_line: Callable[[str], None] | None = None, stdin: bytes | None = None) -> CallOutcome:
        """Run one request. `stdin` overrides the encoded bytes (`--raw` sends a document unchanged).

        A call that may create or delete a cloud ID is durable: its pending entry is journalled and its CPI writes
        into the session's spool before it starts (a journal that cannot take it stops the call here, StoreError),
        so a cpictl killed meanwhile loses nothing (`cpictl.store.interrupted` finishes it). Ctrl-C after the CPI
        already answered still journals what it created."""
        target = self.resolve(target or self.target, request.method)  # settled already when prepare built it
        if target.negotiation is not None and target.negotiation.refusal is not None and request.method != "info":
            return self._refused(request, target)
        outcome = self._run(request, target, on_stderr_line, stdin)
        if request.method == "info" and target.negotiate and outcome.response is not None:
            self._learn_from_info(target, outcome)  # a caller-form info settles the negotiation for free
        return outcome

    def _run(self, request: Request, target: Target, on_stderr_line: Callable[[str], None] | None = None,
             stdin: bytes | None = None) -> CallOutcome:
        """Run the request's CPI process, durably when it may change cloud IDs, and journal the outcome."""
        stdin = encode_request(request) if stdin is None else stdin
        durable = self._begin(request, target)
        self._notify("sent", request)
        try:
            # `stop` only when there is one: the in-process runner tests stand in for run_cpi takes none
            stopping = {"stop": self.stop} if self.stop is not None else {}
            run = run_cpi(target.command(), stdin, on_stderr_line, outputs=durable.outputs if durable else None,
                          **stopping)
        except CpiInterrupted as interrupted:
            shutdown.note_stopped_cpi()
            stopped = self._outcome(request, stdin, interrupted.result, target, interrupted=True)
            self._journal(stopped, target, durable, interrupted=True)
            self._trace(stopped, target, durable)
            self._notify("interrupted", stopped)
            raise
        except CpiNotRunnable:
            if durable is not None:  # nothing ran, nothing was made: the pending entry is closed as such
                self._close_unstarted(durable)
            raise
        outcome = self._outcome(request, stdin, run, target)
        outcome.negotiation = target.negotiation
        self._journal(outcome, target, durable)
        self._trace(outcome, target, durable)
        self._notify("received", outcome)
        return outcome

    def _trace(self, outcome: CallOutcome, target: Target, durable: CallInFlight | None = None) -> None:
        """Keep the call, masked, in the session's trace (`cpictl.traces`): evidence, never a reason to fail it."""
        if self._journal_path is None:
            return
        from cpictl.traces.entries import call_entry
        from cpictl.traces.trace_file import TraceError, session_trace

        if self._trace_file is None:
            self._trace_file = session_trace(self._journal_path)
        append = self._trace_append or self._trace_file.append
        try:
            outcome.masked_document = outcome_as_dict(outcome)
            outcome.trace_number = append(
                call_entry(outcome.masked_document, target, call=durable.call_id if durable else None))
        except (TraceError, OSError, ValueError) as error:
            self.trace_problem = str(error)

    @contextmanager
    def trace_kept_open(self) -> Iterator[None]:
        """Within the block, the session's trace stays open from one call to the next (`cpictl bench` makes
        hundreds of calls a second, from several threads: opening and closing the file for each is interpreter time
        they all wait for)."""
        if self._journal_path is None:
            yield
            return
        from cpictl.traces.trace_file import session_trace

        if self._trace_file is None:
            self._trace_file = session_trace(self._journal_path)
        with self._trace_file.appending() as append:
            self._trace_append = append
            try:
                yield
            finally:
                self._trace_append = None

    def _refused(self, request: Request, target: Target) -> CallOutcome:
        """The call the target's caller would not make: nothing runs; the outcome says why, and what the other
        caller would do with the same `info`."""
        negotiation = target.negotiation
        assert negotiation is not None and negotiation.refusal is not None
        how = f" ({negotiation.how})" if negotiation.how else ""
        from cpictl.targets.profiles import spoken

        failure = (f"{spoken(target.caller)} would refuse every call to this CPI: {negotiation.refusal}{how}; "
                   f"{negotiation.other}. `--api-version N` sends the call anyway")
        outcome = CallOutcome(request, encode_request(request), None, None, [], CloudIdChanges(), failure)
        outcome.negotiation = negotiation
        self._trace(outcome, target)
        self._notify("received", outcome)
        return outcome

    def _learn_from_info(self, target: Target, outcome: CallOutcome) -> None:
        from cpictl.targets.negotiation import negotiate_both

        answer = _info_answer(outcome, target.caller)
        learned = self._learned
        if learned is not None and learned[0] is target and learned[1] == answer:
            return  # the same answer from the same target: nothing new (`cpictl bench info` asks hundreds of times)
        self.negotiator.remember(target, negotiate_both(target.profile, answer, target.preferred_api_version))
        self._learned = (target, answer)

    def _begin(self, request: Request, target: Target) -> CallInFlight | None:
        """The durable call's pending entry and output files, for a call that may change cloud IDs; else None."""
        spec = get_method(request.method)
        if self.store is None or spec is None or not (spec.creates or spec.deletes or spec.relation):
            return None
        from cpictl.protocol.redaction import Redactor

        return self.store.begin_call(method=request.method, request_id=request.context.get("request_id"),
                                     target=target.argv, marks=target_marks(target),
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
                  "changes": changes, "extras": {**journal_extras(outcome), **target_marks(target)},
                  "api_version": outcome.request.api_version,
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


def target_marks(target: Target) -> dict[str, Any]:
    """What the journal keeps of the target beside each ID it made: its name (so cleanup reaches the named target
    that made it, not another one running the same executable) and the caller whose requests it took."""
    return {"target_name": target.name, "caller": target.caller}


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


def _info_answer(outcome: CallOutcome, caller: str) -> InfoAnswer:
    """What a caller gets from an `info` outcome: its response — unless the caller could not read it at all."""
    from cpictl.targets.negotiation import InfoAnswer

    unreadable = (outcome.failure or "").split(";")[0] or ", ".join(
        v.code for v in outcome.violations if _keeps_from_reading(v, caller))
    return InfoAnswer.from_response(None if unreadable else outcome.response, problem=unreadable or None)


def _keeps_from_reading(violation: Violation, caller: str) -> bool:
    """A violation that fails `caller`'s info call as a whole, before it looks at the result (whose content the
    negotiation itself judges: `info.*`, `result.*`)."""
    reaction = violation.director if caller == "director" else violation.create_env
    return reaction.does in ("fails", "crashes") and not violation.code.startswith(("info.", "result.", "cloud-id."))


def _failure_verdict(outcome: CallOutcome) -> Violation:
    """The violation an outcome's `failure` stands for: a refusal, an answer past cpictl's limit, or a process
    that ended without one (timeout, signal). Rare verdicts: not loaded on every start-up."""
    from cpictl.protocol import process_verdicts

    run, negotiation, failure = outcome.run, outcome.negotiation, outcome.failure or ""
    if run is None and negotiation is not None and negotiation.refusal is not None:
        return process_verdicts.call_refused(failure, negotiation.caller, negotiation.refusal, negotiation.other)
    if run is not None and run.stdout_truncated and not run.timed_out:
        return process_verdicts.output_too_large(failure)
    return process_verdicts.process_failed(failure, bool(run and run.timed_out))


#: The verdict `-o json` lists for an outcome whose IDs could not be journalled: cpictl's failure, not the CPI's.
JOURNAL_FAILED = "journal.write-failed"


def verdict_codes(outcome: CallOutcome) -> list[tuple[str, str]]:
    """(code, severity) of every verdict `-o json` lists for the call — the contract's, the failure's, the
    journal's — without masking a thing: `cpictl bench` counts them over thousands of calls."""
    codes = [(v.code, v.severity) for v in outcome.violations]
    if outcome.failure:
        failed = _failure_verdict(outcome)
        codes.append((failed.code, failed.severity))
    if outcome.journal_error:
        codes.append((JOURNAL_FAILED, "error"))
    return codes


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
    """The machine-readable form of a call (`-o json`): exactly the documented keys, secrets masked. The masked
    form is made once per outcome (callers must not change it)."""
    if not show_secrets and outcome.masked_document is not None:
        return outcome.masked_document
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
        failed = [_failure_verdict(outcome).as_dict()]
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
        + ([{"code": JOURNAL_FAILED, "severity": "error", "message": outcome.journal_error,
             "director": None, "create_env": None}] if outcome.journal_error else []),
        "cloud_ids": outcome.changes.as_dict(),
        "negotiation": outcome.negotiation.as_dict() if outcome.negotiation is not None else None,
    }
