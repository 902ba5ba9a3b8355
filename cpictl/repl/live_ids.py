"""The session's live cloud IDs as completion candidates and toolbar counts, rebuilt only when the journal changes.

`CloudIdStore.replay()` hands back the very same `StoreState` object while the journal file is unchanged, so this
index keys its caches on that object: with 10,000 stored IDs a keystroke costs one `stat` and a prefix filter,
not a replay, a sort and 10,000 new `Completion`s. The "how long ago" part of each description is computed only
when prompt_toolkit draws it (a callable display_meta), so cached entries never go stale.

The disk of attach_disk/detach_disk is ordered by what the journal says the call can work on: for attach_disk the
disks attached to no VM, for detach_disk the disks attached to the VM given; the others follow, dimmed (their
description says where they are attached), because the call would most likely fail on them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from prompt_toolkit.completion import Completion
from prompt_toolkit.formatted_text import FormattedText

from cpictl.render.ids_view import ago
from cpictl.render.terminal_text import one_line
from cpictl.store import CloudIdStore, StoreError, StoreState


def _meta(method: str | None, imported: bool, created_at: str | None, attached_to: str | None) -> str:
    # Imported IDs (a create-env state file: the director's own VM …) stay offered but say so: `${kind}` skips them.
    created_by = "imported" if imported else (method or "created elsewhere")
    attached = f", attached to {attached_to}" if attached_to else ""
    return f"{created_by}, {ago(created_at)}{attached}"


class IdCompletion(Completion):
    """A Completion built without `Completion.__init__`'s generic conversions: a cloud ID is plain text, and a
    journal change rebuilds thousands of these at once (3× faster this way)."""

    def __init__(self, cid: str, start_position: int, display_meta: Any, style: str = "") -> None:
        self.text = cid
        self.start_position = start_position
        self._display_meta = display_meta
        self.display = FormattedText([("", one_line(cid))])  # a newline or tab in an ID must not break the menu
        self.style = style
        self.selected_style = ""


UNLIKELY = "fg:ansibrightblack"  # a candidate the call would most likely fail on


class LiveIdIndex:
    """Live IDs per kind, newest first, as ready-made completions; counts per kind for the toolbar. `store`: the
    session's store, or a function giving the one in use now (`:session` switches it; a new one replays anew)."""

    def __init__(self, store: CloudIdStore | Callable[[], CloudIdStore]) -> None:
        self._store = store if callable(store) else (lambda: store)
        self._state: StoreState | None = None
        self._entries: dict[str, list[IdCompletion]] = {}
        self._counts: dict[str, int] | None = None
        self._holders: dict[str, str | None] | None = None  # live disk -> the VM it is attached to

    def state(self) -> StoreState | None:
        """The replayed state (cached by the store); None when the journal cannot be read right now."""
        try:
            state = self._store().replay()
        except StoreError:
            return None
        if state is not self._state:
            self._state, self._entries, self._counts, self._holders = state, {}, None, None
        return state

    def completions(self, kind: str, prefix: str = "") -> list[Completion]:
        """Live IDs of one kind starting with `prefix`, newest first, each saying who created it and when."""
        if self.state() is None:
            return []
        entries = self._entries.get(kind)
        if entries is None:
            entries = self._entries[kind] = self._build(kind)
        if not prefix:
            return list(entries)  # a copy: prompt_toolkit's menu state must not share our cache
        start = -len(prefix)
        return [IdCompletion(c.text, start, c._display_meta) for c in entries if c.text.startswith(prefix)]

    def _build(self, kind: str) -> list[IdCompletion]:
        assert self._state is not None
        return [IdCompletion(r.cid, 0, partial(_meta, r.method, r.imported, r.created_at, r.attached_to))
                for r in self._state.live(kind)]

    def disks_for(self, relation: str, vm_cid: str | None, prefix: str = "") -> list[Completion]:
        """Disks for attach_disk ("attach": unattached ones first) or detach_disk ("detach": those attached to
        `vm_cid` first — to any VM when it is not known); the rest after them, dimmed. Newest first within each."""
        state = self.state()
        if state is None:
            return []
        if self._holders is None:
            self._holders = {record.cid: record.attached_to for record in state.live("disk")}
        holders = self._holders

        def fits(cid: str) -> bool:
            holder = holders.get(cid)
            if relation == "attach":
                return holder is None
            return holder is not None and (vm_cid is None or holder == vm_cid)

        disks = self.completions("disk", prefix)
        first = [c for c in disks if fits(c.text)]
        rest = [IdCompletion(c.text, c.start_position, getattr(c, "_display_meta", ""), UNLIKELY)
                for c in disks if not fits(c.text)]
        return first + rest

    def latest(self, kind: str) -> str | None:
        """What `${kind}` names now: the newest live ID that was not imported from a state file."""
        from cpictl.store.references import kind_reference_target

        state = self.state()
        record = kind_reference_target(state, kind) if state is not None else None
        return record.cid if record else None

    def counts(self) -> dict[str, int]:
        """Live IDs per kind (kinds with none left out), in the order kinds are declared."""
        state = self.state()
        if state is None:
            return {}
        if self._counts is None:
            counts: dict[str, int] = {}
            for record in state.records:
                if record.is_live:
                    counts[record.kind.value] = counts.get(record.kind.value, 0) + 1
            self._counts = counts
        return self._counts
