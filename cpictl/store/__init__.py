"""Layer 2: the cloud-ID store — every cloud ID a CPI hands out is journalled before it is shown.

`CloudIdStore` appends to a per-session JSONL journal (`journal`), derives `StoreState` by replaying it (`state`),
imports `bosh create-env` state files (`createenv`). `references` resolves `${...}` in recipe and REPL values;
import it from `cpictl.store.references` (it is not loaded here, to keep start-up light).
"""

from cpictl.store.createenv import ImportReport
from cpictl.store.errors import InvalidSessionName, StoreError
from cpictl.store.paths import DEFAULT_SESSION, check_session_name, default_journal_path
from cpictl.store.state import CloudIdRecord, StoreState
from cpictl.store.store import CloudIdStore

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
]
