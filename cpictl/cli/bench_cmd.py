"""`cpictl bench METHOD [ARG ...]` (or `--recipe FILE`): load a CPI as the director does — many CPI processes at
once — and show how it holds up: latency percentiles and histogram, throughput, errors by type and ok_to_retry, the
contract's verdicts. The IDs its calls create are journalled as they come and deleted at the end unless --keep.

Arguments are taken as `cpictl call` takes them; `${vm}`-style references are resolved once, before the first
call, so every call names the same ID (a reference resolved per call would chase IDs the bench itself creates).
"""

from __future__ import annotations

import contextlib
import math
import shlex
import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from cpictl.cli import exits, metavars
from cpictl.cli import options as opt
from cpictl.cli.completion import complete_call_argument, complete_method
from cpictl.cli.exits import UsageError
from cpictl.cli.help_examples import examples
from cpictl.cli.options import TargetOptions, journal_path, wants_registry
from cpictl.cli.output import emit_document, error_message, resolve_format
from cpictl.cli.recipe_vars import VarOpt

LOAD = "Load"
BENCH_HELP = "\n\n".join((
    "Load-test a CPI as the director does: many calls at once.",
    "Each call is a CPI process of its own; the bench shows the latency (p50, p90, p99, max, mean), a histogram, "
    "throughput, errors by type and ok_to_retry, and the contract check's verdicts.",
    "ARG is taken as `cpictl call` takes it; a reference like ${vm} is resolved once, before the first call, so "
    "every call names the same ID (cpictl bench has_vm '${vm}'). --recipe FILE runs the recipe's steps and its "
    "finally steps as one iteration instead of one call.",
    "Every call goes through cpictl's own path: checked against the contract, and each ID it creates is in the "
    "session's journal before it is counted. At the end the IDs the bench created are deleted, in dependency "
    "order as `cpictl cleanup` does, unless --keep. Ctrl-C stops launching calls and lets the running ones "
    "finish (Ctrl-C again stops them), then cleans up.",
    "-o json: the keys count, ok, errors, errors_by_status, errors_by_type, errors_by_ok_to_retry, calls, "
    "interrupted, elapsed_s, throughput_per_s, latency_s {count, min, p50, p90, p99, max, mean}, histogram, "
    "verdicts, created, cleanup, stopped (seconds throughout; the README describes each).",
    "Exit codes: 0 every call succeeded; 1 a CPI answered with an error; 3 a CPI misbehaved (or would be refused "
    "by its caller); 4 a recipe expectation failed; 2 usage; 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP.",
))
BENCH_EXAMPLES = examples(
    "cpictl bench create_disk 1024 '{}' --count 40 --concurrency 8",
    "cpictl bench has_vm '${vm}' --duration 60  # one VM, asked for a minute",
    "cpictl bench --recipe recipes/lifecycle.yml -n 10 -c 2 --target aws",
    "cpictl bench info -n 200 -o json > bench.json",
)
DEFAULT_COUNT = 100
DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 256


def bench_command(
    method: Annotated[str | None, typer.Argument(
        metavar="METHOD", click_type=metavars.TEXT, help="CPI method, e.g. create_disk (see `cpictl methods`); "
        "none with --recipe.", autocompletion=complete_method)] = None,
    args: Annotated[list[str] | None, typer.Argument(
        metavar="ARG...", click_type=metavars.TEXT, help="Arguments: YAML values, name=value or @file.",
        autocompletion=complete_call_argument)] = None,
    count: Annotated[int | None, typer.Option("--count", "-n", metavar="N", help=f"Iterations to run (default "
                                              f"{DEFAULT_COUNT} without --duration).", rich_help_panel=LOAD)] = None,
    duration: Annotated[float | None, typer.Option("--duration", metavar="S", help="Run for S seconds (with "
                                                   "--count: whichever ends first).", rich_help_panel=LOAD)] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", metavar="C", help="Calls at once (CPI "
                                             "processes running in parallel).", rich_help_panel=LOAD)]
    = DEFAULT_CONCURRENCY,
    recipe: Annotated[Path | None, typer.Option("--recipe", metavar="FILE", help="Each iteration runs this recipe "
                                                "(its steps, then its finally steps) instead of one call.",
                                                rich_help_panel=LOAD)] = None,
    var: VarOpt = None,
    keep: Annotated[bool, typer.Option("--keep", help="Keep what the bench created (live in the journal; `cpictl "
                                       "cleanup` deletes it later).", rich_help_panel=LOAD)] = False,
    output: Annotated[str | None, typer.Option("-o", "--output", metavar=metavars.FORMATS, help="Output format "
                                               "(default: table on a terminal, json otherwise).")] = None,
    show_secrets: Annotated[bool, typer.Option("--show-secrets", help="Do not mask secrets in error "
                                               "messages.")] = False,
    registry: Annotated[bool, typer.Option("--registry", help="Serve an embedded BOSH registry on 127.0.0.1 for "
                                           "the bench, for registry-mode CPIs (as `cpictl call --registry`).")]
    = False,
    target: opt.TargetNameOpt = None, cpi: opt.CpiOpt = None, cpi_arg: opt.CpiArgOpt = None,
    api_version: opt.ApiVersionOpt = None, stemcell_api_version: opt.StemcellOpt = None,
    caller: opt.CallerOpt = None, preferred_api_version: opt.PreferredOpt = None,
    negotiate: opt.NegotiateOpt = None, renegotiate: opt.RenegotiateOpt = False,
    director_uuid: opt.DirectorUuidOpt = None, context: opt.ContextOpt = None, env_mode: opt.EnvModeOpt = None,
    env: opt.EnvOpt = None, packages_dir: opt.PackagesDirOpt = None, jobs_dir: opt.JobsDirOpt = None,
    cwd: opt.CwdOpt = None, timeout: opt.TimeoutOpt = None,
    session: opt.SessionOpt = None, state: opt.StateOpt = None,
) -> None:
    from cpictl.bench.load import Load
    from cpictl.bench.samples import Tally
    from cpictl.cli.bench_live import LiveBench, run_load
    from cpictl.cli.interrupted_calls import open_store
    from cpictl.session import CallSession

    fmt = resolve_format(output)
    plan = _plan(count, duration, concurrency)
    _check_words(method, args, recipe, var)
    options = TargetOptions.from_params(locals())
    options.flags_layer()  # a mistyped flag is said before the journal is opened
    journal = journal_path(session, state)
    store = open_store(journal)
    bench_target, loaded = _recipe_target(options, recipe, var, api_version) if recipe is not None \
        else (options.build(), None)
    with contextlib.ExitStack() as stack:
        if wants_registry(bench_target, registry):  # for registry-mode CPIs; it lives until the cleanup is done
            from cpictl.registry.server import registry_for

            bench_target = stack.enter_context(registry_for(bench_target, journal)).attach(bench_target)
        tally, stop = Tally(), threading.Event()
        calls = CallSession(bench_target, store, observer=tally.observe, journal=journal, stop=stop)
        iteration = _iteration(calls, method, args or [], loaded, journal, show_secrets)
        _prepare(iteration)
        load = Load(iteration, plan, tally, stop)
        with calls.trace_kept_open():
            stopped = run_load(load, LiveBench(iteration.label, load))
        report, stopped = _conclude(load, calls, store, keep, stopped, method=method, recipe=recipe)
    if load.fatal is not None and not (report.count or report.created or report.interrupted):
        raise load.fatal  # nothing happened to sum up: the error alone, as `call` says it
    _show(report, fmt, _cleanup_command(session, state))
    if load.fatal is not None:  # a CPI that cannot start, a journal that cannot take an ID
        raise load.fatal
    raise typer.Exit(_exit_code(report, stopped))


def _check_words(method: str | None, args: list[str] | None, recipe: Path | None, var: list[str] | None) -> None:
    if recipe is not None and (method is not None or args):
        raise UsageError("--recipe runs the recipe's own calls: give no METHOD or ARG with it")
    if recipe is None and method is None:
        raise UsageError("missing METHOD (see `cpictl methods`), or --recipe FILE")
    if var and recipe is None:
        raise UsageError("--var sets a recipe's vars: it needs --recipe")


def _conclude(load: Any, calls: Any, store: Any, keep: bool, stopped: str | None, *, method: str | None,
              recipe: Path | None) -> tuple[Any, str | None]:
    """The summary, once the IDs the bench created are deleted (or kept); and what stopped the bench, if
    anything did — the load, or the cleanup."""
    from cpictl.bench.report import build_report
    from cpictl.bench.teardown import still_live

    tally = load.tally
    report = build_report(tally, load.plan, target=calls.target.display, method=method,
                          recipe=str(recipe) if recipe is not None else None, stopped_by_signal=stopped is not None)
    report.stopped = stopped or (_fatal_words(load.fatal) if load.fatal is not None else None)
    report.teardown.unanswered = _unanswered(tally)
    if keep:
        report.teardown.kept = True
        report.teardown.left = still_live(store, set(tally.created))
        return report, stopped
    return report, _clean_up(store, tally, calls.target, report) or stopped


def _plan(count: int | None, duration: float | None, concurrency: int) -> Any:
    from cpictl.bench.load import LoadPlan

    if count is not None and count < 1:
        raise UsageError("--count: at least 1")
    if duration is not None and not (duration > 0 and math.isfinite(duration)):
        raise UsageError("--duration: a positive number of seconds")
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise UsageError(f"--concurrency: from 1 to {MAX_CONCURRENCY}")
    if count is None and duration is None:
        count = DEFAULT_COUNT
    # more workers than iterations would only wait
    workers = concurrency if count is None else min(concurrency, count)
    return LoadPlan(count, duration, workers)


def _recipe_target(options: TargetOptions, recipe: Path, var: list[str] | None,
                   api_version: str | None) -> tuple[Any, Any]:
    from cpictl.cli.options import parse_version
    from cpictl.cli.recipe_vars import load_recipe_with_vars
    from cpictl.recipes.targets import recipe_layer

    explicit_api = parse_version(api_version, "--api-version") if api_version is not None else None
    loaded = load_recipe_with_vars(recipe, var, None, explicit_api)
    return options.build(recipe_layer(loaded)), loaded


def _iteration(calls: Any, method: str | None, words: list[str], recipe: Any, journal: Path,
               show_secrets: bool) -> Any:
    from cpictl.bench.iterations import MethodIteration, RecipeIteration

    if recipe is not None:
        return RecipeIteration(calls, recipe, show_secrets=show_secrets)
    from cpictl.cli.call_cmd import resolve_references
    from cpictl.protocol.catalogue import get_method
    from cpictl.session import UnknownMethod
    from cpictl.wordargs import parse_cli_arguments

    assert method is not None
    spec = get_method(method)
    if spec is None:
        raise UnknownMethod(method)
    calls.target = calls.begin_operation(calls.target, method)  # the version the words are read for
    arguments = resolve_references(parse_cli_arguments(spec, words, calls.target.api_version), journal)
    return MethodIteration(calls, method, arguments, show_secrets=show_secrets)


def _prepare(iteration: Any) -> None:
    from cpictl.bench.iterations import NotSent

    try:
        iteration.prepare()
    except NotSent as refused:
        error_message(f"not started: {refused}", "⚠", "yellow")
        raise typer.Exit(exits.MISBEHAVED) from None


def _clean_up(store: Any, tally: Any, target: Any, report: Any) -> str | None:
    """Delete the bench's IDs still live (see `cpictl.bench.teardown`); what stopped it, if something did."""
    from cpictl.bench.teardown import bench_cleanup_plan, count_row, run_bench_cleanup, still_live
    from cpictl.cli.bench_live import run_cleanup_rows
    from cpictl.store import StoreError
    from cpictl.transport import CpiNotRunnable

    teardown = report.teardown
    stopped = None
    made = set(tally.created)
    try:
        teardown.deleted_by_calls = len(made) - len(still_live(store, made))
        plan = bench_cleanup_plan(store, made)
        if plan:
            rows = run_bench_cleanup(plan, store, target, concurrency=report.plan.concurrency)
            stopped = run_cleanup_rows(rows, len(plan),
                                       lambda row: count_row(row, teardown))
        if stopped:
            teardown.problem = stopped
    except (CpiNotRunnable, StoreError) as error:
        teardown.problem = str(error)
    except KeyboardInterrupt:  # before the first cleanup call (its own are handled by `run_cleanup_rows`)
        from cpictl import shutdown

        stopped = teardown.problem = shutdown.describe()
    teardown.left = still_live(store, made)
    return stopped


def _unanswered(tally: Any) -> int:
    """Calls that may have created something without giving its ID (the `cloud-id.unknown` verdict)."""
    from cpictl.session import verdict_codes

    seen = sum(1 for sample in tally.samples for code, _ in sample.verdicts if code == "cloud-id.unknown")
    return seen + sum(1 for outcome in tally.interrupted
                      if any(code == "cloud-id.unknown" for code, _ in verdict_codes(outcome)))


def _fatal_words(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if not str(error) else str(error)


def _cleanup_command(session: str | None, state: Path | None) -> str:
    import os

    if state is not None:
        return f"cpictl cleanup --state {shlex.quote(str(state))}"
    name = session or os.environ.get("CPICTL_SESSION")
    return f"cpictl cleanup --session {shlex.quote(name)}" if name and name != "default" else "cpictl cleanup"


def _show(report: Any, fmt: str, cleanup_command: str) -> None:
    if fmt != "table":
        emit_document(report.as_dict(), fmt)
        if report.teardown.left and not report.teardown.kept and sys.stderr.isatty():
            error_message(f"{len(report.teardown.left)} ID(s) the bench created are left: `{cleanup_command}`",
                          "warning", "yellow")
        return
    from cpictl.cli.output import stdout_console
    from cpictl.render.bench_view import render_bench

    stdout_console().print(render_bench(report, cleanup_command=cleanup_command))


def _exit_code(report: Any, stopped: str | None) -> int:
    from cpictl import shutdown

    if stopped:
        return shutdown.exit_code()
    statuses = {status for status, n in report.errors_by_status.items() if n}
    if "misbehaved" in statuses or report.teardown.failed:
        return exits.MISBEHAVED
    if "failed" in statuses:
        return exits.EXPECTATION
    if "cpi-error" in statuses:
        return exits.CPI_ERROR
    return exits.OK
