"""Meta-commands that change the sticky defaults: `:set`, `:context`, `:cpi`.

Each change replaces the state's `Target` (they are immutable), so calls already made keep the target they ran
against — which is what `:save` writes into the recipe.
"""

from __future__ import annotations

import os
import shutil

from cpictl.repl.context import ReplContext, ReplError
from cpictl.repl.metacommands import MetaCommand
from cpictl.repl.state import target_summary

VERSION_SETTINGS = ("api_version", "stemcell_api_version")
SETTINGS = (*VERSION_SETTINGS, "timeout")


def _version(text: str, key: str) -> int | None:
    if text.lower() in ("none", "null", "omit"):
        return None
    if not text.isdigit():
        raise ReplError(f":set {key}: expected a whole number or 'none', got '{text}'")
    return int(text)


def _timeout(text: str) -> float | None:
    if text.lower() in ("none", "null", "0"):
        return None
    try:
        seconds = float(text)
    except ValueError:
        raise ReplError(f":set timeout: expected seconds or 'none', got '{text}'") from None
    if seconds <= 0:
        raise ReplError(":set timeout: must be a positive number of seconds (or none)")
    return seconds


def set_setting(ctx: ReplContext, args: list[str]) -> None:
    if len(args) != 2 or args[0] not in SETTINGS:
        raise ReplError(f"usage: :set {{{'|'.join(SETTINGS)}}} VALUE (a number or none)")
    key, text = args
    value = _timeout(text) if key == "timeout" else _version(text, key)
    ctx.state.set_target(**{key: value})
    shown = "none" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
    ctx.term.note(f"{key} = {shown} for the next calls", style="")


def change_context(ctx: ReplContext, args: list[str]) -> None:
    from cpictl.wordargs import parse_context_pairs

    context = dict(ctx.state.target.context)
    if not args:
        ctx.term.note("context: " + (", ".join(sorted(context)) or "no extra keys") + "  (:env shows values, masked)")
        return
    for arg in args:
        if arg.startswith("-") and "=" not in arg:
            if context.pop(arg[1:], None) is None:
                raise ReplError(f":context: no key '{arg[1:]}' to remove; keys: {', '.join(context) or 'none'}")
            continue
        try:
            context.update(parse_context_pairs([arg]))
        except ValueError as problem:
            raise ReplError(str(problem).replace("--context", ":context")) from None
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
        ctx.state.set_target(argv=[os.path.abspath(executable) if "/" in executable else executable, *args[1:]],
                             label="")
    ctx.term.note(f"target: {target_summary(ctx.state.target)}", style="")


COMMANDS = [
    MetaCommand("set", "KEY VALUE", "sticky api_version, stemcell_api_version or timeout (a number or none)",
                set_setting, ("choice:" + ",".join(SETTINGS), "choice:1,2,3,none")),
    MetaCommand("context", "[key=value | -key ...]", "add, change or remove sticky context keys",
                change_context, ("context*",),
                details="Values are YAML. Context keys go into every request's context, as a cpi-config would."),
    MetaCommand("cpi", "[PATH [ARG ...]]", "switch the CPI executable; alone: back to the bundled reference CPI",
                switch_cpi, ("file*",)),
]
