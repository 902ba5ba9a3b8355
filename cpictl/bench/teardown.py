"""Deleting what a bench created, with `cpictl cleanup`'s own machinery (`cpictl.cleanup`): the same dependency
order (detach, snapshots, disks, VMs, stemcells, networks), the same NotFound-means-gone rule, the same holding
back of what a failed call may still need.

Only the bench's own IDs are planned — those its calls reported creating (`Tally.created`), still live in the
journal — never another ID the session holds. They are deleted through the bench's target, the CPI that made
them, as many at once as the load ran (each method's calls together, the methods in order: `run_cleanup`); Ctrl-C
stops the cleanup, and the summary says what is left.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from cpictl.bench.report import Teardown
from cpictl.cleanup import CleanupRow, PlannedCall, plan_cleanup, recorded_target, run_cleanup

if TYPE_CHECKING:
    from cpictl.protocol.kinds import CloudIdKind
    from cpictl.session import Target
    from cpictl.store import CloudIdStore


def bench_cleanup_plan(store: CloudIdStore, created: Iterable[tuple[CloudIdKind, str]]) -> list[PlannedCall]:
    """The calls that delete the bench's IDs still live, in dependency order."""
    mine = set(created)
    return [planned for planned in plan_cleanup(store.replay())
            if (planned.record.kind, planned.record.cid) in mine]


def run_bench_cleanup(plan: list[PlannedCall], store: CloudIdStore, target: Target, *,
                      concurrency: int = 1) -> Iterator[CleanupRow]:
    """Make the planned calls (see `cpictl.cleanup.run_cleanup`), each through the bench's target, `concurrency`
    at once within each method, as the load ran them."""
    import threading

    return run_cleanup(plan, store, recorded_target(target, override=True), concurrency=concurrency,
                       stop=threading.Event())


def count_row(row: CleanupRow, teardown: Teardown) -> None:
    if row.outcome in ("deleted", "detached"):
        teardown.deleted += row.outcome == "deleted"
    elif row.outcome == "already gone":
        teardown.already_gone += 1
    else:
        teardown.failed += 1


def still_live(store: CloudIdStore, created: Iterable[tuple[CloudIdKind, str]]) -> list[tuple[str, str]]:
    """(kind, cid) of the bench's IDs the journal still holds live, oldest first."""
    mine = set(created)
    return [(str(record.kind), record.cid) for record in store.replay().records
            if record.is_live and (record.kind, record.cid) in mine]
