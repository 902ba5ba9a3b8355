"""A target built from layers of settings, each source overriding the ones below it.

Precedence, highest first (`cpictl.cli.options` stacks them in this order):
1. command-line flags (`--cpi`, `--env`, `--as` …);
2. the target `--target NAME` or `CPICTL_TARGET` names;
3. the recipe's `target:` (a name, or an inline mapping);
4. the config's `default:` target;
5. built-in defaults: the bundled reference CPI, called as the director, api_version negotiated.

A layer sets only the settings it names. `env` and `context` merge key by key (a flag's `--env A=1` adds to a
target's environment); every other setting replaces the one below. A layer that names a whole CPI (`argv`: a
named target, a recipe's `cpi:`) starts afresh: the environment, context, caller … said below it were said for
another CPI (`--target dev` over a recipe's `target: prod` gets none of prod's). Only what a layer marks as
`travels` — a recipe's own directory and `as:`, which describe the recipe, not its CPI — survives it.

The CPI's argv is three settings: `argv` (a whole command: a named target's `cpi`), `executable` (`--cpi`:
replaces the command's first word) and `args` (`--cpi-arg`: replace the words after it). Defaults that follow
from another setting are worked out last, from what the layers chose: the environment mode and stemcell version
follow the caller (`as`), and a reference CPI run with a cut-down environment is told where its state is.

An implicit choice never hands a target's settings to a CPI named in a layer above it: `--cpi` without
`--target` ignores `CPICTL_TARGET` and the config's `default:`, and a recipe that names its CPI ignores
`default:` (see `cpictl.cli.options`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cpictl.targets.target import REFERENCE_CPI_LABEL, RegistryEndpoint, Target, reference_cpi_argv

#: The settings a layer may hold; `api_version` is "auto", a number, or None (omit the key).
SETTINGS = ("argv", "executable", "args", "label", "env", "env_mode", "caller", "cwd", "default_cwd", "timeout",
            "api_version", "preferred_api_version", "negotiate_every_call", "stemcell_api_version", "director_uuid",
            "context", "packages_dir", "jobs_dir", "registry", "secrets", "name")
_MERGED = ("env", "context")


@dataclass(frozen=True)
class TargetLayer:
    """The settings one source gives, and what to call that source in messages."""

    source: str
    values: Mapping[str, Any] = field(default_factory=dict)
    #: Settings of this layer that are not about its CPI, kept when a layer above names another CPI.
    travels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = set(self.values) - set(SETTINGS)
        if unknown:
            raise ValueError(f"unknown target settings: {', '.join(sorted(unknown))}")


def merged_settings(layers: Sequence[TargetLayer]) -> dict[str, Any]:
    """The layers' settings, the last layer winning (see the module docstring)."""
    merged: dict[str, Any] = {}
    travelling: dict[str, Any] = {}
    for layer in layers:
        if "argv" in layer.values:  # another CPI: what lower layers said for theirs does not reach it
            merged = dict(travelling)
        for key, value in layer.values.items():
            if key in _MERGED:
                merged[key] = {**merged.get(key, {}), **value}
            elif key == "secrets":
                merged[key] = tuple(dict.fromkeys((*merged.get(key, ()), *value)))
            elif key == "argv":
                merged["argv"] = list(value)
            else:
                merged[key] = value
        travelling.update((key, merged[key]) for key in layer.travels if key in merged)
        if "argv" in layer.values and "label" not in layer.values:
            merged["label"] = ""
    return merged


def assemble(layers: Sequence[TargetLayer], *, default_director_uuid: Any = None) -> Target:
    """The target the layers describe. `default_director_uuid`: a callable giving cpictl's own UUID, asked only
    when no layer names one (it may create a file)."""
    from cpictl.targets.profiles import PROFILES

    settings = merged_settings(layers)
    caller = settings.get("caller") or "director"
    profile = PROFILES[caller]
    mode = settings.get("env_mode") or profile.env_mode
    argv, label = _argv(settings, mode)
    api_version = settings.get("api_version", "auto")
    negotiate = api_version == "auto"
    director_uuid = settings.get("director_uuid")
    if director_uuid is None:
        director_uuid = default_director_uuid() if default_director_uuid is not None else ""
    return Target(
        argv=argv, label=label, director_uuid=director_uuid, env_mode=mode, env=dict(settings.get("env", {})),
        cwd=settings.get("cwd") or settings.get("default_cwd"), timeout=settings.get("timeout"),
        api_version=profile.max_version if negotiate else api_version, caller=caller, negotiate=negotiate,
        preferred_api_version=settings.get("preferred_api_version") or 3,
        negotiate_every_call=bool(settings.get("negotiate_every_call")),
        stemcell_api_version=settings.get("stemcell_api_version", profile.default_stemcell_api_version),
        context=dict(settings.get("context", {})), packages_dir=settings.get("packages_dir"),
        jobs_dir=settings.get("jobs_dir"), name=settings.get("name"), registry=settings.get("registry"),
        secrets=tuple(settings.get("secrets", ())))


def _argv(settings: Mapping[str, Any], mode: str) -> tuple[list[str], str]:
    """The CPI's argv and label: a named or given command, its words replaced by `executable`/`args`; else the
    bundled reference CPI."""
    command = settings.get("argv")
    executable, args = settings.get("executable"), settings.get("args")
    if command is None and executable is None:
        argv = reference_cpi_argv()
        if mode != "inherit":  # its environment is cut down: tell it where its state is explicitly
            from cpictl.refcpi import state_dir

            argv = [*argv, "--state-dir", str(state_dir({**os.environ, **settings.get("env", {})}))]
        return argv, REFERENCE_CPI_LABEL
    words = list(command) if command is not None else [executable]
    if executable is not None and words:
        words[0] = executable
    if args is not None:
        words = [words[0], *args]
    return words, settings.get("label") or ""


def registry_endpoint(spec: Mapping[str, Any]) -> RegistryEndpoint:
    """A `RegistryEndpoint` from a config's `registry:` mapping (already checked)."""
    return RegistryEndpoint(host=str(spec.get("host", "127.0.0.1")), port=int(spec["port"]), user=str(spec["user"]),
                            password=str(spec["password"]), serve=bool(spec.get("serve", False)))


def layer_of(target: Target, source: str) -> TargetLayer:
    """Every setting of a built target, as a layer (to stack another over it: `apply`)."""
    values: dict[str, Any] = {
        "argv": list(target.argv), "label": target.label, "env": dict(target.env), "env_mode": target.env_mode,
        "caller": target.caller, "cwd": target.cwd, "timeout": target.timeout,
        "api_version": "auto" if target.negotiate else target.api_version,
        "preferred_api_version": target.preferred_api_version, "negotiate_every_call": target.negotiate_every_call,
        "stemcell_api_version": target.stemcell_api_version, "director_uuid": target.director_uuid,
        "context": dict(target.context), "packages_dir": target.packages_dir, "jobs_dir": target.jobs_dir,
        "registry": target.registry, "secrets": target.secrets}
    if target.name is not None:
        values["name"] = target.name
    return TargetLayer(source, values)


def apply(target: Target, layer: TargetLayer) -> Target:
    """`target` with `layer` stacked over it. A layer that changes the caller but not the environment mode or the
    stemcell version gives the new caller's defaults where the target had the old caller's (as `--as` does)."""
    from cpictl.targets.profiles import PROFILES

    over = dict(layer.values)
    if "caller" in over and over["caller"] != target.caller:
        before, after = PROFILES[target.caller], PROFILES[over["caller"]]
        if "env_mode" not in over and target.env_mode == before.env_mode:
            over["env_mode"] = after.env_mode
        if "stemcell_api_version" not in over and target.stemcell_api_version == before.default_stemcell_api_version:
            over["stemcell_api_version"] = after.default_stemcell_api_version
    return assemble([layer_of(target, "the target so far"), TargetLayer(layer.source, over)])
