"""Target options shared by every command that runs a CPI (`call`, `run`, `repl`, `ids verify`, `cleanup`,
`metadata show`), and how they become a Target: layers of settings, highest first — the flags, the target
`--target`/`CPICTL_TARGET` names, a recipe's `target:`, the config's `default:`, built-in defaults
(`cpictl.targets.layers` says how they stack)."""

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
from cpictl.cli.metavars import choices

TARGET = "Target"

def complete_target(incomplete: str) -> list[tuple[str, str]]:
    from cpictl.cli.completion import complete_target_name

    return complete_target_name(incomplete)


def complete_session(incomplete: str) -> list[tuple[str, str]]:
    from cpictl.cli.completion import complete_session as sessions

    return sessions(incomplete)


TargetNameOpt = Annotated[str | None, typer.Option(
    "--target", metavar="NAME", help="A named target from ./cpictl.yml or config.yml in ~/.config/cpictl (default: "
    "$CPICTL_TARGET, else the config's default:, else the bundled reference CPI). Flags given with it override "
    "its settings; --cpi replaces its executable.", autocompletion=complete_target, rich_help_panel=TARGET)]
CpiOpt = Annotated[str | None, typer.Option(
    "--cpi", metavar="PATH", help="CPI executable (default: the bundled reference CPI). Run directly, never "
    "through a shell. Without --target, $CPICTL_TARGET and the config's default: are not used.",
    rich_help_panel=TARGET)]
CpiArgOpt = Annotated[list[str] | None, typer.Option(
    "--cpi-arg", metavar="ARG", help="Argument for the CPI executable (repeatable), e.g. its config file; with "
    "--target, they replace the target's arguments.", rich_help_panel=TARGET)]
ApiVersionOpt = Annotated[str | None, typer.Option(
    "--api-version", metavar=choices("1", "2", "3", "none", "auto"), help="Contract version to send: auto "
    "(default: what the caller negotiates with the CPI's info), or 1, 2, 3 to force it, or none (omit the key).",
    rich_help_panel=TARGET)]
CallerOpt = Annotated[str | None, typer.Option(
    "--as", metavar=choices("director", "create-env"), help="Call the CPI as that caller would (its info and "
    "negotiation, context, request_id and environment). Default: director.", rich_help_panel=TARGET)]
PreferredOpt = Annotated[str | None, typer.Option(
    "--preferred-api-version", metavar=choices("2", "3"), help="The version the director prefers (its "
    "preferred_cpi_api_version), which the negotiation takes the minimum with (default 3).", rich_help_panel=TARGET)]
NegotiateOpt = Annotated[str | None, typer.Option(
    "--negotiate", metavar=choices("once", "every-call"), help="once (default): info once per target and session, kept "
    "beside the journal; every-call: info before every call, as the director and create-env do.",
    rich_help_panel=TARGET)]
RenegotiateOpt = Annotated[bool, typer.Option(
    "--renegotiate", help="Ask the CPI's info again instead of using the version settled earlier in this session.",
    rich_help_panel=TARGET)]
StemcellOpt = Annotated[str | None, typer.Option(
    "--stemcell-api-version", metavar="N|none", help="The stemcell's api_version, sent in the context "
    "(vm.stemcell.api_version) where the caller sends it. Default: 2 as the director, 1 as create-env.",
    rich_help_panel=TARGET)]
DirectorUuidOpt = Annotated[str | None, typer.Option(
    "--director-uuid", metavar="UUID", help="context.director_uuid (default: a UUID generated once and kept in "
    "your config dir).", rich_help_panel=TARGET)]
ContextOpt = Annotated[list[str] | None, typer.Option(
    "--context", metavar="KEY=VALUE", help="Extra context property (value parsed as YAML; dotted keys nest). "
    "Repeatable.", rich_help_panel=TARGET)]
EnvModeOpt = Annotated[str | None, typer.Option(
    "--env-mode", metavar=choices("director", "create-env", "inherit"), help="Child environment: director (only "
    "PATH, TMPDIR, HOME), create-env (the full environment plus BOSH_PACKAGES_DIR and BOSH_JOBS_DIR) or inherit "
    "(cpictl's own). Default: the caller's (--as).", rich_help_panel=TARGET)]
EnvOpt = Annotated[list[str] | None, typer.Option(
    "--env", metavar="NAME=VALUE", help="Extra environment variable for the CPI (repeatable).",
    rich_help_panel=TARGET)]
PackagesDirOpt = Annotated[str | None, typer.Option(
    "--packages-dir", metavar="DIR", help="BOSH_PACKAGES_DIR for --env-mode create-env.", rich_help_panel=TARGET)]
JobsDirOpt = Annotated[str | None, typer.Option(
    "--jobs-dir", metavar="DIR", help="BOSH_JOBS_DIR for --env-mode create-env.", rich_help_panel=TARGET)]
CwdOpt = Annotated[str | None, typer.Option("--cwd", metavar="DIR", help="Working directory of the CPI process.",
                                               rich_help_panel=TARGET)]
TimeoutOpt = Annotated[float | None, typer.Option(
    "--timeout", metavar="S", help="Kill the CPI's whole process group after S seconds (default: wait forever, "
    "like BOSH).", rich_help_panel=TARGET)]
SessionOpt = Annotated[str | None, typer.Option(
    "--session", metavar="NAME", help="Cloud-ID session name (default: $CPICTL_SESSION or 'default').",
    autocompletion=complete_session, rich_help_panel="Session")]
StateOpt = Annotated[Path | None, typer.Option(
    "--state", metavar="FILE", help="Journal file to use instead of the session's.", rich_help_panel="Session")]


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
    target: str | None = None

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
                   renegotiate=bool(params.get("renegotiate")), target=params.get("target"))

    def build(self, recipe_layer: Any = None, *, implicit: bool = True) -> Any:  # -> Target; lazy imports
        """The target, from layers (`cpictl.targets.layers`): the config's `default:` (unless a CPI is named by
        `--cpi` or the recipe), the recipe's `target:` (`recipe_layer`), the `--target`/`CPICTL_TARGET` target,
        then the flags given here. `implicit=False`: neither `CPICTL_TARGET` nor `default:`."""
        from cpictl.targets.layers import assemble
        from cpictl.userdirs import default_director_uuid

        flags = self.flags_layer()
        default, selected = self.named_layers(recipe_names_cpi=recipe_layer is not None
                                              and "argv" in recipe_layer.values) \
            if implicit or self.target is not None else (None, None)
        layers = [layer for layer in (default, recipe_layer, selected, flags) if layer is not None]
        if "args" in flags.values and not any("argv" in layer.values or "executable" in layer.values
                                              for layer in layers):
            raise UsageError("--cpi-arg needs --cpi (or a target, whose arguments it replaces)")
        target = assemble(layers, default_director_uuid=default_director_uuid)
        if (target.packages_dir or target.jobs_dir) and target.env_mode != "create-env":
            sys.stderr.write("warning: --packages-dir/--jobs-dir are only passed to the CPI with --env-mode "
                             "create-env (as BOSH_PACKAGES_DIR/BOSH_JOBS_DIR); ignored\n")
        if target.api_version not in (None, 1, 2, 3) and not target.negotiate:  # allowed, to probe a CPI's check
            sys.stderr.write(f"warning: --api-version {target.api_version} is beyond the contract (1, 2, 3); "
                             "sent anyway\n")
        if self.renegotiate:
            from cpictl.targets.negotiator import forget_once

            forget_once(target)
        from cpictl.protocol.redaction import register_environment

        # the CPI may echo any secret of its environment (--env, inherited): every view, report and file masks it
        register_environment(target.child_environment())
        return target

    def flags_layer(self) -> Any:
        """The settings given as flags, checked; only those given."""
        from cpictl.targets.layers import TargetLayer
        from cpictl.targets.profiles import PROFILE_NAMES, PROFILES
        from cpictl.transport import ENV_MODES
        from cpictl.wordargs import parse_context_pairs, parse_env_pairs

        values: dict[str, Any] = {}
        if self.caller is not None:
            if self.caller not in PROFILES:
                raise UsageError(f"--as: expected {' or '.join(PROFILE_NAMES)}, got '{self.caller}'")
            values["caller"] = self.caller
        if self.env_mode is not None:
            if self.env_mode not in ENV_MODES:
                raise UsageError(f"--env-mode: expected one of {', '.join(ENV_MODES)}, got '{self.env_mode}'")
            values["env_mode"] = self.env_mode
        if self.timeout is not None:
            if self.timeout <= 0:
                raise UsageError("--timeout: must be a positive number of seconds")
            if not math.isfinite(self.timeout):
                raise UsageError("--timeout: must be a finite number of seconds")
            values["timeout"] = self.timeout
        if self.cwd is not None:
            if not self.cwd.strip():
                raise UsageError("--cwd: empty path (leave --cwd out to run the CPI in the current directory)")
            if not os.path.isdir(self.cwd):
                what = "is not a directory" if os.path.exists(self.cwd) else "no such directory"
                raise UsageError(f"--cwd: {what}: {self.cwd}")
            values["cwd"] = self.cwd
        if self.cpi is not None:
            if not self.cpi.strip():
                raise UsageError("--cpi: empty path (leave --cpi out to use the bundled reference CPI)")
            # a path with a directory part is the caller's, even when --cwd moves the CPI elsewhere
            values["executable"] = os.path.abspath(self.cpi) if os.sep in self.cpi else self.cpi
            values["label"] = ""
        if self.cpi_args:
            values["args"] = list(self.cpi_args)
        if self.api_version is not None:
            auto = self.api_version.strip().lower() == "auto"
            values["api_version"] = "auto" if auto else parse_version(self.api_version, "--api-version")
        if self.preferred_api_version is not None:
            preferred = parse_version(self.preferred_api_version, "--preferred-api-version", default=3)
            if preferred not in (2, 3):
                raise UsageError(f"--preferred-api-version: the director allows 2 or 3, got {preferred}")
            values["preferred_api_version"] = preferred
        if self.negotiate is not None:
            if self.negotiate not in ("once", "every-call"):
                raise UsageError(f"--negotiate: expected once or every-call, got '{self.negotiate}'")
            values["negotiate_every_call"] = self.negotiate == "every-call"
        if self.stemcell_api_version is not None:
            values["stemcell_api_version"] = parse_version(self.stemcell_api_version, "--stemcell-api-version")
        if self.director_uuid is not None:
            # `--director-uuid ''` is sent as given: probing how a CPI copes with an empty one is a fair question
            values["director_uuid"] = self.director_uuid
        if self.context:
            values["context"] = parse_context_pairs(self.context)
        if self.env:
            values["env"] = parse_env_pairs(self.env)
        for name in ("packages_dir", "jobs_dir"):
            if getattr(self, name) is not None:
                values[name] = getattr(self, name)
        return TargetLayer("command-line flags", values)

    def named_layers(self, *, recipe_names_cpi: bool = False) -> tuple[Any, Any]:
        """(the config's `default:` target, the target `--target` or `CPICTL_TARGET` names) as layers, each None
        when it does not apply. A CPI named in a layer above is never given the settings of a target chosen
        implicitly below it: `--cpi` without `--target` ignores `CPICTL_TARGET` and `default:`, a recipe that
        names its CPI ignores `default:`. (`CPICTL_TARGET` above a recipe replaces the recipe's CPI with its own.)
        Without a config file, and with `--cpi` and no `--target`, this reads nothing (start-up is measured)."""
        from cpictl.targets.config_files import TARGET_ENV, selected_target_name

        from_env = selected_target_name()
        name, what = (self.target, "--target") if self.target is not None else (from_env, TARGET_ENV)
        if self.target is None and from_env and self.cpi is not None:
            sys.stderr.write(f"note: {TARGET_ENV}={from_env} is not used: --cpi names the CPI (add --target "
                             f"{from_env} to give it that target's settings)\n")
            name = None
        if name is not None and not name.strip():
            raise UsageError(f"{what}: empty target name")
        if name is None and (self.cpi is not None or recipe_names_cpi):  # the default's settings stay away too
            return None, None
        from cpictl.targets.config_files import existing_config_files

        files = existing_config_files()
        if not files:  # the common case: two stats, no YAML, no pydantic
            if name is not None:
                from cpictl.targets.config import not_found

                not_found(name, what)
            return None, None
        from cpictl.targets.config import load_config

        config = load_config(files)
        assert config is not None
        if name is not None:
            return None, config.get(name, what).layer()
        default = config.default_target()
        return (default.layer(source=f"default target '{default.name}' ({default.location()})")
                if default is not None else None), None


def wants_registry(target: Any, flag: bool) -> bool:
    """Whether a command serves the embedded registry: `--registry`, or a target whose `registry:` says `serve`."""
    return flag or (target.registry is not None and target.registry.serve)


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
