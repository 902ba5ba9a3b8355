"""`--var` and `--vars-file`: the options that give a recipe its variables, and loading a recipe with them.

`cpictl run` and `cpictl recipe check` both load through here, so a recipe check sees the variables a run would
see and refuses the same input (a `--var` that is not NAME=VALUE, one the recipe never reads) with the same
message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

VarOpt = Annotated[list[str] | None, typer.Option("--var", metavar="NAME=VALUE", help="Set a recipe var (value "
                                                  "parsed as YAML); repeatable.")]
VarsFileOpt = Annotated[Path | None, typer.Option("--vars-file", metavar="FILE", help="YAML mapping of vars.")]


def load_recipe_with_vars(recipe_file: Path, var: list[str] | None, vars_file: Path | None,
                          default_api_version: int | None = None) -> Any:
    """The recipe with its `--var` values and vars file; raises RecipeError. `default_api_version` is an explicit
    `--api-version` (None keeps the loader's own default)."""
    from cpictl.recipes import load_recipe, parse_var_assignment

    cli_vars = dict(parse_var_assignment(v) for v in (var or []))
    return load_recipe(recipe_file, cli_vars=cli_vars, vars_file=vars_file,
                       **({"default_api_version": default_api_version} if default_api_version is not None else {}))
