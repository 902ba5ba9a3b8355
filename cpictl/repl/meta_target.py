"""`:target [NAME]`: switch the REPL to a named target (`cpictl target list`), or list them.

The named target replaces the whole target, sticky settings included (`:set`, `:context`, the CPI): it is the
target `cpictl repl --target NAME` would start with. The session's embedded registry, when the REPL serves one,
stays attached (its URL stays in the CPI's environment); a target whose `registry:` asks to be served gets its
fixed endpoint only from a REPL started with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cpictl.repl.context import ReplContext, ReplError
from cpictl.repl.metacommands import MetaCommand
from cpictl.repl.state import target_summary

if TYPE_CHECKING:
    from cpictl.targets.config import TargetsConfig


def _config() -> TargetsConfig | None:
    from cpictl.targets.config import ConfigError, load_config

    try:
        return load_config()
    except ConfigError as error:
        raise ReplError(error.format()) from None


def list_targets(ctx: ReplContext) -> None:
    config = _config()
    if config is None or not config.targets:
        ctx.term.note("no named targets: `cpictl target add NAME --cpi PATH` defines one", style="")
        return
    from cpictl.targets.secret_places import shown_argv

    current = ctx.state.target.name
    for name, named in sorted(config.targets.items()):
        mark = "*" if name == current else " "
        default = " (default)" if name == config.default else ""
        ctx.term.note(f"{mark} {name}{default}: {' '.join(shown_argv(named))}  [{named.location()}]", style="")


def switch_target(ctx: ReplContext, args: list[str]) -> None:
    if not args:
        list_targets(ctx)
        return
    if len(args) != 1:
        raise ReplError("usage: :target [NAME]")
    from cpictl.targets.config import ConfigError, TargetNotFound, not_found
    from cpictl.targets.layers import assemble
    from cpictl.userdirs import default_director_uuid

    config = _config()
    try:
        named = config.get(args[0], ":target") if config is not None else not_found(args[0], ":target")
        target = assemble([named.layer()], default_director_uuid=default_director_uuid)
    except TargetNotFound as problem:
        raise ReplError(str(problem)) from None
    except ConfigError as error:
        raise ReplError(error.format()) from None
    from cpictl.repl.meta_settings import cpi_executable_problem

    unusable = cpi_executable_problem(target.argv[0], target.cwd)
    if unusable is not None:
        raise ReplError(f":target {args[0]}: {unusable}; the target is unchanged")
    registry = ctx.state.registry
    if registry is not None:
        target = registry.attach(target)
    ctx.state.target = target
    ctx.term.note(f"target: {target_summary(target)} (its settings replace the sticky ones)", style="")
    if target.registry is not None and target.registry.serve and (registry is None or not registry.fixed):
        ctx.term.note(f"note: this target's registry ({target.registry.endpoint}) is served only by a REPL "
                      f"started with it: cpictl repl --target {args[0]}", style="yellow")


COMMANDS = [
    MetaCommand("target", "[NAME]", "switch to a named target (its CPI and settings); alone: list them",
                switch_target, ("target",), steers=True,
                details="Named targets live in ./cpictl.yml and ~/.config/cpictl/config.yml (`cpictl target`)."),
]
