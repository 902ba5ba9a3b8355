"""Remembering negotiations: a target's settled api_version, in memory and beside the session's journal.

The callers run `info` before every operation; cpictl runs it once per target and session (unless asked to do as
they do), keyed by the target's `fingerprint`: everything that could change what `info` answers or what the caller
makes of it. That includes the whole environment the CPI gets — an inherited `AWS_REGION` or a reference CPI's
`CPICTL_REFCPI_API_VERSION` changes its answer as surely as `--env` does — less what a shell changes on its own
(PWD, SHLVL, TERM …). Secret values never enter the key (masked first), and the CPI executable's size and
modification time do, so a rebuilt CPI is asked again.
"""

from __future__ import annotations

import json
import os
import zlib
from dataclasses import replace
from pathlib import Path

from cpictl.targets.negotiation import Negotiation, NegotiationCache
from cpictl.targets.target import Target

#: Variables a shell or terminal changes on its own: they must not make every new shell negotiate again.
_VOLATILE_ENV = frozenset({"PWD", "OLDPWD", "SHLVL", "_", "TERM", "COLUMNS", "LINES", "TMUX_PANE", "WINDOWID"})


def fingerprint(target: Target) -> str:
    """A short key for what decides a negotiation (see the module docstring)."""
    from cpictl.protocol.redaction import Redactor, mask_secret_env

    executable: list[int] = []
    try:
        status = os.stat(target.argv[0])
        executable = [status.st_size, status.st_mtime_ns]
    except (OSError, IndexError):
        pass
    environment = {key: value for key, value in target.child_environment().items() if key not in _VOLATILE_ENV}
    decided_by = [target.caller, target.preferred_api_version, target.argv, executable, target.env_mode,
                  mask_secret_env(environment), target.cwd, Redactor().request({"context": target.context}),
                  target.director_uuid, target.packages_dir, target.jobs_dir]
    text = json.dumps(decided_by, sort_keys=True, default=str).encode("utf-8", "surrogatepass")
    return f"{target.caller}:{zlib.crc32(text):08x}{zlib.adler32(text):08x}"


#: Targets whose settled negotiation is to be asked again at their next call in this process (`--renegotiate`).
_FORGET_ONCE: set[str] = set()


def forget_once(target: Target) -> None:
    _FORGET_ONCE.add(fingerprint(target))


class Negotiator:
    """The negotiations of one session: a dict in memory, backed by a `NegotiationCache` file when there is one."""

    def __init__(self, journal_path: Path | None = None) -> None:
        self._cache = NegotiationCache(journal_path) if journal_path is not None else None
        self._memory: dict[str, Negotiation] = {}

    def settled(self, target: Target) -> Negotiation | None:
        key = fingerprint(target)
        if key in _FORGET_ONCE:
            _FORGET_ONCE.discard(key)
            return None
        if key not in self._memory and self._cache is not None:
            cached = self._cache.get(key)
            if cached is not None:
                self._memory[key] = cached
        return self._memory.get(key)

    def remember(self, target: Target, negotiation: Negotiation) -> None:
        key = fingerprint(target)
        if self._memory.get(key) == negotiation:
            return  # known already, and written: every `info` settles it again (`cpictl bench info` makes hundreds)
        self._memory[key] = negotiation
        if self._cache is not None:
            self._cache.put(key, negotiation)

    def forget(self, target: Target) -> None:
        key = fingerprint(target)
        self._memory.pop(key, None)
        if self._cache is not None:
            self._cache.forget(key)


def settle(target: Target, negotiation: Negotiation) -> Target:
    """`target` with the api_version its caller settled on (a refused target keeps a version to build requests
    with — what the CPI reported, else the caller's highest — but `negotiation.refusal` stops every call)."""
    version = negotiation.version
    if version is None:
        reported = negotiation.reported
        version = reported if isinstance(reported, int) and not isinstance(reported, bool) and reported > 0 \
            else target.profile.max_version
    return replace(target, api_version=version, negotiation=negotiation)
