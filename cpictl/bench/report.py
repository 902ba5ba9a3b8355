"""The bench's summary, and its machine-readable form (`-o json|yaml`). The keys, all numbers in seconds:

    method | recipe        what each iteration did (the other is null)
    target                the CPI, as every view names it
    plan                  {count, duration_s, concurrency}: what was asked (count or duration_s may be null)
    count                 iterations finished: ok + errors (interrupted calls are not among them)
    ok, errors            of those, how many succeeded and how many did not
    errors_by_status      {cpi-error, misbehaved, failed}: failed is a recipe's unmet expectation
    errors_by_type        [{type, ok_to_retry, count, example}]: the CPI's error type, or the code of a misbehaving
                          call's first error verdict; example is the first message, secrets masked
    errors_by_ok_to_retry {true, false}: the CPI errors counted by the flag the director retries on
    calls                 CPI calls made (a recipe iteration makes several)
    interrupted           calls stopped before they answered (Ctrl-C, SIGTERM)
    elapsed_s             from the first launch to the last call's end
    throughput_per_s      count / elapsed_s
    latency_s             {count, min, p50, p90, p99, max, mean}: of each call, spawn to reap (with --recipe, of
                          each iteration, wall time)
    histogram             [{from_s, to_s, count}]: the same latencies in at most 8 bins
    verdicts              [{code, severity, count}]: the contract check's verdicts over every call
    created               {kind: n}: cloud IDs the bench's calls created, every one journalled
    cleanup               {kept, deleted_by_calls, deleted, already_gone, failed, left: [{kind, cid}], unanswered}:
                          what became of them — deleted by the bench's own calls (a recipe's finally steps), by
                          the cleanup, found gone, failed to delete; left lists what is still live, unanswered
                          counts the calls that may have created something without giving its ID
    stopped               null, or why the bench ended early (interrupted, terminated, hung up, an error)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from cpictl.bench.load import LoadPlan
from cpictl.bench.samples import STOPPING_SIGNALS, Tally
from cpictl.bench.stats import Bin, LatencySummary, histogram, summarize

ERROR_STATUSES = ("cpi-error", "misbehaved", "failed")


@dataclass(frozen=True)
class ErrorKind:
    type: str
    ok_to_retry: bool | None
    count: int
    example: str


@dataclass
class Teardown:
    """What became of the IDs the bench created (`cpictl.bench.teardown` fills it)."""

    kept: bool = False
    deleted_by_calls: int = 0  # deleted before the cleanup, by the bench's own calls (a recipe's finally steps)
    deleted: int = 0
    already_gone: int = 0
    failed: int = 0
    left: list[tuple[str, str]] = field(default_factory=list)  # (kind, cid) still live
    unanswered: int = 0
    problem: str = ""  # why the cleanup stopped early, when it did

    def as_dict(self) -> dict[str, Any]:
        return {"kept": self.kept, "deleted_by_calls": self.deleted_by_calls, "deleted": self.deleted,
                "already_gone": self.already_gone, "failed": self.failed,
                "left": [{"kind": kind, "cid": cid} for kind, cid in self.left], "unanswered": self.unanswered}


@dataclass
class BenchReport:
    method: str | None
    recipe: str | None
    target: str
    plan: LoadPlan
    count: int
    ok: int
    errors_by_status: dict[str, int]
    errors: list[ErrorKind]
    calls: int
    interrupted: int
    elapsed_s: float
    latency: LatencySummary
    bins: list[Bin]
    verdicts: list[tuple[str, str, int]]  # (code, severity, count), most frequent first
    created: dict[str, int]
    teardown: Teardown = field(default_factory=Teardown)
    stopped: str | None = None

    @property
    def error_count(self) -> int:
        return self.count - self.ok

    @property
    def throughput(self) -> float:
        return self.count / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def by_ok_to_retry(self) -> dict[str, int]:
        counts = {"true": 0, "false": 0}
        for kind in self.errors:
            if kind.ok_to_retry is not None:
                counts["true" if kind.ok_to_retry else "false"] += kind.count
        return counts

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method, "recipe": self.recipe, "target": self.target,
            "plan": {"count": self.plan.count, "duration_s": self.plan.duration_s,
                     "concurrency": self.plan.concurrency},
            "count": self.count, "ok": self.ok, "errors": self.error_count,
            "errors_by_status": dict(self.errors_by_status),
            "errors_by_type": [{"type": kind.type, "ok_to_retry": kind.ok_to_retry, "count": kind.count,
                                "example": kind.example} for kind in self.errors],
            "errors_by_ok_to_retry": self.by_ok_to_retry,
            "calls": self.calls, "interrupted": self.interrupted,
            "elapsed_s": round(self.elapsed_s, 6), "throughput_per_s": round(self.throughput, 3),
            "latency_s": self.latency.as_dict(), "histogram": [b.as_dict() for b in self.bins],
            "verdicts": [{"code": code, "severity": severity, "count": n} for code, severity, n in self.verdicts],
            "created": dict(self.created), "cleanup": self.teardown.as_dict(), "stopped": self.stopped,
        }


def build_report(tally: Tally, plan: LoadPlan, *, target: str, method: str | None = None,
                 recipe: str | None = None, stopped_by_signal: bool = False) -> BenchReport:
    """The summary of a finished (or stopped) load. `stopped_by_signal`: Ctrl-C, SIGTERM or SIGHUP stopped it, so
    a call that died of one of them before answering was stopped too (`samples.STOPPING_SIGNALS`)."""
    samples = list(tally.samples)
    caught = [sample for sample in samples if sample.killed_by in STOPPING_SIGNALS] if stopped_by_signal else []
    if caught:
        samples = [sample for sample in samples if sample.killed_by not in STOPPING_SIGNALS]
    latencies = [sample.latency_s for sample in samples]
    statuses = Counter(sample.status for sample in samples)
    kinds: Counter[tuple[str, bool | None]] = Counter()
    examples: dict[tuple[str, bool | None], str] = {}
    for sample in samples:
        if not sample.ok:
            key = (sample.error_type or sample.status, sample.ok_to_retry)
            kinds[key] += 1
            examples.setdefault(key, sample.error_message)
    verdicts = Counter(code for sample in samples for code in sample.verdicts)
    created = Counter(str(kind) for kind, _ in dict.fromkeys(tally.created))
    end = tally.finished_at if tally.finished_at is not None else max(
        (sample.finished_at for sample in samples), default=tally.started_at)
    return BenchReport(
        method=method, recipe=recipe, target=target, plan=plan, count=len(samples), ok=statuses["ok"],
        errors_by_status={status: statuses[status] for status in ERROR_STATUSES},
        errors=[ErrorKind(error_type, retry, n, examples[(error_type, retry)])
                for (error_type, retry), n in kinds.most_common()],
        calls=sum(sample.calls for sample in samples), interrupted=len(tally.interrupted) + len(caught),
        elapsed_s=max(end - tally.started_at, 0.0), latency=summarize(latencies), bins=histogram(latencies),
        verdicts=[(code, severity, n) for (code, severity), n in verdicts.most_common()],
        created=dict(created))
