"""The load: `concurrency` worker threads, each running iterations one after another until the count is reached,
the time is up, or the bench is told to stop. A CPI is a process per call, as the director runs it, so threads
are enough to keep C processes running at once; the Python around each call is short.

How a bench stops (the CLI decides when, on Ctrl-C or a signal):

- `stop_launching()`: no worker starts another iteration; the running ones finish and are counted.
- `kill_running()`: also stops the running calls as Ctrl-C stops `cpictl call`'s — SIGTERM to the CPI's process
  group, SIGKILL after a grace — through the session's `stop` event; what they answered is journalled
  (`CallSession` does that before it raises CpiInterrupted), then the worker ends.

What stops a worker by itself stops them all: a CPI that cannot be started, a journal that cannot take an entry
(StoreError), a bug. The first such error is kept in `fatal` for the CLI to report once the others are done.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cpictl.bench.samples import Sample, Tally


@dataclass(frozen=True)
class LoadPlan:
    """How much load: `count` iterations (None: no limit), for at most `duration_s` (None: no limit), with
    `concurrency` at once. At least one of the two limits is set."""

    count: int | None
    duration_s: float | None
    concurrency: int


class Load:
    """The worker threads of one bench. `start`, then `wait` until `done`; `stop_launching` and `kill_running`
    may be called from the main thread at any time."""

    def __init__(self, iteration: Callable[[], Sample], plan: LoadPlan, tally: Tally,
                 stop: threading.Event) -> None:
        self.iteration = iteration
        self.plan = plan
        self.tally = tally
        self.stop = stop  # the session's: set, it stops the calls running in every thread
        self.launching = threading.Event()
        self.fatal: BaseException | None = None
        self.deadline: float | None = None
        self._numbers = itertools.count()  # next() is atomic: two workers never take the same iteration
        self._in_flight = 0
        self._alive = 0
        self._lock = threading.Lock()
        self._done = threading.Event()

    @property
    def in_flight(self) -> int:
        """Iterations running now."""
        return self._in_flight

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def start(self) -> None:
        self.tally.started_at = time.monotonic()
        if self.plan.duration_s is not None:
            self.deadline = self.tally.started_at + self.plan.duration_s
        self.launching.set()
        self._alive = self.plan.concurrency  # all counted first: a quick worker must not find itself the last
        started = 0
        try:
            for number in range(self.plan.concurrency):
                # not daemons: should the main thread fail, the interpreter still waits for the calls to be journalled
                threading.Thread(target=self._work, name=f"bench-worker-{number + 1}").start()
                started += 1
        except BaseException:  # no thread to be had, or Ctrl-C right now: those not started never end
            self.launching.clear()
            with self._lock:
                self._alive -= self.plan.concurrency - started
                if self._alive == 0:
                    self.tally.finished_at = time.monotonic()
                    self._done.set()
            raise

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for every worker to end; True once they all have. Ctrl-C interrupts it,
        and it can be called again afterwards (an Event, not a thread join, so nothing is left half-waited)."""
        return self._done.wait(timeout)

    def stop_launching(self) -> None:
        self.launching.clear()

    def kill_running(self) -> None:
        self.launching.clear()
        self.stop.set()

    def _claim(self) -> bool:
        """Whether this worker may start another iteration (and, if so, it is counted as running)."""
        if not self.launching.is_set() or self.stop.is_set():
            return False
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return False
        if self.plan.count is not None and next(self._numbers) >= self.plan.count:
            return False
        with self._lock:
            self._in_flight += 1
        return True

    def _work(self) -> None:
        try:
            while self._claim():
                try:
                    sample = self.iteration()
                finally:
                    with self._lock:
                        self._in_flight -= 1
                self.tally.add(sample)
        except KeyboardInterrupt:  # CpiInterrupted: the session journalled what the stopped call answered
            pass
        except BaseException as error:  # a CPI that cannot start, a journal that cannot take an ID, a bug
            with self._lock:
                if self.fatal is None:
                    self.fatal = error
            self.launching.clear()
        finally:
            with self._lock:
                self._alive -= 1
                if self._alive == 0:
                    self.tally.finished_at = time.monotonic()
                    self._done.set()
