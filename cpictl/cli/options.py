"""Target options shared by `call`, `run`, `repl`, `ids verify` and `cleanup`, and how they become a Target."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from cpictl.cli.exits import UsageError

TARGET = "Target"

CpiOpt = Annotated[str | None, typer.Option(
    "--cpi", help="CPI executable (default: the bundled reference CPI). Run directly, never through a shell.",
    rich_help_panel=TARGET)]
CpiArgOpt = Annotated[list[str] | None, typer.Option(
    "--cpi-arg", help="Argument for the CPI executable (repeatable), e.g. its config file.", rich_help_panel=TARGET)]
ApiVersionOpt = Annotated[str | None, typer.Option(
    "--api-version", metavar="auto|1|2|3|none", help="Contract version to send: auto (default: what the caller "
    "negotiates with the CPI's info), or 1, 2, 3 to force it, or none (omit the key).", rich_help_panel=TARGET)]
CallerOpt = Annotated[str | None, typer.Option(
    "--as", metavar="director|create-env", help="Call the CPI as this caller would: its info and negotiation, "
    "context, request_id and environment (default: director).", rich_help_panel=TARGET)]
PreferredOpt = Annotated[str | None, typer.Option(
    "--preferred-api-version", metavar="2|3", help="The director's preferred_cpi_api_version, which the "
    "negotiation takes the minimum with (default 3).", rich_help_panel=TARGET)]
NegotiateOpt = Annotated[str | None, typer.Option(
    "--negotiate", metavar="once|every-call", help="once (default): info once per target and session, kept "
    "beside the journal; every-call: info before every call, as the director and create-env do.",
    rich_help_panel=TARGET)]
RenegotiateOpt = Annotated[bool, typer.Option(
    "--renegotiate", help="Ask the CPI's info again instead of using the version settled earlier in this session.",
    rich_help_panel=TARGET)]
StemcellOpt = Annotated[str | None, typer.Option(
    "--stemcell-api-version", help="The stemcell's api_version, sent as context.vm.stemcell.api_version where the "
    "caller sends it: N or none. Default: 2 as the director, 1 as create-env.", rich_help_panel=TARGET)]
DirectorUuidOpt = Annotated[str | None, typer.Option(
    "--director-uuid", help="context.director_uuid (default: a UUID generated once and kept in your config dir).",
    rich_help_panel=TARGET)]
ContextOpt = Annotated[list[str] | None, typer.Option(
    "--context", help="Extra context key=value (value parsed as YAML; dotted keys nest). Repeatable.",
    rich_help_panel=TARGET)]
EnvModeOpt = Annotated[str | None, typer.Option(
    "--env-mode", metavar="director|create-env|inherit", help="Child environment: director (only PATH, TMPDIR, "
    "HOME), create-env (the full environment plus BOSH_PACKAGES_DIR/BOSH_JOBS_DIR) or inherit (cpictl's own). "
    "Default: the caller's (--as).", rich_help_panel=TARGET)]
EnvOpt = Annotated[list[str] | None, typer.Option(
    "--env", help="Extra environment variable NAME=value for the CPI (repeatable).", rich_help_panel=TARGET)]
PackagesDirOpt = Annotated[str | None, typer.Option(
    "--packages-dir", help="BOSH_PACKAGES_DIR for --env-mode create-env.", rich_help_panel=TARGET)]
JobsDirOpt = Annotated[str | None, typer.Option(
    "--jobs-dir", help="BOSH_JOBS_DIR for --env-mode create-env.", rich_help_panel=TARGET)]
CwdOpt = Annotated[str | None, typer.Option("--cwd", help="Working directory of the CPI process.",
                                               rich_help_panel=TARGET)]
TimeoutOpt = Annotated[float | None, typer.Option(
    "--timeout", help="Kill the CPI's whole process group after S seconds (default: wait forever, like BOSH).",
    rich_help_panel=TARGET)]
SessionOpt = Annotated[str | None, typer.Option(
    "--session", help="Cloud-ID session name (default: $CPICTL_SESSION or 'default').", rich_help_panel="Session")]
StateOpt = Annotated[Path | None, typer.Option(
    "--state", help="Journal file to use instead of the session's.", rich_help_panel="Session")]


def parse_version(text: str | None, option: str, default: int | None = 2) -> int | None:
    if text is None:
        return default
    from cpictl.wordargs import version_value

    try:
        return version_value(text)
    except ValueError as problem:
        raise UsageError(f"{option}: {problem}") from None


@dataclass
class TargetOptions:
    """The raw option values, kept together so every command builds its Target the same way."""

    cpi: str | None = None
    cpi_args: list[str] = field(default_factory=list)
    api_version: str | None = None
    stemcell_api_version: str | None = None
    director_uuid: str | None = None
    context: list[str] = field(default_factory=list)
    env_mode: str | None = None
    env: list[str] = field(default_factory=list)
    packages_dir: str | None = None
    jobs_dir: str | None = None
    cwd: str | None = None
    timeout: float | None = None
    caller: str | None = None
    preferred_api_version: str | None = None
    negotiate: str | None = None
    renegotiate: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> TargetOptions:
        """From a command's parameters (its `locals()`), named as the shared options above name them."""
        return cls(cpi=params.get("cpi"), cpi_args=params.get("cpi_arg") or [], api_version=params.get("api_version"),
                   stemcell_api_version=params.get("stemcell_api_version"),
                   director_uuid=params.get("director_uuid"), context=params.get("context") or [],
                   env_mode=params.get("env_mode"), env=params.get("env") or [],
                   packages_dir=params.get("packages_dir"), jobs_dir=params.get("jobs_dir"), cwd=params.get("cwd"),
                   timeout=params.get("timeout"), caller=params.get("caller"),
                   preferred_api_version=params.get("preferred_api_version"), negotiate=params.get("negotiate"),
                   renegotiate=bool(params.get("renegotiate")))

    def build(self):  # -> Target; the import stays lazy for `--help`
        from cpictl.session import REFERENCE_CPI_LABEL, Target, reference_cpi_argv
        from cpictl.targets.profiles import PROFILE_NAMES, PROFILES
        from cpictl.transport import ENV_MODES
        from cpictl.userdirs import default_director_uuid
        from cpictl.wordargs import parse_context_pairs, parse_env_pairs

        caller = self.caller or "director"
        if caller not in PROFILES:
            raise UsageError(f"--as: expected {' or '.join(PROFILE_NAMES)}, got '{caller}'")
        profile = PROFILES[caller]
        mode = self.env_mode or profile.env_mode
        if mode not in ENV_MODES:
            raise UsageError(f"--env-mode: expected one of {', '.join(ENV_MODES)}, got '{mode}'")
        if self.timeout is not None and self.timeout <= 0:
            raise UsageError("--timeout: must be a positive number of seconds")
        if self.cwd is not None and not self.cwd.strip():
            raise UsageError("--cwd: empty path (leave --cwd out to run the CPI in the current directory)")
        if self.cwd and not os.path.isdir(self.cwd):
            what = "is not a directory" if os.path.exists(self.cwd) else "no such directory"
            raise UsageError(f"--cwd: {what}: {self.cwd}")
        if self.timeout is not None and not math.isfinite(self.timeout):
            raise UsageError("--timeout: must be a finite number of seconds")
        if (self.packages_dir or self.jobs_dir) and mode != "create-env":
            sys.stderr.write("warning: --packages-dir/--jobs-dir are only passed to the CPI with --env-mode "
                             "create-env (as BOSH_PACKAGES_DIR/BOSH_JOBS_DIR); ignored\n")
        if self.cpi is not None:
            if not self.cpi.strip():
                raise UsageError("--cpi: empty path (leave --cpi out to use the bundled reference CPI)")
            # a path with a directory part is the caller's, even when --cwd moves the CPI elsewhere
            cpi = os.path.abspath(self.cpi) if os.sep in self.cpi else self.cpi
            argv, label = [cpi, *self.cpi_args], ""
        else:
            if self.cpi_args:
                raise UsageError("--cpi-arg needs --cpi")
            argv, label = reference_cpi_argv(), REFERENCE_CPI_LABEL
            if mode != "inherit":  # its environment is cut down: tell it where its state is explicitly
                from cpictl.refcpi import state_dir

                argv = [*argv, "--state-dir", str(state_dir({**os.environ, **parse_env_pairs(self.env)}))]
        negotiate = self.api_version is None or self.api_version.strip().lower() == "auto"
        api_version = profile.max_version if negotiate else parse_version(self.api_version, "--api-version")
        if api_version not in (None, 1, 2, 3):  # allowed, to probe a CPI's version check, but never by accident
            sys.stderr.write(f"warning: --api-version {api_version} is beyond the contract (1, 2, 3); sent anyway\n")
        preferred = parse_version(self.preferred_api_version, "--preferred-api-version", default=3)
        if preferred not in (2, 3):
            raise UsageError(f"--preferred-api-version: the director allows 2 or 3, got {preferred}")
        if self.negotiate not in (None, "once", "every-call"):
            raise UsageError(f"--negotiate: expected once or every-call, got '{self.negotiate}'")
        target = Target(
            # `--director-uuid ''` is sent as given: probing how a CPI copes with an empty one is a fair question
            argv=argv, label=label,
            director_uuid=self.director_uuid if self.director_uuid is not None else default_director_uuid(),
            env_mode=mode, env=parse_env_pairs(self.env), cwd=self.cwd, timeout=self.timeout,
            api_version=api_version, caller=caller, negotiate=negotiate, preferred_api_version=preferred,
            negotiate_every_call=self.negotiate == "every-call",
            stemcell_api_version=parse_version(self.stemcell_api_version, "--stemcell-api-version",
                                               default=profile.default_stemcell_api_version),
            context=parse_context_pairs(self.context), packages_dir=self.packages_dir, jobs_dir=self.jobs_dir)
        if self.renegotiate:
            from cpictl.targets.negotiator import forget_once

            forget_once(target)
        from cpictl.protocol.redaction import register_environment

        # the CPI may echo any secret of its environment (--env, inherited): every view, report and file masks it
        register_environment(target.child_environment())
        return target


def journal_path(session: str | None, state: Path | None) -> Path:
    """The journal a command uses: --state, else the --session / $CPICTL_SESSION / 'default' journal."""
    if state is not None:
        if session:  # one of them would be ignored, and IDs would land where the user does not look
            raise UsageError("give --session or --state, not both")
        return state
    from cpictl.store import default_journal_path

    if session is not None and not session.strip():
        raise UsageError("--session: empty name (leave --session out for $CPICTL_SESSION or 'default')")
    source = "--session" if session else "$CPICTL_SESSION"
    name = session or os.environ.get("CPICTL_SESSION") or "default"
    try:
        return default_journal_path(name)
    except ValueError as exc:
        raise UsageError(f"{source}: {exc}") from None
