"""`cpictl recipe list|show|copy|schema|check`: the recipes that ship with cpictl, the recipe JSON Schema for
editors, and validating a recipe without running it.

`list`, `show NAME` and `copy NAME DIR` read the shipped recipes (`cpictl.recipes.shipped`): the examples and
`cpictl check`'s groups. `show` prints a recipe's bytes as they are on a pipe (to redirect into a file) and
highlighted on a terminal, and says on stderr what else it needs; `copy` writes it with what it includes and the
assets it names (`cpictl.recipes.copying`), so it runs, and can be edited, anywhere.

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
from cpictl.cli.completion import complete_recipe, complete_shipped_name
from cpictl.cli.exits import UsageError
from cpictl.cli.help_examples import examples
from cpictl.cli.output import emit_document
from cpictl.cli.recipe_vars import VarOpt, VarsFileOpt, load_recipe_with_vars

recipe_app = typer.Typer(help="The shipped recipes; checking a recipe; the JSON Schema.\n\n"
                         "List, print and copy the recipes that ship with cpictl; validate a recipe without running "
                         "it; print the JSON Schema for editors.",
                         no_args_is_help=True, epilog=examples(
                             "cpictl recipe list",
                             "cpictl recipe copy walkthrough my-recipes",
                             "cpictl recipe check recipes/lifecycle.yml",
                             "cpictl recipe schema > recipe.schema.json",
                         ))

NameArg = Annotated[str, typer.Argument(metavar="NAME", click_type=metavars.TEXT,
                                        help="A shipped recipe's name (`cpictl recipe list`).",
                                        autocompletion=complete_shipped_name)]


LIST_HELP = (
    "List the recipes that ship with cpictl.\n\n"
    "The examples, and `cpictl check`'s groups, each with its description and tags. `cpictl run NAME` runs one "
    "from any directory, `cpictl recipe show NAME` prints it and `cpictl recipe copy NAME DIR` copies it to edit."
)


@recipe_app.command("list", help=LIST_HELP, epilog=examples("cpictl recipe list", "cpictl recipe list -o json"))
def list_command(output: Annotated[str | None, typer.Option("-o", "--output", metavar=metavars.FORMATS,
                                                            help="Output format (default: table on a terminal, "
                                                            "json otherwise).")] = None) -> None:
    from cpictl.cli.output import resolve_format
    from cpictl.recipes.shipped import describe, shipped_recipes

    fmt = resolve_format(output)
    rows = [describe(recipe) for recipe in shipped_recipes()]
    if fmt != "table":
        emit_document(rows, fmt)
        return
    from cpictl.cli.output import stdout_console
    from cpictl.render.shipped_view import shipped_table

    stdout_console().print(shipped_table(rows))


SHOW_HELP = (
    "Print a shipped recipe, and say which files it includes and needs.\n\n"
    "Highlighted on a terminal; on a pipe, the file's bytes as they are. The files it includes and the assets it "
    "names are said on stderr."
)


@recipe_app.command("show", help=SHOW_HELP, epilog=examples("cpictl recipe show walkthrough",
                                            "cpictl recipe show check/vms > vms.yml  # the bytes, unhighlighted"))
def show_command(name: NameArg) -> None:
    import sys

    from cpictl.recipes.needs import needed_files
    from cpictl.recipes.sources import read_recipe_bytes

    recipe = _shipped(name)
    try:
        raw = read_recipe_bytes(recipe.file)
    except OSError as error:
        raise UsageError(f"cannot read the shipped {recipe.file}: {error.strerror or error}") from None
    if sys.stdout.isatty():
        from cpictl.cli.output import stdout_console
        from cpictl.render.shipped_view import recipe_source

        stdout_console().print(recipe_source(raw.decode("utf-8", "replace")))
    else:
        sys.stdout.buffer.write(raw)
        sys.stdout.flush()
    needs = needed_files(recipe.file, recipe.root)
    from cpictl.cli.output import error_message

    error_message(_about(recipe, needs), "note", "dim")


def _about(recipe: Any, needs: Any) -> str:
    includes = ", ".join(map(str, needs.includes)) or "nothing"
    files = f"; it needs {', '.join(map(str, needs.files))}" if needs.files else ""
    kind = "an example recipe" if recipe.group is None else f"the `{recipe.group}` group of `cpictl check`"
    return (f"{recipe.name}: {kind} ({recipe.file}); it includes {includes}{files}. "
            f"`cpictl recipe copy {recipe.name} DIR` copies it with them.")


COPY_HELP = (
    "Copy a shipped recipe, and the files it needs, to edit.\n\n"
    "The files it includes and the assets it names come along, in the same layout, so DIR/NAME.yml runs from any "
    "directory (`cpictl run DIR/NAME.yml`). A file already there with other content is not replaced without "
    "--force, and then nothing is copied; the same content is left as it is. Files are written 0600, new "
    "directories 0700."
)


@recipe_app.command("copy", help=COPY_HELP, epilog=examples("cpictl recipe copy lifecycle my-recipes",
                                            "cpictl recipe copy check/vms my-checks --force  # replace an older copy"))
def copy_command(name: NameArg,
                 directory: Annotated[Path, typer.Argument(metavar="DIR", click_type=metavars.TEXT,
                                                           help="Where to copy it (made if missing).")],
                 force: Annotated[bool, typer.Option("--force", help="Replace files that exist with other "
                                                     "content.")] = False) -> None:
    from cpictl.recipes.copying import CopyRefused, copy_recipe

    recipe = _shipped(name)
    try:
        copied = copy_recipe(recipe, directory, force=force)
    except CopyRefused as refused:
        raise UsageError(str(refused)) from None
    for path in copied.written:
        print(f"wrote {path}")
    for path in copied.unchanged:
        print(f"kept  {path} (the same already)")
    print(_how_to_run(recipe, copied.recipe))


def _how_to_run(recipe: Any, copy: Path) -> str:
    if recipe.group is None:
        return f"run it: cpictl run {copy}"
    return (f"It is the `{recipe.group}` group of `cpictl check`: `cpictl run {copy}` runs your copy as a plain recipe "
            f"(each step passes or fails; no caller verdicts), and `cpictl check --with {copy}` adds it to a check. "
            f"The check itself keeps running the shipped group: `cpictl check --only {recipe.group}`.")


def _shipped(name: str) -> Any:
    from cpictl.recipes.shipped import UnknownRecipe, find_shipped

    try:
        return find_shipped(name)
    except UnknownRecipe as unknown:
        raise UsageError(str(unknown), hint="`cpictl recipe list` describes them") from None


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
                      metavar="RECIPE...", click_type=metavars.TEXT, help="Recipe files, directories of recipes, "
                      "or names of shipped recipes.", autocompletion=complete_recipe)],
                  var: VarOpt = None, vars_file: VarsFileOpt = None) -> None:
    from cpictl.cli.output import error_message
    from cpictl.cli.recipe_args import shipped_or_given

    recipe_files = shipped_or_given(recipe_files)
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
        from cpictl.cli.recipe_args import not_found_hint

        raise UsageError(error.format(visible=visible_controls), hint=not_found_hint(recipe_file)) from None
    return recipe


def _recipe_files(paths: list[Path]) -> list[Path]:
    """The recipes `cpictl run` would run from these paths (`cpictl.recipes.discovery`)."""
    from cpictl.cli.output import error_message
    from cpictl.recipes.discovery import find_recipes

    try:
        found = find_recipes(paths)
    except FileNotFoundError as missing:
        from cpictl.cli.recipe_args import not_found_hint

        raise UsageError(f"{missing}: no such file or directory", hint=not_found_hint(Path(str(missing)))) from None
    for file in found.suspicious:
        error_message(f"{file}: left out, it looks like a recipe but has no `steps:`", "warning", "yellow")
    if not found.recipes:
        raise UsageError(f"no recipes in {', '.join(map(str, paths))} (*.yml or *.yaml files with `steps:`)")
    return found.recipes
