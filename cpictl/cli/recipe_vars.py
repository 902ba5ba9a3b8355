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
                          default_api_version: int | None = None, *, shared: bool = False) -> Any:
    """The recipe with its `--var` values and vars file; raises RecipeError. `default_api_version` is an explicit
    `--api-version` (None keeps the loader's own default). `shared`: the values serve several recipes, so a
    `--var` this one does not read is checked by the caller against all of them (`unread_vars`)."""
    from cpictl.recipes import load_recipe, parse_var_assignment

    cli_vars = dict(parse_var_assignment(v) for v in (var or []))
    return load_recipe(recipe_file, cli_vars=cli_vars, vars_file=vars_file, shared_cli_vars=shared,
                       **({"default_api_version": default_api_version} if default_api_version is not None else {}))


def unread_vars(var: list[str] | None, recipes: list[Any]) -> str | None:
    """The problem with `--var` values no recipe of a run of several reads (a typo: `--var disk_sise=1` would
    otherwise run every recipe with its default), or None."""
    from cpictl.recipes import parse_var_assignment
    from cpictl.recipes.validation import did_you_mean

    read = set().union(*(recipe.variables_read for recipe in recipes)) if recipes else set()
    for name, _ in (parse_var_assignment(v) for v in (var or [])):
        if name not in read:
            return f"--var {name}: no recipe of this run has a variable '{name}'{did_you_mean(name, sorted(read))}"
    return None
