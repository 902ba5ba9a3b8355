"""Shell completion for the CLI (typer/click's own machinery): method names, and for `call`, the session's live
cloud IDs of the kind the next argument slot takes — `cpictl call delete_vm <Tab>` offers VM IDs only; for
`metadata show` the session's VMs, for `ids forget` every live ID.

Completion must never fail loudly: any problem reading the session just yields no suggestions.
"""

from __future__ import annotations

import os
from typing import Any


def complete_method(incomplete: str) -> list[tuple[str, str]]:
    from cpictl.protocol.catalogue import METHODS

    return [(name, spec.summary) for name, spec in METHODS.items() if name.startswith(incomplete)]


def complete_call_argument(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    """IDs of the slot's kind (newest first, with who created them), or parameter names for `name=`."""
    from cpictl.protocol.catalogue import get_method

    spec = get_method(ctx.params.get("method") or "")
    if spec is None:
        return []
    params = spec.params_for(2)
    if "=" in incomplete or not params:
        return []
    slot = len(ctx.params.get("args") or [])  # click leaves the word being completed out of the parsed args
    names = [(f"{p.name}=", p.help) for p in params if f"{p.name}=".startswith(incomplete) and incomplete]
    if slot >= len(params) or params[slot].kind is None:
        return names
    return _live_ids(ctx, str(params[slot].kind), incomplete) + names


def complete_vm_id(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    return _live_ids(ctx, "vm", incomplete)


def complete_live_id(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    """Every live ID, and the calls that may have created something (`ids forget` dismisses those too)."""
    return _live_ids(ctx, None, incomplete, calls=True)


def _live_ids(ctx: Any, kind: str | None, incomplete: str, *, calls: bool = False) -> list[tuple[str, str]]:
    try:
        from cpictl.cli.options import journal_path
        from cpictl.store import CloudIdStore

        session = ctx.params.get("session") or os.environ.get("CPICTL_SESSION")
        state = CloudIdStore(journal_path(session, ctx.params.get("state"))).replay()
        offered = [(record.cid, f"{'' if kind else f'{record.kind} '}"
                                f"{'imported' if record.imported else record.method or '-'} {record.created_at or ''}"
                    .strip()) for record in state.live(kind) if record.cid.startswith(incomplete)]
        if calls:
            offered += [(c.call, f"{c.method} that may have created something ({c.reason})") for c in state.calls
                        if c.status == "unanswered" and c.call.startswith(incomplete)]
        return offered
    except Exception:  # a broken journal must not break the user's shell
        return []


def complete_target_name(incomplete: str) -> list[tuple[str, str]]:
    """The named targets of the config files (`--target`, `target show|use|remove|doctor`), with where each is
    defined."""
    from cpictl.targets.config import target_names

    return [(name, about) for name, about in target_names() if name.startswith(incomplete)]
