"""`Target`: which CPI to run and how — executable, environment, caller profile, versions and context.

Plain data. A target is built by the CLI from options and named targets, by a recipe's `target:` and by the REPL's
settings; `CallSession` runs calls against it. `caller` names the profile (`profiles.py`) whose request form every
call takes; `negotiate` says the api_version is the one that caller would settle on (`negotiation.py`), not
`api_version` as given.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from cpictl.transport import CpiCommand, build_environment

if TYPE_CHECKING:  # loaded when a negotiation happens, not by every `cpictl call info`
    from cpictl.targets.negotiation import Negotiation
    from cpictl.targets.profiles import CallerProfile

UNSET: Any = object()


@dataclass(frozen=True)
class RegistryEndpoint:
    """A fixed place and credentials for the embedded registry: a registry-mode CPI reads its registry's endpoint
    from its own config file, so the registry must listen exactly there (a named target's `registry:`).
    `serve`: start it for every command that runs this target, not only with `--registry`."""

    host: str
    port: int
    user: str
    password: str = field(repr=False)
    serve: bool = False

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

REFERENCE_CPI_LABEL = "bundled reference CPI (not a cloud)"


def reference_cpi_argv() -> list[str]:
    """The bundled reference CPI, run as an ordinary CPI process (no in-process shortcut)."""
    return [sys.executable, "-m", "cpictl.refcpi"]


@dataclass(frozen=True)
class Target:
    """Which CPI to run and how: executable, environment, and the versions and context of the requests."""

    argv: list[str]
    director_uuid: str
    label: str = ""
    env_mode: str = "inherit"
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    timeout: float | None = None
    api_version: int | None = 2
    stemcell_api_version: int | None = 2
    context: dict[str, Any] = field(default_factory=dict)
    packages_dir: str | None = None
    jobs_dir: str | None = None
    #: The caller whose request form every call takes: "director" or "create-env" (`profiles.py`).
    caller: str = "director"
    #: Send the api_version `caller` would negotiate with this CPI, not `api_version` (the CLI's default, "auto").
    negotiate: bool = False
    #: The director's `preferred_cpi_api_version` (2..3) the negotiation takes the minimum with.
    preferred_api_version: int = 3
    #: Run the caller's `info` before every call, as both callers do, instead of once per target and session.
    negotiate_every_call: bool = False
    #: How `api_version` was settled, once it was (`CallSession.resolve`): shown in every call's header.
    negotiation: Negotiation | None = field(default=None, compare=False)
    #: The named target this was built from (`cpictl.targets.config`), for views and `:target`; None otherwise.
    name: str | None = None
    #: Where the embedded registry must listen for this CPI (a named target's `registry:`); None: anywhere.
    registry: RegistryEndpoint | None = None
    #: Extra keys whose values are secrets (a named target's `secrets:`), on top of the built-in rules.
    secrets: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # secrets given in the target's own environment are masked wherever a CPI echoes them, whoever built it
        from cpictl.protocol.redaction import register_environment

        register_environment(self.env)
        if self.secrets:
            from cpictl.targets.secrets import register_secret_keys

            register_secret_keys(self.secrets, self.env, self.context)
        if self.registry is not None:  # a CPI may print its registry's URL
            from cpictl.protocol.redaction import register_secret

            register_secret(self.registry.password)

    @property
    def is_reference(self) -> bool:
        reference = reference_cpi_argv()
        return self.argv[: len(reference)] == reference

    @property
    def profile(self) -> CallerProfile:
        from cpictl.targets.profiles import profile_named

        return profile_named(self.caller)

    @property
    def display(self) -> str:
        shown = self.label or " ".join(self.argv)
        return f"{self.name} ({shown})" if self.name else shown

    def with_overrides(self, *, api_version: Any = UNSET, stemcell_api_version: Any = UNSET,
                       context: Mapping[str, Any] | None = None, timeout: Any = UNSET) -> Target:
        """A copy with per-step overrides; `context` entries merge over the target's."""
        changes: dict[str, Any] = {}
        if api_version is not UNSET:  # a version given is sent as it is, not negotiated
            changes.update(api_version=api_version, negotiate=False, negotiation=None)
        if stemcell_api_version is not UNSET:
            changes["stemcell_api_version"] = stemcell_api_version
        if timeout is not UNSET:
            changes["timeout"] = timeout
        if context:
            changes["context"] = {**self.context, **context}
        return replace(self, **changes) if changes else self

    def child_environment(self) -> dict[str, str]:
        """The whole environment the CPI process gets. The bundled reference CPI's own settings
        (`CPICTL_REFCPI_FAULTS`, `CPICTL_REFCPI_API_VERSION` …) reach it in every mode: they rehearse a CPI's
        behaviour, they are not part of the environment a caller builds."""
        extra = self.env
        if self.is_reference and self.env_mode != "inherit":
            extra = {**{k: v for k, v in os.environ.items() if k.startswith("CPICTL_REFCPI_")}, **self.env}
        return build_environment(self.env_mode, extra=extra, packages_dir=self.packages_dir, jobs_dir=self.jobs_dir)

    def command(self) -> CpiCommand:
        # Inheriting unchanged: let the child take our environment as is, instead of copying it on every call.
        env = None if self.env_mode == "inherit" and not self.env else self.child_environment()
        return CpiCommand(argv=list(self.argv), env=env, cwd=self.cwd, timeout=self.timeout)


