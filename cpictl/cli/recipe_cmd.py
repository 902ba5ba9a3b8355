"""`cpictl recipe schema|check`: the recipe JSON Schema for editors, and validating a recipe without running it.

`check` refuses what `cpictl run` would refuse before its first step, with the same message and exit code 2 — for
one recipe, or for the recipes of several files and directories, chosen as `cpictl run` chooses them: it loads
each recipe with the same `--var`/`--vars-file` values, resolves its target section, and resolves and
type-checks every step (main and finally) against the variables and the environment. It runs no CPI and opens
no session, so what only a run can tell (a cloud ID, a step's result, a saved value) stays unchecked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cpictl.cli import metavars
from cpictl.cli.completion import complete_recipe_path
from cpictl.cli.exits import UsageError
from cpictl.cli.help_examples import examples
from cpictl.cli.output import emit_document
from cpictl.cli.recipe_vars import VarOpt, VarsFileOpt, load_recipe_with_vars

recipe_app = typer.Typer(help="Recipe tools: validate a recipe without running it; JSON Schema.",
                         no_args_is_help=True, epilog=examples(
                             "cpictl recipe check recipes/lifecycle.yml",
                             "cpictl recipe schema > recipe.schema.json",
                         ))


@recipe_app.command("schema", epilog=examples(
    "cpictl recipe schema > recipe.schema.json  # for your editor's YAML plugin",
))
def schema_command() -> None:
    """Print the recipe JSON Schema, for editor completion.

    Editors use it to complete and validate recipes as you type them."""
    from cpictl.recipes import recipe_json_schema

    emit_document(recipe_json_schema(), "json")


CHECK_HELP = (
    "Load and validate recipes without running them.\n\n"
    "Checks their syntax, keys, methods, arguments and references, and refuses what `cpictl run` refuses before its "
    "first step: an unset ${env.NAME}, a --var of the wrong type. RECIPE may be several files and directories, "
    "chosen as `cpictl run` chooses them. Exit 0 all valid, 2 not (each problem as file:line:column with the quoted "
    "line)."
)


@recipe_app.command("check", help=CHECK_HELP, epilog=examples(
    "cpictl recipe check recipes/lifecycle.yml",
    "cpictl recipe check recipes/  # every recipe in the directory",
    "cpictl recipe check my-disks.yml --var disk_size=4096 --vars-file aws.yml",
))
def check_command(recipe_files: Annotated[list[Path], typer.Argument(
                      metavar="RECIPE...", click_type=metavars.TEXT, help="Recipe files, or directories of recipes.",
                      autocompletion=complete_recipe_path)],
                  var: VarOpt = None, vars_file: VarsFileOpt = None) -> None:
    from cpictl.cli.output import error_message

    several = len(recipe_files) > 1 or recipe_files[0].is_dir()
    files = _recipe_files(recipe_files) if several else recipe_files
    checked, invalid = [], 0
    for file in files:
        try:
            checked.append(_checked(file, var, vars_file, several))
        except UsageError as problem:
            if not several:
                raise
            error_message(str(problem))
            invalid += 1
            continue
        print(f"{file}: ok — {len(checked[-1].steps)} step(s), {len(checked[-1].finally_steps)} finally step(s)")
    if several:
        from cpictl.cli.recipe_vars import unread_vars

        problem = unread_vars(var, checked)
        if problem is not None:
            raise UsageError(problem)
        if invalid:
            raise UsageError(f"{invalid} of {len(files)} recipes are invalid")


def _checked(recipe_file: Path, var: list[str] | None, vars_file: Path | None, shared: bool) -> Any:
    """The loaded recipe, checked as `cpictl run` checks it before its first step; UsageError with the problems."""
    import os

    from cpictl.recipes import RecipeError, target_for
    from cpictl.recipes.preflight import check_recipe
    from cpictl.render.terminal_text import visible_controls
    from cpictl.session import Target

    try:
        recipe = load_recipe_with_vars(recipe_file, var, vars_file, shared=shared)
        # Only the recipe's own target section matters here (its api_version, its context and env references):
        # the base stands for run's defaults without building a real target, which would touch the config dir.
        target = target_for(recipe, Target(argv=[], director_uuid=""))
        check_recipe(recipe, target.api_version, os.environ)
    except RecipeError as error:  # shown as run shows it: terminal controls in a quoted line made visible
        raise UsageError(error.format(visible=visible_controls)) from None
    return recipe


def _recipe_files(paths: list[Path]) -> list[Path]:
    """The recipes `cpictl run` would run from these paths (`cpictl.recipes.discovery`)."""
    from cpictl.cli.output import error_message
    from cpictl.recipes.discovery import find_recipes

    try:
        found = find_recipes(paths)
    except FileNotFoundError as missing:
        raise UsageError(f"{missing}: no such file or directory") from None
    for file in found.suspicious:
        error_message(f"{file}: left out, it looks like a recipe but has no `steps:`", "warning", "yellow")
    if not found.recipes:
        raise UsageError(f"no recipes in {', '.join(map(str, paths))} (*.yml or *.yaml files with `steps:`)")
    return found.recipes
