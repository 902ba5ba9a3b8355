"""`cpictl recipe schema|check`: the recipe JSON Schema for editors, and validating a recipe without running it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cpictl.cli.output import emit_document

recipe_app = typer.Typer(help="Recipe tools: the JSON Schema for editors, and checking a recipe without running it.",
                         no_args_is_help=True)


@recipe_app.command("schema")
def schema_command() -> None:
    """Print the recipe JSON Schema (for editor completion and validation)."""
    from cpictl.recipes import recipe_json_schema

    emit_document(recipe_json_schema(), "json")


@recipe_app.command("check")
def check_command(recipe_file: Annotated[Path, typer.Argument(metavar="RECIPE")],
                  var: Annotated[list[str] | None, typer.Option("--var", help="Set a recipe var k=v.")] = None) -> None:
    """Load and validate a recipe (syntax, keys, methods, arguments, references) without running it."""
    from cpictl.recipes import load_recipe, parse_var_assignment

    recipe = load_recipe(recipe_file, cli_vars=dict(parse_var_assignment(v) for v in (var or [])))
    print(f"{recipe_file}: ok — {len(recipe.steps)} step(s), {len(recipe.finally_steps)} finally step(s)")
