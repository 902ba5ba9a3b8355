"""`cpictl run RECIPE…`: recipes of CPI calls, unattended or step by step, with live progress and reports.

This module is the command, one recipe's run (`RunPlan`) and its drive loop; the rest of a run's edge lives beside
it, one job a module: `run_suite` (several recipes or a directory), `step_prompt` (the `--step` question),
`run_view` (what is shown for each event, at which detail level; `render.run_settings`: the agent settings once
per VM), `run_output` (a closed stdout: stop, clean up, exit 141) and `run_reports` (the JUnit and JSON reports);
`recipe_vars` loads a recipe with its variables, as `cpictl recipe check` does. The runner keeps the rest.

Rules kept here:
- Ctrl-C, wherever it arrives, runs what is left of the finally steps before the run stops (exit 130); SIGTERM
  and SIGHUP do the same and exit 143 and 129. The line that announces it names which it was ("terminated
  (SIGTERM): running the finally steps …"): a CI log must not blame a Ctrl-C nobody pressed.
- The leftovers line under the summary gives commands for this run's session (`cpictl cleanup --session NAME`);
  in machine output it goes to stderr.
- A closed stdout (`cpictl run … | head`) ends the run with 141 after the finally steps and the reports, even
  when the run itself had finished: its output did not all arrive.
- A recipe that cannot be run (exit 2) still gets the reports that were asked for, recording the problem.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from cpictl.cli import metavars
from cpictl.cli import options as opt
from cpictl.cli.completion import complete_recipe
from cpictl.cli.detail_options import OUTPUT, PrintOpt, VerboseOpt, detail_option
from cpictl.cli.exits import UsageError
from cpictl.cli.help_examples import examples
from cpictl.cli.options import TargetOptions, journal_path, parse_version, wants_registry
from cpictl.cli.output import emit_document, error_message, resolve_format
from cpictl.cli.recipe_vars import VarOpt, VarsFileOpt, load_recipe_with_vars
from cpictl.cli.run_output import RunOutput, output_gone, silence, stdout_closed_message
from cpictl.cli.run_reports import check_report_paths, reports_of_invalid, write_reports
from cpictl.cli.run_view import RunView, StepConsole
from cpictl.cli.step_prompt import StepPrompt

RUN_HELP = "\n\n".join((  # one string per paragraph: the help formatter wraps, hard breaks would stay
    "Run YAML recipes of CPI calls and check their expectations.",
    "Each recipe's `finally` steps run after its steps, always. RECIPE is a recipe file or a directory: every "
    "*.yml/*.yaml recipe in it (subdirectories too) runs, sorted; files other recipes include and YAML files without "
    "`steps:` are left out. It may also be the name of a recipe that ships with cpictl (`cpictl recipe list`), when "
    "no such file or directory exists. --tag TAG runs only the recipes tagged TAG (`tags: [..]`). Several recipes "
    "end with one summary of them all and one report.",
    "Every cloud ID a step creates is journalled before it is shown, so an aborted run leaves nothing unknown: "
    "`cpictl ids` lists it and `cpictl cleanup` deletes it.",
    "Exit codes (several recipes: the worst of them): 0 every step passed (or you chose quit in --step mode and "
    "nothing failed); 2 usage error or invalid recipe (also a reference or argument that only fails at run time); "
    "3 the CPI misbehaved (contract violation, crash, timeout, not executable); 4 an expectation failed — a CPI "
    "error answer the step did not expect is one, so run never exits 1; 130 interrupted (Ctrl-C); 141 stdout was "
    "closed (`| head`); 143 terminated (SIGTERM); 129 hung up (SIGHUP: the terminal closed). After 129, 130, 141 "
    "and 143 the finally steps of the recipe that was running have run, and no further recipe starts.",
))
RUN_EXAMPLES = examples(
    "cpictl run walkthrough  # a shipped recipe, by name (cpictl recipe list)",
    "cpictl run recipes/ --tag portable --target aws --report-junit run.xml",
    "cpictl run recipes/lifecycle.yml --var disk_size=4096 --keep-going",
    "cpictl run recipes/walkthrough.yml --step  # ask before each step",
)
RunQuietOpt = Annotated[bool, typer.Option("-q", "--quiet", help="Only the failed steps (in full) and the summary.",
                                           rich_help_panel=OUTPUT)]


def run_command(
    recipe_files: Annotated[list[Path], typer.Argument(metavar="RECIPE...", click_type=metavars.TEXT,
                                                       help="Recipe files, directories of recipes, or names of "
                                                       "shipped recipes.",
                                                       autocompletion=complete_recipe)],
    var: VarOpt = None, vars_file: VarsFileOpt = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", metavar="TAG", help="Run only the recipes tagged so "
                                                  "(`tags:`); repeatable: any of them.")] = None,
    from_step: Annotated[str | None, typer.Option("--from", metavar="STEP", help="Start at this step (its id, or "
                                                  "a name only it has).")] = None,
    to_step: Annotated[str | None, typer.Option("--to", metavar="STEP", help="Stop after this step.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the requests (references resolved where "
                                          "possible); run nothing.")] = False,
    keep_going: Annotated[bool, typer.Option("--keep-going", help="Go on after a failed step.")] = False,
    step_mode: Annotated[bool, typer.Option("--step", help="On a terminal, ask before each step, one key: run, "
                                            "skip, quit, or continue without asking.")] = False,
    no_finally: Annotated[bool, typer.Option("--no-finally", help="Do not run the finally steps (keep what was "
                                             "created, to inspect it).")] = False,
    report_junit: Annotated[Path | None, typer.Option("--report-junit", metavar="FILE",
                                                      help="Write a JUnit XML report.")] = None,
    report_json: Annotated[Path | None, typer.Option("--report-json", metavar="FILE",
                                                     help="Write a JSON report.")] = None,
    registry: Annotated[bool, typer.Option("--registry", help="Serve an embedded registry on 127.0.0.1 for "
                                           "registry-mode CPIs and show what they write to it.")] = False,
    quiet: RunQuietOpt = False, verbose: VerboseOpt = False, printed: PrintOpt = None,
    output: Annotated[str | None, typer.Option("-o", "--output", metavar=metavars.FORMATS, help="table (live "
                                                  "progress), json or yaml (the report on stdout).")] = None,
    target: opt.TargetNameOpt = None, cpi: opt.CpiOpt = None, cpi_arg: opt.CpiArgOpt = None,
    api_version: opt.ApiVersionOpt = None,
    stemcell_api_version: opt.StemcellOpt = None, caller: opt.CallerOpt = None,
    preferred_api_version: opt.PreferredOpt = None, negotiate: opt.NegotiateOpt = None,
    renegotiate: opt.RenegotiateOpt = False, director_uuid: opt.DirectorUuidOpt = None,
    context: opt.ContextOpt = None,
    env_mode: opt.EnvModeOpt = None, env: opt.EnvOpt = None, packages_dir: opt.PackagesDirOpt = None,
    jobs_dir: opt.JobsDirOpt = None, cwd: opt.CwdOpt = None, timeout: opt.TimeoutOpt = None,
    session: opt.SessionOpt = None, state: opt.StateOpt = None,
) -> None:
    from cpictl.cli.recipe_args import shipped_or_given
    from cpictl.store import CloudIdStore

    recipe_files = shipped_or_given(recipe_files)  # `cpictl run walkthrough`: a shipped recipe by its name
    fmt = "table" if output is None else resolve_format(output)
    detail = detail_option(quiet, verbose, printed)
    if step_mode and not sys.stdin.isatty():
        raise UsageError("--step needs a terminal to ask before each step")
    check_report_paths(report_junit, report_json)  # before any step creates anything
    options = TargetOptions.from_params(locals())
    options.flags_layer()  # a mistyped flag is said before anything else is read
    store = CloudIdStore(journal_path(session, state))
    if not dry_run:
        from cpictl.cli.interrupted_calls import finish_interrupted_calls

        finish_interrupted_calls(store)
    explicit_api = parse_version(api_version, "--api-version") if api_version is not None else None
    view = RunView(None, store, fmt, detail, run_finally=not no_finally,
                   session_option=_session_option(session, state))
    plan = RunPlan(options, store, explicit_api, var, vars_file, from_step=from_step, to_step=to_step,
                   keep_going=keep_going, dry_run=dry_run, run_finally=not no_finally, step_mode=step_mode,
                   registry=registry)
    if len(recipe_files) == 1 and not recipe_files[0].is_dir():
        _run_one_file(recipe_files[0], plan, view, tag or [], report_junit, report_json)
    from cpictl.cli.run_suite import run_suite

    run_suite(recipe_files, plan, view, tag or [], report_junit, report_json)


def _run_one_file(recipe_file: Path, plan: RunPlan, view: RunView, tags: list[str], junit: Path | None,
                  json_path: Path | None) -> None:
    """One recipe file: its report is the recipe's own, and a recipe that cannot be run is exit 2 with its
    problem (the reports still written)."""
    with reports_of_invalid(recipe_file, junit, json_path):
        recipe = plan.load(recipe_file)
        if tags and not set(tags) & set(recipe.tags):
            raise UsageError(f"{recipe_file} has none of the tags {', '.join(tags)} (its tags: "
                             f"{', '.join(recipe.tags) or 'none'})")
        summary = plan.run(recipe, view)
    write_reports(summary, junit, json_path)
    finish_run(summary.exit_code, view, summary.headline, lambda: json_report_of(summary), summary)


def finish_run(exit_code: int, view: RunView, headline: str, document: Any, summary: Any) -> None:
    """The end of every run: the report on stdout in machine output (the leftovers line on stderr), then the exit
    code — 141 when stdout was closed, also if the run itself had finished: its output did not all arrive."""
    try:
        if not view.stdout_closed and view.fmt != "table":
            _leftovers_on_stderr(summary, view)
            emit_document(document(), view.fmt)
    except BrokenPipeError:
        view.stdout_closed = True
        silence(sys.stdout)
    if view.stdout_closed:
        from cpictl.recipes.events import EXIT_STDOUT_CLOSED

        error_message(stdout_closed_message(headline, summary.dry_run, view))
        raise typer.Exit(EXIT_STDOUT_CLOSED)
    raise typer.Exit(exit_code)


def json_report_of(summary: Any) -> Any:
    from cpictl.recipes import json_report

    return json_report(summary)


class RunPlan:
    """What every recipe of this run shares: the command line's target flags, the session, the variables and the
    run options. `load` reads a recipe with the variables; `run` runs it and returns its summary."""

    def __init__(self, options: TargetOptions, store: Any, explicit_api: int | None, var: list[str] | None,
                 vars_file: Path | None, **run_options: Any) -> None:
        self.options, self.store, self.explicit_api = options, store, explicit_api
        self.var, self.vars_file = var, vars_file
        self.registry = run_options.pop("registry")
        # one prompt for the whole run: `c` (continue without asking) holds for the recipes after this one too
        self.prompt = StepPrompt() if run_options.pop("step_mode") else None
        self.run_options = run_options

    def load(self, recipe_file: Path, *, shared: bool = False) -> Any:
        return load_recipe_with_vars(recipe_file, self.var, self.vars_file, self.explicit_api, shared=shared)

    def run(self, recipe: Any, view: RunView) -> Any:
        """Run one loaded recipe, shown through `view`; its summary (interrupted when a Ctrl-C, a signal or a
        closed stdout stopped it). Raises RecipeError for what only its preflight finds."""
        from cpictl import shutdown
        from cpictl.recipes import RecipeRunner
        from cpictl.recipes.targets import recipe_layer
        from cpictl.session import CallSession

        with contextlib.ExitStack() as stack:
            target = self.options.build(recipe_layer(recipe))  # flags, --target, the recipe's target:, default:
            server = None
            if wants_registry(target, self.registry) and not self.run_options["dry_run"]:
                from cpictl.registry.server import registry_for

                server = stack.enter_context(registry_for(target, self.store.path))
                target = server.attach(target)
            runner = RecipeRunner(recipe, CallSession(target, self.store), **self.run_options,
                                  should_run_step=self.prompt)
            view.target, view.registry = target, server
            summary = _drive(runner, view)
        if summary.interrupted and shutdown.ending_signal() is not None:  # SIGTERM/SIGHUP, not Ctrl-C: 143/129
            summary.interrupted_exit_code = shutdown.exit_code()
        return summary


def _drive(runner: Any, view: RunView) -> Any:
    """Render the runner's events as they come; on Ctrl-C run what is left of `finally`, then stop.

    Ctrl-C reaches us two ways: inside a call (or at a --step prompt) the runner catches it, reports the step as
    interrupted, runs the finally steps itself and re-raises at the end; while we render an event it arrives here
    and `abort()` runs them. Either way the user is told when it arrives, before any finally step is shown."""
    from cpictl.protocol.redaction import Redactor
    from cpictl.render.console import make_console

    console = make_console(stderr=view.fmt != "table")
    console.on_broken_pipe = output_gone  # rich's own answer is to exit with status 1, skipping the cleanup
    view.secrets = Redactor()
    progress = StepConsole(console, console.is_terminal, view.secrets.text)
    runner.on_stderr_line = progress.stderr_line
    output = RunOutput(console, progress, view, runner)
    announced = False

    def announce(during_finally: bool) -> None:
        nonlocal announced
        if not announced:
            announced = True
            progress.stop()
            from rich.text import Text

            output.say(Text(_interruption_notice(during_finally), style="yellow"))

    try:
        for event in runner.events():
            output.show(event)
            row = getattr(event, "row", None)
            if row is not None and row.status == "interrupted" and not output.closed:  # Ctrl-C inside this call
                announce(row.phase == "finally")
            elif runner.interrupted:  # Ctrl-C at a --step prompt
                announce(runner.in_finally)
    except KeyboardInterrupt:
        progress.stop()
        if runner.summary is None:  # Ctrl-C while we rendered: abort() runs (or, in cleanup, stops) the rest
            announce(runner.in_finally)
        for event in runner.abort():
            output.show(event)
    finally:
        progress.stop()
    return runner.summary


def _interruption_notice(during_finally: bool) -> str:
    """What the run says when it is cut short: what happened — Ctrl-C, or the signal (SIGTERM: a CI job cancelled;
    SIGHUP: the terminal closed, and only a log the output goes to still reads it) — and what happens next. Each
    of them, coming again, stops the finally steps."""
    from cpictl import shutdown

    signum = shutdown.ending_signal()
    if signum is None:
        what, again = "interrupted", "Ctrl-C again"
    else:
        name = signal.Signals(signum).name
        words, _, detail = shutdown.describe().partition(" (")  # "hung up (the terminal closed)"
        what = f"{words} ({name}; {detail}" if detail else f"{words} ({name})"
        again = f"another {name} or Ctrl-C"
    if during_finally:
        return f"{what} during the finally steps: the rest are not run"
    return f"{what}: running the finally steps ({again} stops them)"


def _session_option(session: str | None, state: Path | None) -> str:
    """The option that names this run's session, for the commands the leftovers line gives: `--state FILE`,
    `--session NAME` (also one from $CPICTL_SESSION: the shell the user pastes into may not have it), or nothing
    for the default session."""
    import os
    import shlex

    if state is not None:
        return f"--state {shlex.quote(str(state))}"
    from_environment = os.environ.get("CPICTL_SESSION") or "default"
    name = session or from_environment
    if name == "default" and from_environment == "default":  # a bare command in this shell means this session
        return ""
    return f"--session {shlex.quote(name)}"


def _leftovers_on_stderr(summary: Any, view: RunView) -> None:
    """Machine output shows no summary table: its leftovers line goes to stderr, so someone reading a CI log still
    sees what was left and how to delete it (stdout carries only the report)."""
    from cpictl.render.recipe_view import leftovers_line

    line = leftovers_line(summary, view.session_option)
    if line is not None:
        with contextlib.suppress(OSError):  # a closed stderr must not pass for a closed stdout
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
