"""What each bench iteration came to (`Sample`), and the tally the worker threads add them to (`Tally`).

A sample's status is the call's (`CallOutcome.status`: ok, cpi-error, misbehaved) or, for a recipe iteration,
`failed` when an expectation failed without the CPI erring. Its `error_type` is what errors are counted by: the
CPI's error type (`Bosh::Clouds::CloudError`), or for a misbehaving call the code of its first error verdict
(`stdout.not-json`, `process.failed`) — so a CPI that prints garbage is a count in a table, never a traceback.

The tally is shared by the worker threads and read by the live progress view while they run. It holds only
appends of whole objects to lists (atomic in CPython) and reads their lengths; the summary reads it once the
workers are done.
"""

from __future__ import annotations

import signal
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cpictl.protocol.kinds import CloudIdKind

if TYPE_CHECKING:
    from cpictl.session import CallOutcome

#: How far back the live throughput looks: long enough to be steady, short enough to follow a change of pace.
LIVE_WINDOW_S = 2.0
#: The signals that stop a bench — Ctrl-C's SIGINT, SIGTERM, SIGHUP — sent to cpictl's process group also reach a
#: CPI caught in the instant between its spawn and its `setsid`, still in that group, and kill it before it can
#: answer. Once the bench was stopped so, a call that died of one of them counts as interrupted, not as a CPI that
#: misbehaved: the signal was the user's.
STOPPING_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM)})


@dataclass(frozen=True)
class Sample:
    """One finished iteration: one call, or one run of a recipe."""

    latency_s: float
    status: str  # ok | cpi-error | misbehaved | failed (a recipe's expectation)
    finished_at: float  # time.monotonic()
    error_type: str | None = None
    ok_to_retry: bool | None = None  # None: not a CPI error (a misbehaving call, an unmet expectation)
    error_message: str = ""  # masked; only the first of each type is kept by the report
    verdicts: tuple[tuple[str, str], ...] = ()  # (code, severity) of every call of the iteration
    calls: int = 1
    killed_by: int | None = None  # the signal that ended the CPI before it answered (see `STOPPING_SIGNALS`)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def sample_of(outcome: CallOutcome, latency_s: float, *, show_secrets: bool = False) -> Sample:
    """The sample of one call."""
    from cpictl.session import verdict_codes

    verdicts = tuple(verdict_codes(outcome))
    status = outcome.status
    now = time.monotonic()
    if status == "ok":
        return Sample(latency_s, status, now, verdicts=verdicts)
    error = outcome.decoded.error if outcome.decoded is not None else None
    if status == "cpi-error" and error is not None:
        return Sample(latency_s, status, now, error.type, error.ok_to_retry,
                      _masked(outcome, error.message, show_secrets), verdicts)
    first = next((code for code, severity in verdicts if severity == "error"), "misbehaved")
    why = outcome.failure or outcome.journal_error or next(
        (v.message for v in outcome.violations if v.severity == "error"), "")
    run = outcome.run
    killed_by = run.signal if run is not None and outcome.response is None else None
    return Sample(latency_s, "misbehaved", now, first, None, _masked(outcome, why, show_secrets), verdicts,
                  killed_by=killed_by)


def _masked(outcome: CallOutcome | None, text: str, show_secrets: bool) -> str:
    """`text` with the request's secrets (and the process's: the CPI's environment) masked, as every view does."""
    if show_secrets or not text:
        return text
    from cpictl.protocol.redaction import Redactor

    redactor = Redactor()
    if outcome is not None:
        redactor.request(outcome.request.as_dict())
    return redactor.text(text)


def masked(text: str, show_secrets: bool = False) -> str:
    """`text` with the process's secrets masked (a recipe's failure, which quotes what its step got)."""
    return _masked(None, text, show_secrets)


@dataclass
class Tally:
    """What the workers have done so far; safe to add to from any thread (see the module docstring)."""

    samples: list[Sample] = field(default_factory=list)
    #: Every cloud ID a call of the bench created, as (kind, cid), interrupted calls' included: what to delete.
    created: list[tuple[CloudIdKind, str]] = field(default_factory=list)
    #: Calls stopped before they answered (Ctrl-C, SIGTERM): journalled, not counted among the samples.
    interrupted: list[Any] = field(default_factory=list)
    started_at: float = 0.0  # time.monotonic() when the first worker started
    finished_at: float | None = None  # … and when the last one ended

    def observe(self, event: str, payload: Any) -> None:
        """A `CallSession` observer: keeps the IDs each call created (also one that was stopped)."""
        if event in ("received", "interrupted"):
            self.created.extend(payload.changes.created)
        if event == "interrupted":
            self.interrupted.append(payload)

    def add(self, sample: Sample) -> None:
        self.samples.append(sample)

    def counts(self) -> tuple[int, int]:
        """(finished, failed) so far."""
        samples = self.samples[:]  # a snapshot: the workers go on adding
        return len(samples), sum(1 for sample in samples if not sample.ok)

    def live_rate(self, now: float | None = None) -> float:
        """Iterations finished per second over the last LIVE_WINDOW_S (or since the start, when sooner)."""
        now = time.monotonic() if now is None else now
        since = max(now - LIVE_WINDOW_S, self.started_at)
        if now <= since:
            return 0.0
        samples, recent = self.samples, 0
        index = len(samples) - 1
        while index >= 0 and samples[index].finished_at >= since:  # newest last: stop at the first older one
            recent += 1
            index -= 1
        return recent / (now - since)
