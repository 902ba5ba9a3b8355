"""The session's live cloud IDs in a few lines: counted in the banner when the REPL starts on a session that holds
some, named when the REPL is left (or switched to another session with `:session`) while some are live.

Leaving names every live ID of the session, whoever created it — this REPL, an earlier one, a recipe, `cpictl
call` — because the journal knows them all and `cpictl cleanup` deletes them all: one line per kind, IDs whole,
newest first, then the command. A kind with more than NAMED_PER_KIND is cut there and points at `cpictl ids`: a
session of thousands of IDs must not flood the way out. A journal that cannot be read says nothing here; the next
call reports it.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable

from cpictl.protocol.kinds import KIND_NAMES
from cpictl.repl.state import ReplState
from cpictl.store import CloudIdRecord, CloudIdStore, StoreError, StoreState

NAMED_PER_KIND = 10


def _state(store: CloudIdStore) -> StoreState | None:
    try:
        return store.replay()
    except StoreError:
        return None


def count_phrase(records: Iterable[CloudIdRecord]) -> str:
    """`1 stemcell, 2 vms`: live IDs by kind, in the order kinds are declared."""
    counts: dict[str, int] = {}
    for record in records:
        counts[record.kind.value] = counts.get(record.kind.value, 0) + 1
    return ", ".join(f"{counts[kind]} {kind}{'s' if counts[kind] > 1 else ''}" for kind in KIND_NAMES
                     if kind in counts)


def journal_option(label: str, store: CloudIdStore) -> str:
    """`--session NAME`, or `--state FILE` when the REPL was started on a file."""
    option = "--state" if label == str(store.path) else "--session"
    return f"{option} {shlex.quote(label)}"


def cleanup_command(state: ReplState, command: str = "cleanup") -> str:
    """The `cpictl cleanup` (or `cpictl COMMAND`) line for this REPL's journal: by session name, or by file when
    `--state` chose it."""
    return f"cpictl {command} {journal_option(state.session_label, state.store)}"


def ids_command(state: ReplState) -> str:
    """The `cpictl ids` line for this REPL's journal (`:save` names it when there is nothing to save)."""
    return cleanup_command(state, "ids")


def banner_line(state: ReplState) -> str | None:
    """For the banner: the session's live IDs, when it has any."""
    store_state = _state(state.store)
    live = store_state.live() if store_state is not None else []
    if not live:
        return None
    return f"live in session {state.session_label}: {count_phrase(live)} — :ids lists them, :cleanup deletes them"


def live_id_lines(label: str, store: CloudIdStore, verb: str = "left live") -> list[str]:
    """`left live in session NAME — `cpictl cleanup --session NAME` deletes them:`, then `  vm  vm-1` and the
    kind's other IDs under it; no lines when nothing is live (or the journal cannot be read)."""
    store_state = _state(store)
    if store_state is None or not store_state.live():
        return []
    option = journal_option(label, store)
    lines = [f"{verb} in session {label} — `cpictl cleanup {option}` deletes them:"]
    width = max(len(kind) for kind in KIND_NAMES)
    for kind in KIND_NAMES:
        records = store_state.live(kind)
        if not records:
            continue
        named = [record.cid + (" (imported)" if record.imported else "") for record in records[:NAMED_PER_KIND]]
        more = len(records) - len(named)
        if more:
            named.append(f"… and {more} more (`cpictl ids {option}` lists them)")
        # one ID a line, under each other: an ID is copied whole, and a terminal would break a second one anywhere
        lines += [f"  {(kind if index == 0 else '').ljust(width)}  {text}" for index, text in enumerate(named)]
    if store_state.calls:
        count = len(store_state.calls)
        lines.append(f"  and {count} call{'s' if count > 1 else ''} not settled (it may have created something): "
                     f"`cpictl ids {option}` shows {'them' if count > 1 else 'it'}")
    return lines


def leaving_lines(state: ReplState) -> list[str]:
    """On leaving: every live ID of the session, and how to delete them; none when nothing is live."""
    return live_id_lines(state.session_label, state.store)
