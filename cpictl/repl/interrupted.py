"""Ctrl-C during a call, in words: the CPI's process group was killed — and, when the CPI had already answered
(a create_vm result, then a hang), which cloud IDs its answer left in the journal.

The session journals an interrupted call's answer like any finished one (cpictl.session), but silently. This
module finds what that kept by reading the journal after the call: the IDs created under the call's request_id,
and the IDs named in its arguments that it deleted, attached or detached (compared with a look taken before the
call). The lines read like the `+ created …` lines of a finished call, as the `--timeout` path shows them: a VM
the screen never mentioned is a VM nobody deletes.
"""

from __future__ import annotations

from typing import Any

from cpictl.protocol.catalogue import get_method
from cpictl.store import CloudIdStore, StoreError, StoreState
from cpictl.transport import CpiInterrupted, RunResult

INTERRUPTED = "interrupted; the CPI's process group was killed"
ANSWERED = "interrupted after the CPI had answered (it had not exited); its process group was killed"

Named = dict[tuple[str, str], tuple[bool, str | None]]  # (kind, cid) in the arguments -> (live, attached to)


class CallInterrupted(CpiInterrupted):
    """Ctrl-C during a call typed at the prompt; `kept` lists what the CPI's answer left in the journal."""

    def __init__(self, result: RunResult, kept: list[str]) -> None:
        super().__init__(result)
        self.kept = kept


def named_ids(store: CloudIdStore, request: Any) -> Named | None:
    """Before a call that deletes or relates IDs: the state of the IDs its arguments name (None: nothing to
    compare, or the journal cannot be read now — then only created IDs are reported)."""
    spec = get_method(request.method)
    if spec is None or not (spec.deletes or spec.relation):
        return None
    try:
        state = store.replay()
    except StoreError:
        return None
    return _named(state, request)


def _named(state: StoreState, request: Any) -> Named:
    spec = get_method(request.method)
    params = spec.params_for(request.api_version) if spec is not None else []
    named: Named = {}
    for param, value in zip(params, request.arguments, strict=False):
        if param.kind is not None and isinstance(value, str):
            record = state.get(value, param.kind)
            key = (str(param.kind), value)
            named[key] = (record.is_live, record.attached_to) if record is not None else (False, None)
    return named


def kept_in_journal(store: CloudIdStore, request: Any, before: Named | None) -> list[str]:
    """What the interrupted call's answer changed in the journal, one `+ created …` line each."""
    from cpictl.render.terminal_text import one_line as shown

    try:
        state = store.replay()
    except StoreError:
        return []
    request_id = request.context.get("request_id")
    lines = [f"+ created {record.kind} {shown(record.cid)} (kept in the journal)" for record in state.records
             if request_id and record.request_id == request_id and record.method == request.method]
    after = _named(state, request)
    for (kind, cid), (was_live, was_attached_to) in (before or {}).items():
        is_live, attached_to = after.get((kind, cid), (False, None))
        record = state.get(cid, kind)
        if was_live and not is_live and record is not None and record.deleted_by == request.method:
            lines.append(f"- deleted {kind} {shown(cid)} (recorded in the journal)")
        elif kind == "disk" and is_live and attached_to != was_attached_to:
            lines.append(f"⇄ attached disk {shown(cid)} to vm {shown(attached_to)} (recorded in the journal)"
                         if attached_to else
                         f"⇄ detached disk {shown(cid)} from vm {shown(was_attached_to or '')} (recorded in the "
                         "journal)")
    return lines


def interruption_report(interrupted: CpiInterrupted) -> list[str]:
    """The lines that say what Ctrl-C did: the kill, whether the CPI had answered, and what that answer kept."""
    if not interrupted.result.stdout.strip():
        return [INTERRUPTED]
    return [ANSWERED, *getattr(interrupted, "kept", [])]
