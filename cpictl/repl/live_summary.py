"""The session's live cloud IDs in one line: in the banner when the REPL starts on a session that holds some, and
when the REPL is left with IDs it created still live.

On leaving, the line appears only when IDs created while this REPL ran are still live (the loop takes
`live_identities` when it starts): the banner already named the older ones on the way in, and a line printed on
every exit from a long-lived session soon stops being read. It still says how many older ones there are, because
`cpictl cleanup` deletes those too. A journal that cannot be read says nothing here; the next call reports it.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable

from cpictl.protocol.kinds import KIND_NAMES
from cpictl.repl.state import ReplState
from cpictl.store import CloudIdRecord, CloudIdStore, StoreError

# A CID created again (a seeded reference CPI hands the same IDs out) is a new life: its request_id differs.
Identity = tuple[str, str, str | None, str | None]


def _identity(record: CloudIdRecord) -> Identity:
    return record.kind.value, record.cid, record.request_id, record.created_at


def _live(store: CloudIdStore) -> list[CloudIdRecord] | None:
    try:
        return store.replay().live()
    except StoreError:
        return None


def live_identities(store: CloudIdStore) -> frozenset[Identity]:
    """The live IDs now, to tell on leaving which ones this REPL created."""
    return frozenset(_identity(record) for record in _live(store) or [])


def count_phrase(records: Iterable[CloudIdRecord]) -> str:
    """`1 stemcell, 2 vms`: live IDs by kind, in the order kinds are declared."""
    counts: dict[str, int] = {}
    for record in records:
        counts[record.kind.value] = counts.get(record.kind.value, 0) + 1
    return ", ".join(f"{counts[kind]} {kind}{'s' if counts[kind] > 1 else ''}" for kind in KIND_NAMES
                     if kind in counts)


def cleanup_command(state: ReplState, command: str = "cleanup") -> str:
    """The `cpictl cleanup` (or `cpictl COMMAND`) line for this REPL's journal: by session name, or by file when
    `--state` chose it."""
    label = state.session_label
    option = "--state" if label == str(state.store.path) else "--session"
    return f"cpictl {command} {option} {shlex.quote(label)}"


def ids_command(state: ReplState) -> str:
    """The `cpictl ids` line for this REPL's journal (`:save` names it when there is nothing to save)."""
    return cleanup_command(state, "ids")


def banner_line(state: ReplState) -> str | None:
    """For the banner: the session's live IDs, when it has any."""
    live = _live(state.store)
    if not live:
        return None
    return f"live in session {state.session_label}: {count_phrase(live)} — :ids lists them, :cleanup deletes them"


def leaving_line(state: ReplState, at_start: frozenset[Identity]) -> str | None:
    """On leaving: the IDs this REPL created that are still live, and how to delete them; None when there are
    none."""
    live = _live(state.store) or []
    mine = [record for record in live if _identity(record) not in at_start]
    if not mine:
        return None
    older = len(live) - len(mine)
    more = f" (and {older} older live ID{'s' if older > 1 else ''})" if older else ""
    return (f"left live in session {state.session_label}: {count_phrase(mine)}{more} — "
            f"`{cleanup_command(state)}` deletes them, as :cleanup does in a REPL on this session")
