"""Layer 2: recipes — YAML files of CPI calls with expectations, run step by step as events. Nothing here prints.

The API the CLI (and the REPL's `:run`) uses::

    recipe = load_recipe(path, cli_vars=dict(parse_var_assignment(v) for v in vars), vars_file=vars_file)
    session = CallSession(target_for(recipe, base_target), store)   # then apply explicit CLI flags to the target
    runner = RecipeRunner(recipe, session, from_step=..., to_step=..., keep_going=..., dry_run=...,
                          should_run_step=ask_user, on_stderr_line=show_line)
    try:
        for event in runner.events():          # RunStarted, StepStarted, StepRetrying, StepFinished, StepSkipped,
            render(event)                      # StepPlanned (dry run), RunFinished(summary)
    except KeyboardInterrupt:
        for event in runner.abort():           # runs what is left of `finally`; no-op if the runner already did
            render(event)
        raise
    runner.stop(STDOUT_CLOSED)                 # (while reading events) stop the main steps, still run `finally`
    exit_code = runner.summary.exit_code       # 0 passed/stopped, 2 invalid, 3 misbehaved, 4 failed, 130 (141)
    json_report(runner.summary), junit_report(runner.summary)      # secrets masked
    write_report(path, data)                   # report_files: regular file, symlink, FIFO or device

`load_recipe` and `RecipeRunner(...)` raise `RecipeError` (a list of `RecipeProblem` with file:line:column and the
quoted line); `recipe_json_schema()` is the JSON Schema for `cpictl recipe schema`.

Modules: schema (pydantic models) · positions (YAML with positions) · problems (RecipeError) · validation
(pydantic errors → positions) · checks, name_checks, names, step_ids, loader, sources (semantic checks, step ids,
includes, vars) · discovery (which files of a directory are recipes) · suite (several recipes in one run) ·
plan (the loaded form) · scope (what references see; `${vm}` in finally, or after this run's own create, is this
run's own) · preflight (what is knowable is checked before the first step) · preparation (step → request) ·
selection (--from/--to) · expectations (predicates) · execution (judging an outcome) · runner · events (events
and the summary) · reports · report_files (writing them where asked) · targets.

The names below load on first use (PEP 562): `cpictl.wordargs` parses every YAML argument with
`cpictl.recipes.positions`, and importing that must not cost `cpictl call` the ~200 ms of the runner, the schema
and pydantic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cpictl.recipes.events import (
        EXIT_EXPECTATION,
        EXIT_INTERRUPTED,
        EXIT_INVALID,
        EXIT_MISBEHAVED,
        EXIT_OK,
        RecipeEvent,
        RunFinished,
        RunStarted,
        RunSummary,
        StepFinished,
        StepPlanned,
        StepRetrying,
        StepRow,
        StepSkipped,
        StepStarted,
        exit_status,
    )
    from cpictl.recipes.loader import load_recipe, load_recipe_text, parse_var_assignment
    from cpictl.recipes.plan import LoadedRecipe, PlannedStep
    from cpictl.recipes.problems import RecipeError, RecipeProblem
    from cpictl.recipes.reports import json_report, junit_report
    from cpictl.recipes.runner import RecipeRunner
    from cpictl.recipes.schema import recipe_json_schema
    from cpictl.recipes.targets import target_for

_HOMES = {
    **dict.fromkeys(("EXIT_EXPECTATION", "EXIT_INTERRUPTED", "EXIT_INVALID", "EXIT_MISBEHAVED", "EXIT_OK",
                     "RecipeEvent", "RunFinished", "RunStarted", "RunSummary", "StepFinished", "StepPlanned",
                     "StepRetrying", "StepRow", "StepSkipped", "StepStarted", "exit_status"), "events"),
    **dict.fromkeys(("load_recipe", "load_recipe_text", "parse_var_assignment"), "loader"),
    **dict.fromkeys(("LoadedRecipe", "PlannedStep"), "plan"),
    **dict.fromkeys(("RecipeError", "RecipeProblem"), "problems"),
    **dict.fromkeys(("json_report", "junit_report"), "reports"),
    "RecipeRunner": "runner",
    "recipe_json_schema": "schema",
    "target_for": "targets",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # later lookups are plain attribute reads
    return value


__all__ = [
    "EXIT_EXPECTATION",
    "EXIT_INTERRUPTED",
    "EXIT_INVALID",
    "EXIT_MISBEHAVED",
    "EXIT_OK",
    "LoadedRecipe",
    "PlannedStep",
    "RecipeError",
    "RecipeEvent",
    "RecipeProblem",
    "RecipeRunner",
    "RunFinished",
    "RunStarted",
    "RunSummary",
    "StepFinished",
    "StepPlanned",
    "StepRetrying",
    "StepRow",
    "StepSkipped",
    "StepStarted",
    "exit_status",
    "json_report",
    "junit_report",
    "load_recipe",
    "load_recipe_text",
    "parse_var_assignment",
    "recipe_json_schema",
    "target_for",
]
