"""Opening a session as every command does: finish the calls an interrupted cpictl left behind, and say so.

A cpictl killed while its CPI ran leaves the call pending, with the CPI's answer (often) waiting in the spool
(`cpictl.store.interrupted`). The first command to open the session afterwards finishes it and tells the user on
stderr, in one line per call, what became of it: journalled IDs, a CPI still running, or a call that may have
created something nobody has an ID for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cpictl.cli.output import error_message
from cpictl.render.open_calls_view import describe_call


def open_store(journal: Path, state: Any = None) -> Any:
    """The session's store, its interrupted calls finished and reported. `state`: a replay the caller has."""
    from cpictl.store import CloudIdStore

    store = CloudIdStore(journal)
    finish_interrupted_calls(store, state)
    return store


def finish_interrupted_calls(store: Any, state: Any = None) -> None:
    """Finish and report them; a journal that cannot take their answers now is said, not fatal: the answers stay
    in the spool for the next command, and the command goes on (`cpictl ids` still lists what it can read)."""
    from cpictl.store import StoreError
    from cpictl.store.interrupted import settle_interrupted_calls

    try:
        settlement = settle_interrupted_calls(store, state)
    except (StoreError, OSError) as error:
        error_message(f"interrupted calls could not be finished: {error}. Their answers stay in the spool "
                      f"({store.spool.directory}) until a command can write the journal", "warning", "yellow")
        return
    for finished in settlement.finished:
        _report(finished)
    for path in settlement.kept_files:
        error_message(f"{path} holds a CPI answer no journal line names (was the journal replaced?); it is kept: "
                      "look at it before deleting it", "warning", "yellow")


def _report(finished: Any) -> None:
    what = f"an interrupted {describe_call(finished.call)}"
    if finished.what == "running":
        pids = f" (pid {', '.join(map(str, finished.pids))})" if finished.pids else ""
        error_message(f"{what} is still running{pids}; the next command that opens this session journals its "
                      "answer", "note", "yellow")
        return
    if finished.what == "unanswered":
        error_message(f"{what}: {finished.reason}. It may have created something: look in the IaaS for it; "
                      f"`cpictl ids` lists it with its request, `cpictl ids forget {finished.call.call}` once done",
                      "warning", "yellow")
        return
    changed = [f"{kind} {cid}" for kind, cid in finished.created]
    changed += [f"deleted {kind} {cid}" for kind, cid in finished.deleted]
    changed += [finished.relation] if finished.relation else []
    verdict = f"; its answer breaks the contract ({', '.join(finished.violations)})" if finished.violations else ""
    summary = ", ".join(changed) if changed else f"nothing changed ({finished.reason or 'no ID in the answer'})"
    held = (f"; its output is still held open by pid {', '.join(map(str, finished.pids))} (a process the CPI left "
            "behind?)") if finished.pids else ""
    error_message(f"{what} answered: journalled {summary}{verdict}{held}", "note", "yellow")
