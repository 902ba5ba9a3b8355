"""`cpictl diff RECIPE|--trace N`: the same steps on two sides — two targets, two builds, two callers or two
api_versions — compared step by step.

Thin: the sides come from the options in `diff_sides`, run and clean up in `cpictl.diff.sides`, are compared in
`cpictl.diff.steps` and shown by `cpictl.render.diff_view`. Everything is checked — options, the recipe for each
side, the trace entry and its masked values — before anything runs on either side, so a usage error (2) never
leaves half a diff behind. Side A runs (and is cleaned up) before side B starts; an interruption stops there.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from cpictl.cli import metavars
from cpictl.cli import options as opt
from cpictl.cli.exits import MISBEHAVED, UsageError
from cpictl.cli.help_examples import examples
from cpictl.cli.options import TargetOptions
from cpictl.cli.trace_options import ExactOpt, FileOpt, OutputOpt, complete_number

DIFF_HELP = "\n\n".join((
    "Run a recipe or a traced call on two sides and compare them.",
    "The same recipe, or one call of the session's trace, runs on side A then on side B, compared step by step. "
    "The sides: give one of --target, --cpi, --as, --api-version or --stemcell-api-version twice, the first value "
    "for side A and the second for side B (two named targets, two builds of a CPI, director and create-env, "
    "api_version 1 and 2). An option given once, and every other option, applies to both sides; with none given "
    "twice both sides run the same target, which shows what varies between two runs of it.",
    "RECIPE runs on each side as `cpictl run RECIPE --keep-going` runs it: every step, then its finally steps. "
    "--trace N sends call N of the session's trace (or of --file F) instead, as `cpictl trace replay N` sends it: "
    "its method and arguments, and its caller and versions unless the sides set them; values the trace masked come "
    "from --var PATH=VALUE, or from a prompt on a terminal.",
    "Each side runs in a session of its own, NAME-diff-a and NAME-diff-b (NAME: --session, $CPICTL_SESSION or "
    "default; with --state FILE, files beside it), where every cloud ID it creates is journalled. What a side still "
    "holds when it is done is deleted through its own target, unless --keep; anything left is named with the "
    "`cpictl cleanup --session NAME-diff-a` that deletes it.",
    "Compared per step: outcome, exit code or signal, result (down to the path that differs), error (type, "
    "message, ok_to_retry), verdict codes with what the director and create-env do, the kinds of cloud IDs "
    "created and deleted (+vm -disk), and the recipe's verdict on the step. Ignored unless --exact: cloud IDs "
    "(wherever they reappear), request IDs and time stamps in answers, and the addresses the CPI chose (an IP or "
    "MAC address in an answer that its request did not name). Never compared: durations, logs, stderr, and the "
    "request's own request_id (cpictl makes a fresh one for every call).",
    "Exit codes: 0 the same on both sides; 1 they differ; 2 usage error, an invalid recipe or a trace call that "
    "cannot be sent (nothing ran); 3 a side could not be compared: its CPI could not be started, or none of its "
    "calls got an answer cpictl could read; 130 interrupted (Ctrl-C; 143 SIGTERM, 129 SIGHUP): the running side's "
    "finally steps have run, and the other side does not start.",
))
DIFF_EXAMPLES = examples(
    "cpictl diff recipes/walkthrough.yml --api-version 1 --api-version 2",
    "cpictl diff recipes/lifecycle.yml --target aws-old --target aws-new",
    "cpictl diff --trace 12 --cpi ./old/bin/cpi --cpi ./new/bin/cpi",
    "cpictl diff recipes/walkthrough.yml  # the same target twice: what varies",
)
SIDES = "Sides (once: both sides; twice: side A, then side B)"


def _twice(option: str, metavar: str, what: str) -> Any:
    return Annotated[list[str] | None, typer.Option(option, metavar=metavar, help=what + ".", rich_help_panel=SIDES)]


TargetsOpt = _twice("--target", "NAME", "A named target (./cpictl.yml or the user's config.yml)")
CpisOpt = _twice("--cpi", "PATH", "A CPI executable (default: the bundled reference CPI)")
CallersOpt = _twice("--as", metavars.choices("director", "create-env"), "The caller whose requests to send")
ApiVersionsOpt = _twice("--api-version", metavars.choices("1", "2", "3", "none", "auto"),
                        "The contract version (default auto: negotiated)")
StemcellsOpt = _twice("--stemcell-api-version", "N|none", "The stemcell's api_version in the context")


def diff_command(
    recipe: Annotated[Path | None, typer.Argument(metavar="[RECIPE]", click_type=metavars.TEXT,
                                                  help="The recipe file both sides run (or --trace N).")] = None,
    trace: Annotated[int | None, typer.Option("--trace", metavar="N", help="Call N of the session's trace "
                                              "instead of a recipe (`cpictl trace list`).",
                                              autocompletion=complete_number)] = None,
    file: FileOpt = None,
    var: Annotated[list[str] | None, typer.Option("--var", metavar="NAME=VALUE", help="A recipe var; with "
                                                  "--trace, a masked value (PATH=VALUE, as trace replay takes "
                                                  "it). Repeatable.")] = None,
    vars_file: Annotated[Path | None, typer.Option("--vars-file", metavar="FILE",
                                                   help="YAML mapping of recipe vars.")] = None,
    exact: ExactOpt = False,
    keep: Annotated[bool, typer.Option("--keep", help="Keep what a side still holds when it is done (its "
                                       "session lists it) instead of deleting it.")] = False,
    output: OutputOpt = None,
    target: TargetsOpt = None, cpi: CpisOpt = None, caller: CallersOpt = None, api_version: ApiVersionsOpt = None,
    stemcell_api_version: StemcellsOpt = None,
    cpi_arg: opt.CpiArgOpt = None, preferred_api_version: opt.PreferredOpt = None,
    director_uuid: opt.DirectorUuidOpt = None, context: opt.ContextOpt = None, env_mode: opt.EnvModeOpt = None,
    env: opt.EnvOpt = None, packages_dir: opt.PackagesDirOpt = None, jobs_dir: opt.JobsDirOpt = None,
    cwd: opt.CwdOpt = None, timeout: opt.TimeoutOpt = None, session: opt.SessionOpt = None,
    state: opt.StateOpt = None,
) -> None:
    # The help is DIFF_HELP.
    from cpictl.cli.diff_sides import RecipeSides, TraceSides, same_sides_note, side_journals, side_values
    from cpictl.cli.output import error_message, resolve_format

    fmt = resolve_format(output)
    if (recipe is None) == (trace is None):
        raise UsageError("give a RECIPE or --trace N (one of them)")
    if trace is None and file is not None:
        raise UsageError("--file names the trace --trace N reads: give it with --trace")
    values = side_values({"target": target, "cpi": cpi, "caller": caller, "api_version": api_version,
                          "stemcell_api_version": stemcell_api_version})
    shared = TargetOptions.from_params({**locals(), "target": None, "cpi": None, "caller": None,
                                        "api_version": None, "stemcell_api_version": None})
    journals = side_journals(session, state)
    note = same_sides_note(values)
    if note:
        error_message(note, "note", "yellow")
    if recipe is not None:
        prepared: Any = RecipeSides(recipe, var, vars_file, shared, values, journals)
        title = str(recipe)
    else:
        prepared = TraceSides(trace or 0, file, var, session, state, shared, values, journals)
        title = f"trace call {trace} ({prepared.method})"
    runs = _run_sides(prepared, keep)
    _report(runs, exact, fmt, title, {"recipe": str(recipe)} if recipe is not None
            else {"trace": trace, "method": prepared.method})


def _run_sides(prepared: Any, keep: bool) -> list[Any]:
    """Side A, its cleanup, then side B and its cleanup; an interrupted side ends the diff (exit 130/143/129)."""
    from cpictl.cli.diff_progress import DiffProgress
    from cpictl.cli.interrupted_calls import finish_interrupted_calls
    from cpictl.diff.sides import clean_up, settle
    from cpictl.store import CloudIdStore

    for side in prepared.sides:
        finish_interrupted_calls(CloudIdStore(side.journal))
    progress = DiffProgress()
    runs: list[Any] = []
    for index in range(2):
        run = prepared.run(index, progress)
        runs.append(run)
        if run.interrupted:
            settle(run)
            _interrupted(runs)
        try:
            if keep:
                settle(run)
            else:
                clean_up(run)
        except KeyboardInterrupt:  # during the cleanup: what it did not reach is named
            settle(run)
            _interrupted(runs)
    return runs


def _interrupted(runs: list[Any]) -> None:
    """Name what the interrupted side left, then end as every command ends on Ctrl-C or a signal (`main` says
    which it was and exits 130, 143 or 129)."""
    from cpictl.cli.output import error_message
    from cpictl.render.diff_view import leftover_lines

    not_started = "; side B was not started" if len(runs) == 1 else ""
    error_message(f"side {runs[-1].side.letter} was stopped after its finally steps{not_started}", "note", "yellow")
    for line in leftover_lines(runs):
        error_message(line.plain, "note", "yellow")
    raise KeyboardInterrupt


def _report(runs: list[Any], exact: bool, fmt: str, title: str, source: dict[str, Any]) -> None:
    from cpictl.diff.steps import compare_runs
    from cpictl.render.diff_view import cleanup_line, diff_view, leftover_lines

    diff = compare_runs(runs[0], runs[1], exact=exact)
    code = MISBEHAVED if diff.unusable else 0 if diff.equal else 1
    if fmt != "table":
        from cpictl.cli.output import emit_document

        for line in leftover_lines(runs):  # stdout carries only the document
            sys.stderr.write(line.plain + "\n")
        emit_document({"source": source, **diff.as_dict(), "exit_code": code}, fmt)
    else:
        from rich.console import Group

        from cpictl.cli.output import stdout_console

        cleaned = cleanup_line(runs)
        stdout_console().print(Group(diff_view(diff, title), *leftover_lines(runs),
                                     *([cleaned] if cleaned is not None else [])))
    raise typer.Exit(code)
