"""Meta-commands that change the sticky defaults: `:set`, `:context`, `:cpi` — and `:set output`, `:set detail`,
how the next calls are shown.

Each change replaces the state's `Target` (they are immutable), so calls already made keep the target they ran
against — which is what `:save` writes into the recipe. Values are checked as `cpictl call`'s options are: an
api_version outside the contract is sent, with the same warning; a timeout must be a positive, finite number of
seconds (none: wait forever). A change is all or nothing: when one part of a `:context` line is refused, nothing
of it is applied, and the error says so.
"""

from __future__ import annotations

import math
import os
import shutil

from cpictl.repl.context import ReplContext, ReplError
from cpictl.repl.metacommands import MetaCommand
from cpictl.repl.state import target_summary
from cpictl.wordargs import version_value

VERSION_SETTINGS = ("api_version", "stemcell_api_version")
DISPLAY_SETTINGS = ("output", "detail")  # how calls are shown, not what is sent (cpictl.repl.call_output)
SETTINGS = (*VERSION_SETTINGS, "timeout", "as", "preferred_api_version", *DISPLAY_SETTINGS)


CONTRACT_VERSIONS = (1, 2, 3)  # as `cpictl call --api-version` knows them


def _version(text: str, key: str) -> int | None:
    try:
        return version_value(text)
    except ValueError as problem:
        raise ReplError(f":set {key}: {problem}") from None


def _timeout(text: str) -> float | None:
    if text.lower() in ("none", "null"):
        return None
    try:
        seconds = float(text)
    except ValueError:
        raise ReplError(f":set timeout: expected seconds or 'none', got '{text}'") from None
    # the words and order of `cpictl call --timeout`; 0 is not "none" there either (0 s is a typo, not a wish)
    if seconds <= 0:
        raise ReplError(":set timeout: must be a positive number of seconds (or none)")
    if not math.isfinite(seconds):
        raise ReplError(":set timeout: must be a finite number of seconds (or none)")
    return seconds


def _caller_settings(key: str, text: str) -> dict[str, object]:
    """`:set as director|create-env`, `:set api_version auto`, `:set preferred_api_version 2|3`: the target
    fields each changes (the negotiation is asked again at the next call)."""
    from cpictl.targets.profiles import PROFILE_NAMES, PROFILES

    if key == "as":
        if text not in PROFILES:
            raise ReplError(f":set as: expected {' or '.join(PROFILE_NAMES)}, got '{text}'")
        profile = PROFILES[text]
        # the caller's whole form: its environment and its default stemcell version (`:set` either after)
        return {"caller": text, "env_mode": profile.env_mode, "negotiation": None,
                "stemcell_api_version": profile.default_stemcell_api_version}
    if key == "api_version":  # auto
        return {"negotiate": True, "negotiation": None}
    value = _version(text, key)
    if value not in (2, 3):
        raise ReplError(f":set preferred_api_version: the director allows 2 or 3, got {text}")
    return {"preferred_api_version": value, "negotiation": None}


def set_setting(ctx: ReplContext, args: list[str]) -> None:
    if not args:
        list_settings(ctx)
        return
    if len(args) != 2 or args[0] not in SETTINGS:
        raise ReplError(f"usage: :set {{{'|'.join(SETTINGS)}}} VALUE  (:set alone lists them)")
    key, text = args
    if key in DISPLAY_SETTINGS:
        set_display(ctx, key, text)
        return
    if key in ("as", "preferred_api_version") or (key == "api_version" and text.lower() == "auto"):
        ctx.state.set_target(**_caller_settings(key, text.lower() if key == "api_version" else text))
        ctx.term.note(f"{key} = {text} for the next calls", style="")
        return
    value = _timeout(text) if key == "timeout" else _version(text, key)
    if key == "api_version":
        ctx.state.set_target(negotiate=False, negotiation=None)  # a version given is sent as it is
    if key == "api_version" and value not in (None, *CONTRACT_VERSIONS):  # allowed, to probe a CPI's check
        ctx.term.note(f"warning: api_version {value} is beyond the contract "
                      f"({', '.join(map(str, CONTRACT_VERSIONS))}); sent anyway", style="yellow")
    ctx.state.set_target(**{key: value})
    shown = "none" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
    ctx.term.note(f"{key} = {shown} for the next calls", style="")


def set_display(ctx: ReplContext, key: str, text: str) -> None:
    """`:set output table|json|yaml`, `:set detail quiet|normal|verbose`: how the next calls are shown."""
    from cpictl.repl.call_output import check_detail, check_output

    try:
        if key == "output":
            ctx.state.output = check_output(text.lower())
        else:
            ctx.state.detail = check_detail(text.lower())
    except ValueError as problem:
        raise ReplError(f":set {key}: {str(problem).removeprefix('detail: ')}") from None
    ctx.term.note(f"{key} = {text.lower()} for the next calls", style="")


def setting_values(ctx: ReplContext) -> list[tuple[str, str]]:
    """Each `:set` key with its value now, as `:set KEY` takes it."""
    target = ctx.state.target
    version = "auto" if target.negotiate else "none" if target.api_version is None else str(target.api_version)
    return [("api_version", version),
            ("stemcell_api_version", "none" if target.stemcell_api_version is None
             else str(target.stemcell_api_version)),
            ("timeout", "none" if target.timeout is None else f"{target.timeout:g}"),
            ("as", target.caller),
            ("preferred_api_version", str(target.preferred_api_version)),
            ("output", ctx.state.output), ("detail", ctx.state.detail.level)]


def list_settings(ctx: ReplContext) -> None:
    from rich.table import Table

    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for key, value in setting_values(ctx):
        table.add_row(key, value)
    ctx.term.print(table)
    ctx.term.note(":set KEY VALUE changes one for the next calls; :env shows the target and context too")


def change_context(ctx: ReplContext, args: list[str]) -> None:
    from cpictl.wordargs import parse_context_pairs

    context = dict(ctx.state.target.context)
    if not args:
        ctx.term.note("context: " + (", ".join(sorted(context)) or "no extra keys") + "  (:env shows values, masked)")
        return
    keys = ", ".join(sorted(context)) or "none"  # as they are, before this line: nothing of it is applied on error
    removed: set[str] = set()
    for arg in args:
        if arg.startswith("-") and "=" not in arg:
            key = arg[1:]
            if key not in context and key not in removed:
                raise ReplError(f":context: no key '{key}' to remove; keys: {keys}; nothing was changed")
            context.pop(key, None)
            removed.add(key)
            continue
        try:
            context.update(parse_context_pairs([arg]))
        except ValueError as problem:
            raise ReplError(f"{str(problem).replace('--context', ':context')}; nothing was changed") from None
    ctx.state.set_target(context=context)
    ctx.term.note(f"context keys now: {', '.join(sorted(context)) or 'none'}", style="")


def cpi_executable_problem(executable: str, cwd: str | None = None) -> str | None:
    """Why `executable` cannot be a CPI (None: it can). A name without a slash is looked up on PATH; a relative
    path is taken from `cwd`, where the CPI will run (else from here). Both `:cpi` and `cpictl repl --cpi` ask."""
    found = shutil.which(executable) if "/" not in executable else os.path.join(cwd or "", executable)
    if found is None or not os.path.isfile(found) or not os.access(found, os.X_OK):
        where = "" if "/" in executable else " on PATH"
        return f"'{executable}' is not an executable file{where}"
    return None


def switch_cpi(ctx: ReplContext, args: list[str]) -> None:
    if not args:
        ctx.state.use_reference_cpi()
    else:
        executable = args[0]
        problem = cpi_executable_problem(executable)
        if problem is not None:
            raise ReplError(f":cpi: {problem}")
        # no longer the named target's CPI, if it was (its other settings stay, as every sticky setting does)
        ctx.state.set_target(argv=[os.path.abspath(executable) if "/" in executable else executable, *args[1:]],
                             label="", name=None)
    ctx.term.note(f"target: {target_summary(ctx.state.target)}", style="")


COMMANDS = [
    MetaCommand("set", "[KEY VALUE]", "a sticky setting (api_version, timeout, as …) or how calls show (output, "
                "detail); alone: list them", set_setting,
                ("choice:" + ",".join(SETTINGS), "choice-after:api_version=auto|1|2|3|none;"
                 "stemcell_api_version=1|2|3|none;timeout=none;as=director|create-env;preferred_api_version=2|3;"
                 "output=table|json|yaml;detail=quiet|normal|verbose"),
                details="Keys: api_version (auto, a number or none), stemcell_api_version (a number or none), "
                "timeout (seconds or none), as (director or create-env), preferred_api_version (2 or 3), output "
                "(table, json or yaml: json|yaml prints each call as `cpictl call -o json|yaml` does) and detail "
                "(quiet: one line a call, as `cpictl call -q`; normal; verbose: everything, whole, as `-v`).",
                steers=True),
    MetaCommand("context", "[key=value | -key ...]", "add, change or remove sticky context keys",
                change_context, ("context*",),
                details="Values are YAML. Context keys go into every request's context, as a cpi-config would.",
                steers=True),
    MetaCommand("cpi", "[PATH [ARG ...]]", "switch the CPI executable; alone: back to the bundled reference CPI",
                switch_cpi, ("file*",), steers=True),
]
