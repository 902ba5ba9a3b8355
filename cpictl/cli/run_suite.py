"""`cpictl run` with several recipes or a directory (`cpictl run recipes/ --tag smoke`): find them, load them all
before the first call, run them one after the other, and end with one summary and one report.

Rules kept here:
- Every recipe is loaded (and its `--var` values checked) before anything runs. One that cannot be loaded is
  said on stderr with its file:line problem, counted as invalid, and the others still run — as `hurl --test`
  goes on past a file it cannot parse. A `--var` must be read by at least one recipe of the run.
- `--tag T` (repeatable) keeps the recipes tagged with any of them; a tag no recipe has is an error (exit 2), not
  a green run of nothing.
- Each recipe runs its own finally steps. A Ctrl-C, a signal or a closed stdout stops the recipe that is running
  (after its finally steps) and no further recipe starts; those are listed as not run.
- The exit code is the worst of the recipes' (`cpictl.recipes.suite`); the reports cover every recipe.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cpictl.cli.exits import UsageError
from cpictl.cli.output import error_message
from cpictl.cli.run_view import RunView


def run_suite(paths: list[Path], plan: Any, view: RunView, tags: list[str], junit: Path | None,
              json_path: Path | None) -> None:
    from cpictl.cli.run_cmd import finish_run
    from cpictl.cli.run_reports import write_suite_reports
    from cpictl.recipes.suite import SuiteSummary

    if plan.run_options["from_step"] is not None or plan.run_options["to_step"] is not None:
        raise UsageError("--from and --to pick steps of one recipe: give one recipe file")
    files = _chosen_files(paths, tags, view)
    entries, recipes = _loaded(files, plan)
    view.several = True
    suite = SuiteSummary(entries)
    stopped: str | None = None
    for entry in entries:
        recipe = recipes.get(entry.file)
        if recipe is None:
            continue
        if stopped is not None:
            entry.not_run = stopped
            continue
        try:
            entry.summary = plan.run(recipe, view)
        except _recipe_error() as error:  # what only the preflight finds: this recipe is invalid, not the run
            entry.error = error
            _say_invalid(error)
            continue
        except UsageError as problem:  # its target: a named target that does not exist, a CPI flag it refuses
            entry.error = _as_recipe_error(entry.file, str(problem))
            error_message(f"{entry.file}: {problem}")
            continue
        if entry.summary.interrupted:
            stopped = f"not run: {_what_stopped(entry.summary)}"
    write_suite_reports(suite, junit, json_path)
    if view.fmt == "table" and not view.stdout_closed:
        _show_summary(suite, view)
    finish_run(suite.exit_code, view, suite.headline, lambda: _json(suite), suite)


def _chosen_files(paths: list[Path], tags: list[str], view: RunView) -> list[Path]:
    from cpictl.recipes.discovery import find_recipes

    try:
        found = find_recipes(paths)
    except FileNotFoundError as missing:
        from cpictl.cli.recipe_args import not_found_hint

        raise UsageError(f"{missing}: no such file or directory", hint=not_found_hint(Path(str(missing)))) from None
    for file, why in found.left_out:
        if file in found.suspicious:
            error_message(f"{file}: left out, it looks like a recipe but has no `steps:`", "warning", "yellow")
        elif view.detail.verbose:
            error_message(f"{file}: {why}", "note", "dim")
    files = found.recipes
    if tags:
        files = [file for file in files if (found.tags[file] is None or set(tags) & set(found.tags[file] or ()))]
        known = sorted({tag for file in found.recipes for tag in found.tags[file] or ()})
        if not files:
            from cpictl.recipes.validation import did_you_mean

            hint = "".join(did_you_mean(tag, known) for tag in tags if tag not in known)
            raise UsageError(f"no recipe has the tag {' or '.join(tags)}{hint} (tags: {', '.join(known) or 'none'})")
    if not files:
        raise UsageError(f"no recipes in {', '.join(map(str, paths))} (*.yml or *.yaml files with `steps:`)")
    return files


def _loaded(files: list[Path], plan: Any) -> tuple[list[Any], dict[Path, Any]]:
    """Every recipe loaded before anything runs: the entries in order, and the recipes that loaded."""
    from cpictl.cli.recipe_vars import unread_vars
    from cpictl.recipes.suite import SuiteEntry

    entries, recipes = [], {}
    for file in files:
        entry = SuiteEntry(file)
        entries.append(entry)
        try:
            recipes[file] = plan.load(file, shared=True)
            entry.recipe_name = recipes[file].name
        except _recipe_error() as error:
            entry.error = error
            _say_invalid(error)
    problem = unread_vars(plan.var, list(recipes.values()))
    if problem is not None:
        raise UsageError(problem)
    return entries, recipes


def _recipe_error() -> type[Exception]:
    from cpictl.recipes import RecipeError

    return RecipeError


def _as_recipe_error(file: Path, message: str) -> Any:
    from cpictl.recipes import RecipeError, RecipeProblem

    return RecipeError([RecipeProblem(str(file), None, None, message)])


def _say_invalid(error: Any) -> None:
    from cpictl.render.terminal_text import visible_controls

    error_message(error.format(visible=visible_controls))


def _what_stopped(summary: Any) -> str:
    from cpictl.recipes.events import EXIT_STDOUT_CLOSED

    if summary.interrupted_exit_code == EXIT_STDOUT_CLOSED:
        return "stdout was closed"
    from cpictl import shutdown

    return shutdown.describe() if shutdown.ending_signal() is not None else "interrupted (Ctrl-C)"


def _show_summary(suite: Any, view: RunView) -> None:
    from rich.text import Text

    from cpictl.cli.run_output import output_gone
    from cpictl.render.console import make_console
    from cpictl.render.recipe_view import leftovers_line
    from cpictl.render.suite_view import suite_table

    console = make_console()
    console.on_broken_pipe = output_gone
    try:
        console.print(suite_table(suite))
        line = leftovers_line(suite, view.session_option)  # type: ignore[arg-type]  # it reads `leftovers`
        if line is not None:
            console.print(Text(line, style="table.caption"), soft_wrap=True)
    except BrokenPipeError:
        from cpictl.cli.run_output import silence

        view.stdout_closed = True
        silence(console.file)


def _json(suite: Any) -> Any:
    from cpictl.recipes.reports import suite_json_report

    return suite_json_report(suite)
