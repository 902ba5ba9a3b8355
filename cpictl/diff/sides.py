"""One side of `cpictl diff`: a recipe, or one call of a trace, run against one target in a session of its own.

Rules kept:
- A side runs in its own session (journal and trace), so every cloud ID it creates is journalled before it is
  shown, as any call's, and never mixes with the other side's or the user's: a `${vm}` in one side's steps can
  only mean a VM of that side.
- Every step runs, even after one has failed (as `cpictl run --keep-going`): the diff compares all of them. The
  recipe's finally steps run as in any run, also after a Ctrl-C.
- What a side's run left live in its session (a traced create, a recipe without finally steps, a delete that
  failed) is deleted by the cleanup machinery (`cpictl.cleanup`) through the side's own target, unless the caller
  keeps it. What is still there after that, and calls that may have created something without saying what, are
  the side's `leftovers` and `maybe`: the caller names them with the session that holds them. "This run's" is
  read from the journal (whatever the session did not hold before the run), never from the run's own account,
  which a second Ctrl-C can cut short; IDs an earlier diff kept (`--keep`) are left alone.
- A side "could not be compared" (`unusable`) when its CPI could not be started, or none of its calls got an
  answer cpictl could read (garbage, crashes, timeouts, a caller refusing every call): there is nothing to set
  beside the other side's answers.
- A Ctrl-C (or SIGTERM) ends the side after its finally steps; the run comes back marked `interrupted`, nothing
  is cleaned up beyond that (the user wants out), and the caller stops.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cpictl.session import CallOutcome, CallSession, Target
from cpictl.store import CloudIdStore

OnEvent = Callable[[Any], None]
OnLine = Callable[[str], None] | None


@dataclass
class Side:
    """Where one side runs: `letter` A or B, `label` what sets it apart ("api_version 1", "as create-env"),
    the target, and the journal of the side's own session (`session_option` names it on a command line:
    `--session default-diff-a`)."""

    letter: str
    label: str
    target: Target
    journal: Path
    session_option: str = ""

    @property
    def session(self) -> str:
        """The session's name (or, for a `--state` journal, its file) as a person reads it."""
        return self.session_option.split(" ", 1)[-1] if self.session_option else str(self.journal)


@dataclass
class SideStep:
    """One step as one side ran it: `entry` is its call as a trace entry (masked), None when nothing was sent.
    `status` is the recipe's verdict on the step (None for a traced call: no recipe judged it)."""

    key: str
    name: str
    method: str
    phase: str = "main"
    status: str | None = None
    reason: str | None = None
    failures: int = 0  # the recipe's expectations the answer did not meet
    entry: dict[str, Any] | None = None

    @property
    def answered(self) -> bool:
        return self.entry is not None and isinstance(self.entry.get("response"), dict)


@dataclass
class SideRun:
    side: Side
    steps: list[SideStep] = field(default_factory=list)
    status: str = "passed"  # the recipe run's status, or the call's outcome
    unusable: str | None = None
    interrupted: bool = False
    cleaned: list[Any] = field(default_factory=list)  # the cleanup's rows (`cpictl.cleanup.CleanupRow`)
    leftovers: list[tuple[str, str]] = field(default_factory=list)  # still live after everything
    maybe: list[str] = field(default_factory=list)  # calls that may have created something: `ids` lists them
    #: What the session held before the run (live cloud IDs, open calls): the rest is this run's, read from the
    #: journal itself — also when a second Ctrl-C left the run without a summary.
    before: set[str] = field(default_factory=set)


def check_recipe(recipe: Any, side: Side) -> None:
    """Everything the recipe's preflight finds for this side, before anything runs on either (RecipeError)."""
    from cpictl.recipes import RecipeRunner

    RecipeRunner(recipe, CallSession(side.target, CloudIdStore(side.journal)), keep_going=True)


def run_recipe(recipe: Any, side: Side, *, on_event: OnEvent | None = None,
               on_stderr_line: OnLine = None) -> SideRun:
    """Run the recipe on this side, every step and then its finally steps; each runner event goes to
    `on_event` as it comes (for live progress)."""
    from cpictl.recipes import RecipeRunner

    store = CloudIdStore(side.journal)
    run = SideRun(side, before=_held(store))
    with contextlib.ExitStack() as stack:
        target = side.target
        if target.registry is not None and target.registry.serve:  # as `cpictl run` serves it for such a target
            from cpictl.registry.server import registry_for

            target = stack.enter_context(registry_for(target, store.path)).attach(target)
        runner = RecipeRunner(recipe, CallSession(target, store), keep_going=True, on_stderr_line=on_stderr_line)
        try:
            for event in runner.events():
                if on_event is not None:
                    on_event(event)
        except KeyboardInterrupt:
            if runner.summary is None:  # it arrived while an event was handled: the finally steps still run
                for event in runner.abort():
                    if on_event is not None:
                        on_event(event)
            run.interrupted = True
    summary = runner.summary
    if summary is None:
        return run
    run.status = summary.status
    run.steps = [_recipe_step(row, target) for row in summary.rows]
    run.unusable = _unusable(run)
    return run


def _recipe_step(row: Any, target: Target) -> SideStep:
    outcome = row.outcome if row.status != "skipped" else None
    return SideStep(str(row.step.id), row.name, row.method, row.phase, row.status, row.reason, len(row.failures),
                    _entry(outcome, target) if outcome is not None else None)


def run_call(method: str, arguments: list[Any], side: Side, *, key: str, on_stderr_line: OnLine = None) -> SideRun:
    """Send one call (a trace's) on this side, as `trace replay` sends it."""
    from cpictl.traces.replay import replay
    from cpictl.transport import CpiNotRunnable

    store = CloudIdStore(side.journal)
    run = SideRun(side, before=_held(store))
    step = SideStep(key, key, method)
    run.steps = [step]
    try:
        outcome = replay(method, arguments, side.target, side.journal, store, on_stderr_line)
    except CpiNotRunnable as error:
        run.status, step.reason = "misbehaved", f"the CPI could not be started: {error}"
        run.unusable = step.reason
        return run
    except KeyboardInterrupt:
        run.interrupted = True
        return run
    step.entry = _entry(outcome, side.target)
    run.status = outcome.status
    run.unusable = _unusable(run)
    return run


def _entry(outcome: CallOutcome, target: Target) -> dict[str, Any]:
    from cpictl.traces.replay import outcome_entry

    return outcome_entry(outcome, target)


def _unusable(run: SideRun) -> str | None:
    """Why nothing of this side can be set beside the other's, or None (see the module docstring)."""
    unstarted = next((step for step in run.steps if step.status == "misbehaved" and step.entry is None), None)
    if unstarted is not None:
        return unstarted.reason or "the CPI could not be started"
    sent = [step for step in run.steps if step.entry is not None]
    if not sent or any(step.answered for step in sent):
        return None
    first = sent[0].entry or {}
    why = [str(v.get("message")) for v in first.get("violations") or [] if isinstance(v, dict)
           and v.get("severity") == "error"]
    what = "its one call got no answer" if len(sent) == 1 else f"none of its {len(sent)} calls got an answer"
    return f"{what} cpictl could read" + (f"; the first: {why[0]}" if why else "")


def _held(store: CloudIdStore) -> set[str]:
    state = store.replay()
    return {record.cid for record in state.live()} | {call.call for call in state.calls}


def clean_up(run: SideRun) -> None:
    """Delete what this run left live in its side's session, through the side's own target (see the module
    docstring)."""
    from cpictl.cleanup import plan_cleanup, recorded_target, run_cleanup

    store = CloudIdStore(run.side.journal)
    plan = [planned for planned in plan_cleanup(store.replay()) if planned.record.cid not in run.before]
    if plan:
        run.cleaned = list(run_cleanup(plan, store, recorded_target(run.side.target, override=True)))
    settle(run)


def settle(run: SideRun) -> None:
    """What the side's session still holds of this run: its live IDs, and calls that may have made something."""
    state = CloudIdStore(run.side.journal).replay()
    run.leftovers = [(str(record.kind), record.cid) for record in reversed(state.live())
                     if record.cid not in run.before]
    run.maybe = [f"{call.method}: {call.reason or call.status}" for call in state.calls
                 if call.call not in run.before]
