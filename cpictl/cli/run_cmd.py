"""`cpictl run RECIPE`: a recipe of CPI calls, unattended or step by step, with live progress and reports."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from cpictl.cli import exits
from cpictl.cli import options as opt
from cpictl.cli.exits import UsageError
from cpictl.cli.options import TargetOptions, journal_path, parse_version
from cpictl.cli.output import emit_document, resolve_format

RUN_HELP = "\n\n".join((  # one string per paragraph: the help formatter wraps, hard breaks would stay
    "Run a YAML recipe of CPI calls with expectations, then its `finally` steps (always).",
    "Every cloud ID a step creates is journalled before it is shown, so an aborted run leaves nothing unknown: "
    "`cpictl ids` lists it and `cpictl cleanup` deletes it.",
    exits.EXIT_CODES_HELP,
))


def _explicit_target(base: Any, options: TargetOptions) -> dict[str, Any]:
    """The flags the user really gave: they win over the recipe's own target."""
    changes: dict[str, Any] = {}
    if options.cpi:
        changes.update(argv=[options.cpi, *options.cpi_args], label="")
    if options.api_version is not None:
        changes["api_version"] = parse_version(options.api_version, "--api-version")
    if options.stemcell_api_version is not None:
        changes["stemcell_api_version"] = parse_version(options.stemcell_api_version, "--stemcell-api-version")
    if options.timeout is not None:
        changes["timeout"] = options.timeout
    if options.cwd is not None:
        changes["cwd"] = options.cwd
    if options.context:
        changes["context"] = {**base.context}
    return changes


class StepConsole:
    """Live progress for a run on a terminal: a spinner per step and the CPI's stderr beneath it."""

    def __init__(self, console: Any, live: bool, mask: Any) -> None:
        self.console, self.live, self.mask, self.status = console, live, mask, None

    def start(self, label: str) -> None:
        if self.live:
            from cpictl.render.progress import Elapsed

            self.stop()
            self.status = self.console.status(Elapsed(label), spinner="dots")
            self.status.start()

    def stop(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None

    def stderr_line(self, line: str) -> None:
        if self.live:
            from cpictl.render.progress import stderr_line

            self.console.print(stderr_line(self.mask(line)), soft_wrap=True)


def _ask_step(step: Any, request: Any) -> str:
    import click

    from cpictl.protocol.redaction import mask_request

    # The whole request, secrets masked: the user decides on what will be sent, not on a prefix of it.
    preview = json.dumps(mask_request(request.as_dict()), indent=2, ensure_ascii=False) if request is not None else ""
    sys.stderr.write(f"\nnext: {step.name} ({step.method})\n{preview}\n")
    while True:
        try:
            answer = typer.prompt("run, skip or quit? [r/s/q]", default="r", err=True).strip().lower()
        except click.exceptions.Abort:  # click's word for Ctrl-C (or Ctrl-D) at a prompt: the runner's is this
            raise KeyboardInterrupt from None
        if answer in ("r", "run", "s", "skip", "q", "quit"):
            return {"r": "run", "s": "skip", "q": "quit"}.get(answer[0], "run")


def run_command(
    recipe_file: Annotated[Path, typer.Argument(metavar="RECIPE", help="Recipe YAML file.")],
    var: Annotated[list[str] | None, typer.Option("--var", help="Set a recipe var k=v (value parsed as YAML); "
                                                     "repeatable.")] = None,
    vars_file: Annotated[Path | None, typer.Option("--vars-file", help="YAML mapping of vars.")] = None,
    from_step: Annotated[str | None, typer.Option("--from", help="Start at this step.")] = None,
    to_step: Annotated[str | None, typer.Option("--to", help="Stop after this step.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the requests (references resolved where "
                                          "possible); run nothing.")] = False,
    keep_going: Annotated[bool, typer.Option("--keep-going", help="Go on after a failed step.")] = False,
    step_mode: Annotated[bool, typer.Option("--step", help="On a terminal, ask before each step: run, skip or "
                                            "quit.")] = False,
    no_finally: Annotated[bool, typer.Option("--no-finally", help="Do not run the finally steps (keep what was "
                                             "created, to inspect it).")] = False,
    report_junit: Annotated[Path | None, typer.Option("--report-junit", help="Write a JUnit XML report.")] = None,
    report_json: Annotated[Path | None, typer.Option("--report-json", help="Write a JSON report.")] = None,
    registry: Annotated[bool, typer.Option("--registry", help="Serve an embedded registry on 127.0.0.1 for "
                                           "registry-mode CPIs and show what they write to it.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show every call in full, as `cpictl call` "
                                          "does.")] = False,
    output: Annotated[str | None, typer.Option("-o", "--output", help="table (live progress), json or yaml "
                                                  "(the report on stdout).")] = None,
    cpi: opt.CpiOpt = None, cpi_arg: opt.CpiArgOpt = None, api_version: opt.ApiVersionOpt = None,
    stemcell_api_version: opt.StemcellOpt = None, director_uuid: opt.DirectorUuidOpt = None,
    context: opt.ContextOpt = None,
    env_mode: opt.EnvModeOpt = None, env: opt.EnvOpt = None, packages_dir: opt.PackagesDirOpt = None,
    jobs_dir: opt.JobsDirOpt = None, cwd: opt.CwdOpt = None, timeout: opt.TimeoutOpt = None,
    session: opt.SessionOpt = None, state: opt.StateOpt = None,
) -> None:
    from cpictl.recipes import RecipeRunner, load_recipe, parse_var_assignment, target_for
    from cpictl.session import CallSession
    from cpictl.store import CloudIdStore

    fmt = "table" if output is None else resolve_format(output)
    if step_mode and not sys.stdin.isatty():
        raise UsageError("--step needs a terminal to ask before each step")
    _check_report_paths(report_junit, report_json)  # before any step creates anything
    options = TargetOptions.from_params(locals())
    base = options.build()
    cli_vars = dict(parse_var_assignment(v) for v in (var or []))
    explicit_api = parse_version(api_version, "--api-version") if api_version is not None else None
    recipe = load_recipe(recipe_file, cli_vars=cli_vars, vars_file=vars_file,
                         **({"default_api_version": explicit_api} if explicit_api is not None else {}))
    target = target_for(recipe, base)
    target = dataclasses.replace(target, **_explicit_target(base, options))
    store = CloudIdStore(journal_path(session, state))
    with contextlib.ExitStack() as stack:
        server = None
        if registry and not dry_run:
            from cpictl.registry_server import embedded_registry

            server = stack.enter_context(embedded_registry(store.path))
            target = server.attach(target)
        runner = RecipeRunner(recipe, CallSession(target, store), from_step=from_step, to_step=to_step,
                              keep_going=keep_going, dry_run=dry_run, run_finally=not no_finally,
                              should_run_step=_ask_step if step_mode else None)
        view = RunView(target, store, fmt, verbose, server)
        summary = _drive(runner, view)
    _write_reports(summary, report_junit, report_json)
    _cleanup_hint(summary, session, state, fmt)
    if fmt != "table":
        from cpictl.recipes import json_report

        emit_document(json_report(summary), fmt)
    raise typer.Exit(summary.exit_code)


@dataclasses.dataclass
class RunView:
    """How this run is shown: where, how much, and the registry whose events belong to each step."""

    target: Any
    store: Any
    fmt: str
    verbose: bool
    registry: Any = None
    mark: int = 0


def _drive(runner: Any, view: RunView) -> Any:
    """Render the runner's events as they come; on Ctrl-C run what is left of `finally`, then stop.

    Ctrl-C reaches us two ways: inside a call the runner catches it, reports the step as interrupted, runs the
    finally steps itself and re-raises at the end; while we render an event it arrives here and `abort()` runs
    them. Either way the user is told when it arrives, before any finally step is shown."""
    from cpictl.protocol.redaction import Redactor
    from cpictl.render.console import make_console

    console = make_console(stderr=view.fmt != "table")
    progress = StepConsole(console, console.is_terminal, Redactor().text)
    runner.on_stderr_line = progress.stderr_line
    announced = False

    def announce(during_finally: bool) -> None:
        nonlocal announced
        if not announced:
            announced = True
            progress.stop()
            from rich.text import Text

            console.print(Text("interrupted during the finally steps: the rest are not run" if during_finally
                               else "interrupted: running the finally steps (Ctrl-C again stops them)",
                               style="yellow"))

    try:
        for event in runner.events():
            _render_event(event, console, progress, view)
            row = getattr(event, "row", None)
            if row is not None and row.status == "interrupted":  # Ctrl-C inside this step's call
                announce(row.phase == "finally")
            elif runner.interrupted:  # Ctrl-C at a --step prompt
                announce(runner.in_finally)
    except KeyboardInterrupt:
        progress.stop()
        if runner.summary is None:  # Ctrl-C while we rendered: abort() runs (or, in cleanup, stops) the rest
            announce(runner.in_finally)
        for event in runner.abort():
            _render_event(event, console, progress, view)
    finally:
        progress.stop()
    return runner.summary


SETTINGS_METHODS = ("create_vm", "attach_disk", "detach_disk")


def _step_details(event: Any, console: Any, view: RunView) -> None:
    """With --verbose the whole call; the embedded registry's requests; and after calls that change agent
    settings, the user-metadata panel."""
    outcome = event.row.outcome
    if outcome is None:
        return
    if view.verbose:
        from cpictl.render.call_view import render_call

        console.print(render_call(outcome, view.target))
    if view.registry is not None:
        from cpictl.render.registry_view import render_registry_events

        events = view.registry.events_since(view.mark)
        if events:
            console.print(render_registry_events(events, view.registry.endpoint))
    if event.row.method in SETTINGS_METHODS and outcome.status == "ok":
        from cpictl.render.metadata_view import metadata_panel

        panel = metadata_panel(outcome, view.target, view.store)
        if panel is not None:
            console.print(panel)


def _render_event(event: Any, console: Any, progress: StepConsole, view: RunView) -> None:
    from cpictl.recipes import (
        RunFinished,
        RunStarted,
        StepFinished,
        StepPlanned,
        StepRetrying,
        StepSkipped,
        StepStarted,
    )
    from cpictl.render import recipe_view

    fmt = view.fmt
    if isinstance(event, StepStarted):
        if view.registry is not None:
            view.mark = view.registry.mark()
        attempt = f" (attempt {event.attempt}/{event.attempts})" if event.attempts > 1 else ""
        progress.start(f"{event.step.name}  {event.step.method}{attempt}")
        return
    progress.stop()
    if fmt != "table" and not isinstance(event, RunFinished):
        return  # machine output: only the report, at the end
    if isinstance(event, RunStarted):
        console.print(recipe_view.run_header(event, view.target))
    elif isinstance(event, StepRetrying):
        from rich.text import Text

        console.print(Text(f"  ↻ {event.step.name}: {'; '.join(event.reasons)[:200]} — retrying in "
                           f"{event.delay:g} s", style="yellow"))
    elif isinstance(event, (StepFinished, StepSkipped)):
        if isinstance(event, StepFinished):
            _step_details(event, console, view)
        console.print(recipe_view.step_line(event.row))
        if event.row.status in ("failed", "misbehaved", "invalid"):
            console.print(recipe_view.failure_details(event.row))
    elif isinstance(event, StepPlanned):
        console.print(recipe_view.planned_step(event))
    elif isinstance(event, RunFinished) and fmt == "table":
        console.print(recipe_view.summary_table(event.summary))


def _check_report_paths(*paths: Path | None) -> None:
    """Fail now, with exit 2, if a report could not be written at the end — not after every step has created
    and deleted cloud resources. Probes the way `write_private` writes: a temporary file beside the report."""
    import os

    from cpictl.userdirs import private_dir

    for path in paths:
        if path is None:
            continue
        if path.is_dir():
            raise UsageError(f"cannot write report {path}: it is a directory")
        probe = path.with_name(f".{path.name}.{os.getpid()}.probe")
        try:
            private_dir(path.parent)
            os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            os.unlink(probe)
        except OSError as exc:
            raise UsageError(f"cannot write report {path}: {exc.strerror or exc}") from None


def _cleanup_hint(summary: Any, session: str | None, state: Path | None, fmt: str) -> None:
    """The summary's "`cpictl cleanup` deletes them" means the default session; name this run's own."""
    import os
    import shlex

    if not summary.leftovers:
        return
    if state is not None:
        option = f"--state {shlex.quote(str(state))}"
    else:
        name = session or os.environ.get("CPICTL_SESSION") or "default"
        if name == "default":
            return
        option = f"--session {shlex.quote(name)}"
    stream = sys.stdout if fmt == "table" else sys.stderr
    stream.write(f"cleanup for this session: cpictl cleanup {option}\n")
    stream.flush()


def _write_reports(summary: Any, junit: Path | None, json_path: Path | None) -> None:
    from cpictl.recipes import json_report, junit_report
    from cpictl.userdirs import write_private

    try:
        if junit is not None:
            write_private(junit, junit_report(summary).encode("utf-8"))
        if json_path is not None:
            write_private(json_path, json.dumps(json_report(summary), indent=2, ensure_ascii=False).encode())
    except OSError as exc:
        raise UsageError(f"cannot write report: {exc}") from None
