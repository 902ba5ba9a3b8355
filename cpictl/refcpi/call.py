"""What a method handler receives: the bound arguments, the versions in play, the environment and the state.

A handler is `f(call) -> result`. Handlers that keep resources run inside the state transaction, so `call.state` is
the locked, loaded state.json and `call.store` writes side files (user-metadata, registry) under the same lock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cpictl.protocol.agent_settings import stemcell_api_version_from_context
from cpictl.refcpi import config
from cpictl.refcpi.failures import CpiFailure
from cpictl.refcpi.ids import IdSource
from cpictl.refcpi.state import StateStore


@dataclass
class Call:
    """One request, validated: `arguments` are complete (catalogue defaults filled in)."""

    method: str
    arguments: list[Any]
    api_version: int  # the request's api_version; absent means 1, as both libraries read it
    context: dict[str, Any]
    env: Mapping[str, str]
    store: StateStore
    state: dict[str, Any] = field(default_factory=dict)
    log: Callable[[str], None] | None = None  # the call's log (stderr and the response's `log`)

    @property
    def v2(self) -> bool:
        return self.api_version >= 2

    @property
    def stemcell_api_version(self) -> int:
        """`context.vm.stemcell.api_version`, 1 when absent (AWS config default; the Go library reads 0)."""
        return stemcell_api_version_from_context(self.context) or 1

    @property
    def ids(self) -> IdSource:
        return IdSource(self.state, config.seed(self.env))

    def note(self, line: str) -> None:
        """A line for the response's `log` and stderr."""
        if self.log is not None:
            self.log(line)


Handler = Callable[[Call], Any]


def require(condition: bool, failure: CpiFailure) -> None:
    if not condition:
        raise failure
