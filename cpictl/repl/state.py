"""The REPL's small state: the target with its sticky settings, the session store, how calls are shown (`:set
output`, `:set detail`), the last call and this session's history of calls (what `:save` turns into a recipe).

Sticky settings (api_version, stemcell_api_version, context, timeout, the CPI) live in `target` itself: a
`Target` is immutable, so each change replaces it and every call records the exact target it ran against.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any

from cpictl.protocol.catalogue import CloudIdChanges, cloud_id_changes, get_method
from cpictl.render.detail import NORMAL, Detail
from cpictl.session import REFERENCE_CPI_LABEL, CallOutcome, Target, reference_cpi_argv
from cpictl.store import CloudIdStore

_CONTEXT_OWN_KEYS = frozenset({"director_uuid", "request_id", "vm"})  # what build_context adds itself


@dataclass(frozen=True)
class HistoryEntry:
    """One finished call of this session, as `:save` needs it: what was sent, where, and how it ended."""

    method: str
    arguments: list[Any]  # as sent: bound to the parameters, defaults filled, references resolved
    target: Target
    cwd: str  # the directory the CPI ran in
    status: str  # ok | cpi-error | misbehaved
    error_type: str | None
    changes: CloudIdChanges
    source: str = "call"  # call | recipe | cleanup

    @property
    def api_version(self) -> int | None:
        return self.target.api_version

    @classmethod
    def from_outcome(cls, outcome: CallOutcome, target: Target, source: str = "call") -> HistoryEntry:
        """What was really sent wins over the target: a recipe step may override versions and context."""
        error = outcome.decoded.error if outcome.decoded else None
        request = outcome.request
        sent = replace(target, api_version=request.api_version, context=_extra_context(request.context, target))
        spec = get_method(request.method)
        if spec is not None and spec.stemcell_context:
            stemcell = (request.context.get("vm") or {}).get("stemcell") or {}
            sent = replace(sent, stemcell_api_version=stemcell.get("api_version"))
        return cls(request.method, list(request.arguments), sent, target.cwd or os.getcwd(), outcome.status,
                   error.type if error else None, outcome.changes, source)

    @classmethod
    def from_cleanup(cls, method: str, arguments: list[Any], target: Target) -> HistoryEntry:
        """A call `:cleanup` made and that succeeded: it changed the IDs the catalogue says it changes."""
        spec = get_method(method)
        changes = cloud_id_changes(spec, arguments, None, target.api_version, True) if spec else CloudIdChanges()
        return cls(method, list(arguments), target, target.cwd or os.getcwd(), "ok", None, changes, "cleanup")


def _extra_context(sent: dict[str, Any], target: Target) -> dict[str, Any]:
    """The context keys beyond the director's own. Dotted keys arrive nested, which is the same on the wire; a
    key under `vm` cannot be told apart from the stemcell version, so then the target's keys are taken as they are."""
    if any(key.split(".")[0] in _CONTEXT_OWN_KEYS for key in target.context):
        return dict(target.context)
    return {key: value for key, value in sent.items() if key not in _CONTEXT_OWN_KEYS}


@dataclass
class LastCall:
    """The last call typed at the prompt, for `:again`, `:last`, `:log` and `:stderr`."""

    method: str
    arguments: Any  # resolved, as given (list or mapping), so `:again` can bind them at the current api_version
    target: Target
    outcome: CallOutcome | None  # None when it was interrupted
    interrupted_stderr: bytes = b""  # what the CPI wrote before Ctrl-C stopped it


@dataclass
class ReplState:
    """Everything the REPL remembers between lines; handlers change it, the toolbar and completer read it."""

    target: Target
    store: CloudIdStore
    session_label: str = "default"
    last: LastCall | None = None
    history: list[HistoryEntry] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)  # values `:run` recipes saved, for `${name}`
    registry: Any = None  # the embedded registry (`--registry`), whose requests each call shows
    output: str = "table"  # `:set output`: table | json | yaml (cpictl.repl.call_output)
    detail: Detail = NORMAL  # `:set detail`: quiet | normal | verbose

    def set_target(self, **changes: Any) -> None:
        self.target = replace(self.target, **changes)

    def use_reference_cpi(self) -> None:
        self.set_target(argv=reference_cpi_argv(), label=REFERENCE_CPI_LABEL, name=None)

    def remember(self, outcome: CallOutcome, target: Target, source: str = "call") -> None:
        self.history.append(HistoryEntry.from_outcome(outcome, target, source))


def target_summary(target: Target) -> str:
    """The target in a few words, as `:env` and `:target` name it (the toolbar names it shorter: `toolbar`)."""
    return "bundled reference CPI" if target.is_reference else target.display
