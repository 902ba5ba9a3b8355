"""`cpictl recipe schema|check`: the recipe JSON Schema for editors, and validating a recipe without running it.

`check` refuses what `cpictl run` would refuse before its first step, with the same message and exit code 2: it
loads the recipe with the same `--var`/`--vars-file` values, resolves its target section, and resolves and
type-checks every step (main and finally) against the variables and the environment. It runs no CPI and opens
no session, so what only a run can tell (a cloud ID, a step's result, a saved value) stays unchecked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cpictl.cli import metavars
from cpictl.cli.exits import UsageError
from cpictl.cli.output import emit_document
from cpictl.cli.recipe_vars import VarOpt, VarsFileOpt, load_recipe_with_vars

recipe_app = typer.Typer(help="Recipe tools: the JSON Schema for editors, and checking a recipe without running it.",
                         no_args_is_help=True)


@recipe_app.command("schema")
def schema_command() -> None:
    """Print the recipe JSON Schema (for editor completion and validation)."""
    from cpictl.recipes import recipe_json_schema

    emit_document(recipe_json_schema(), "json")


CHECK_HELP = (
    "Load and validate a recipe without running it.\n\n"
    "Checks its syntax, keys, methods, arguments and references, and refuses what `cpictl run` refuses before its "
    "first step: an unset ${env.NAME}, a --var of the wrong type. Exit 0 valid, 2 not (each problem as "
    "file:line:column with the quoted line)."
)


@recipe_app.command("check", help=CHECK_HELP)
def check_command(recipe_file: Annotated[Path, typer.Argument(metavar="RECIPE", click_type=metavars.TEXT,
                                                              help="Recipe YAML file.")],
                  var: VarOpt = None, vars_file: VarsFileOpt = None) -> None:
    import os

    from cpictl.recipes import RecipeError, target_for
    from cpictl.recipes.preflight import check_recipe
    from cpictl.render.terminal_text import visible_controls
    from cpictl.session import Target

    try:
        recipe = load_recipe_with_vars(recipe_file, var, vars_file)
        # Only the recipe's own target section matters here (its api_version, its context and env references):
        # the base stands for run's defaults without building a real target, which would touch the config dir.
        target = target_for(recipe, Target(argv=[], director_uuid=""))
        check_recipe(recipe, target.api_version, os.environ)
    except RecipeError as error:  # shown as run shows it: terminal controls in a quoted line made visible
        raise UsageError(error.format(visible=visible_controls)) from None
    print(f"{recipe_file}: ok — {len(recipe.steps)} step(s), {len(recipe.finally_steps)} finally step(s)")
