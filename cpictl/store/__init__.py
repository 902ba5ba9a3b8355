"""Layer 2: the cloud-ID store — every cloud ID a CPI hands out is journalled before it is shown.

`CloudIdStore` appends to a per-session JSONL journal (`journal`), derives `StoreState` by replaying it (`state`),
imports `bosh create-env` state files (`createenv`). `references` resolves `${...}` in recipe and REPL values;
import it from `cpictl.store.references` (it is not loaded here, to keep start-up light).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # type checkers see the real names; at run time they load on first use
    from cpictl.store.createenv import ImportReport
    from cpictl.store.errors import InvalidSessionName, StoreError
    from cpictl.store.paths import DEFAULT_SESSION, check_session_name, default_journal_path, session_names
    from cpictl.store.state import CloudIdRecord, StoreState
    from cpictl.store.store import CloudIdStore

# Names are loaded on first use (PEP 562): `cpictl call info` only needs the journal's path, not the store.
_EXPORTS = {
    "ImportReport": "cpictl.store.createenv",
    "InvalidSessionName": "cpictl.store.errors",
    "StoreError": "cpictl.store.errors",
    "DEFAULT_SESSION": "cpictl.store.paths",
    "check_session_name": "cpictl.store.paths",
    "default_journal_path": "cpictl.store.paths",
    "session_names": "cpictl.store.paths",
    "CloudIdRecord": "cpictl.store.state",
    "StoreState": "cpictl.store.state",
    "CloudIdStore": "cpictl.store.store",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'cpictl.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_SESSION",
    "CloudIdRecord",
    "CloudIdStore",
    "ImportReport",
    "InvalidSessionName",
    "StoreError",
    "StoreState",
    "check_session_name",
    "default_journal_path",
    "session_names",
]
