"""The two sides of `cpictl diff`, from its options: which option is given twice, what each side is called, and
the session each side runs in.

Rules kept:
- `--target`, `--cpi`, `--as`, `--api-version` and `--stemcell-api-version` may each be given once (both sides)
  or twice (A, then B); a third value is a usage error. Every other target option applies to both sides.
- A side is called by what sets it apart (`api_version 1`, `as create-env`, a target's name, the shortest tail of
  a CPI's path that tells the two apart); with nothing given twice the sides are the `first run` and the
  `second run` of the same target.
- Side sessions are named from the user's: `NAME-diff-a` and `NAME-diff-b` (NAME from --session, $CPICTL_SESSION
  or `default`), or beside a `--state FILE` journal (`FILE-diff-a.jsonl`). The user's own session is only read
  (the trace a `--trace N` comes from), never written.
- Everything a side needs is made before either side runs (`RecipeSides`: the recipe loaded and preflighted for
  each side's api_version; `TraceSides`: the traced call with its masked values filled), so a usage error leaves
  nothing half done.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
from pathlib import Path
from typing import Any

from cpictl.cli.exits import UsageError
from cpictl.cli.options import TargetOptions, parse_version

#: The options that set the sides apart: (TargetOptions field, option, how a value reads in a side's name).
VARYING = (("target", "--target", "{}"), ("cpi", "--cpi", "{}"), ("caller", "--as", "as {}"),
           ("api_version", "--api-version", "api_version {}"),
           ("stemcell_api_version", "--stemcell-api-version", "stemcell api_version {}"))
LETTERS = ("A", "B")


def side_values(given: dict[str, list[str] | None]) -> list[dict[str, str | None]]:
    """For each side, the value of each varying option (None: not given)."""
    sides: list[dict[str, str | None]] = [{}, {}]
    for name, option, _ in VARYING:
        values = list(given.get(name) or [])
        if len(values) > 2:
            raise UsageError(f"{option}: give it once (both sides) or twice (side A, then side B), not "
                             f"{len(values)} times")
        for index in (0, 1):
            sides[index][name] = values[min(index, len(values) - 1)] if values else None
    return sides


def side_labels(values: list[dict[str, str | None]]) -> list[str]:
    """What each side is called (see the module docstring)."""
    parts: list[list[str]] = [[], []]
    for name, _, form in VARYING:
        first, second = values[0][name], values[1][name]
        if first == second:
            continue
        if name == "cpi" and first is not None and second is not None:
            first, second = _telling_tails(first, second)
        for index, value in enumerate((first, second)):  # given twice: both sides have a value
            parts[index].append(form.format(value))
    if not parts[0]:
        return ["first run", "second run"]
    return [", ".join(part) for part in parts]


def _telling_tails(first: str, second: str) -> tuple[str, str]:
    """The shortest ends of two paths that tell them apart: `old/bin/cpi` and `new/bin/cpi`, not `cpi` twice."""
    a, b = Path(first).parts, Path(second).parts
    for length in range(1, max(len(a), len(b)) + 1):
        if a[-length:] != b[-length:]:
            return str(Path(*a[-length:])), str(Path(*b[-length:]))
    return first, second


def side_options(shared: TargetOptions, values: dict[str, str | None]) -> TargetOptions:
    """The shared options with this side's own values."""
    return dataclasses.replace(shared, **{name: value for name, value in values.items() if value is not None})


def side_journals(session: str | None, state: Path | None) -> list[tuple[Path, str]]:
    """(journal, the option that names it on a command line) for side A and side B."""
    if state is not None:
        if session:
            raise UsageError("give --session or --state, not both")
        journals = [state.with_name(f"{state.stem}-diff-{letter.lower()}{state.suffix or '.jsonl'}")
                    for letter in LETTERS]
        return [(journal, f"--state {shlex.quote(str(journal))}") for journal in journals]
    from cpictl.store import default_journal_path

    if session is not None and not session.strip():
        raise UsageError("--session: empty name (leave --session out for $CPICTL_SESSION or 'default')")
    base = session or os.environ.get("CPICTL_SESSION") or "default"
    sides = []
    for letter in LETTERS:
        name = f"{base}-diff-{letter.lower()}"
        try:
            sides.append((default_journal_path(name), f"--session {shlex.quote(name)}"))
        except ValueError as problem:
            raise UsageError(f"--session: {problem}") from None
    return sides


def same_sides_note(values: list[dict[str, Any]]) -> str | None:
    """A note when nothing sets the sides apart: both run the same target (which is how to see what varies
    between two runs of one CPI)."""
    if values[0] != values[1]:
        return None
    return ("nothing sets the two sides apart, so both run the same target: the diff shows what differs between "
            "two runs of it (give two different --target, --cpi, --as or --api-version values to compare two sides)")


class RecipeSides:
    """The recipe loaded and checked for each side (its api_version can change what its steps may send)."""

    def __init__(self, recipe_file: Path, var: list[str] | None, vars_file: Path | None, shared: TargetOptions,
                 values: list[dict[str, Any]], journals: list[tuple[Path, str]]) -> None:
        from cpictl.cli.recipe_vars import load_recipe_with_vars
        from cpictl.diff.sides import Side, check_recipe
        from cpictl.recipes.targets import recipe_layer

        self.sides, self.recipes = [], []
        for letter, label, side_values, (journal, option) in zip("AB", side_labels(values), values, journals,
                                                                  strict=True):
            options = side_options(shared, side_values)
            explicit = options.api_version
            explicit_api = parse_version(explicit, "--api-version") if explicit not in (None, "auto") else None
            recipe = load_recipe_with_vars(recipe_file, var, vars_file, explicit_api)
            side = Side(letter, label, options.build(recipe_layer(recipe)), journal, option)
            check_recipe(recipe, side)
            self.sides.append(side)
            self.recipes.append(recipe)

    def run(self, index: int, progress: Any) -> Any:
        from cpictl.diff.sides import run_recipe

        side = self.sides[index]
        return run_recipe(self.recipes[index], side, on_event=progress.event(side),
                          on_stderr_line=progress.stderr_line)


class TraceSides:
    """The traced call, its masked values filled, and each side's target: the call's caller and versions
    unless the side sets them (as `trace replay` keeps them)."""

    def __init__(self, number: int, file: Path | None, var: list[str] | None, session: str | None,
                 state: Path | None, shared: TargetOptions, values: list[dict[str, Any]],
                 journals: list[tuple[Path, str]]) -> None:
        from cpictl.cli.from_trace import recalled_call
        from cpictl.cli.output import error_message
        from cpictl.cli.trace_options import entry_numbered, journal_and_trace
        from cpictl.diff.sides import Side
        from cpictl.traces.replay import context_not_sent, replay_settings

        _, trace = journal_and_trace(session, state, file)
        entry = entry_numbered(trace, number)
        self.key = f"call {number}"
        self.method, self.arguments = recalled_call(entry, var or [])
        kept = {key: "none" if value is None else str(value) for key, value in replay_settings(entry).items()}
        self.sides = []
        for letter, label, side_values, (journal, option) in zip("AB", side_labels(values), values, journals,
                                                                  strict=True):
            options = side_options(shared, side_values)
            options.caller = options.caller or kept["caller"]
            options.api_version = options.api_version or kept["api_version"]
            options.stemcell_api_version = options.stemcell_api_version or kept["stemcell_api_version"]
            self.sides.append(Side(letter, label, options.build(), journal, option))
            left_out = context_not_sent(entry, self.sides[-1].target)
            if left_out:  # as `trace replay` says it: the sides send their own targets' context
                error_message(f"the traced call's context had {', '.join(left_out)} (cpi-config properties); side "
                              f"{letter} sends its target's context: add them with --context KEY=VALUE if the CPI "
                              "needs them", "note", "yellow")

    def run(self, index: int, progress: Any) -> Any:
        from cpictl.diff.sides import run_call

        side = self.sides[index]
        progress.start(side, self.key, self.method)
        try:
            return run_call(self.method, self.arguments, side, key=self.key, on_stderr_line=progress.stderr_line)
        finally:
            progress.stop()
