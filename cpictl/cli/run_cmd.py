"""`cpictl run RECIPE`: a recipe of CPI calls, unattended or step by step, with live progress and reports.

Rules kept here (the runner keeps the rest):
- `--step` asks on the terminal; Ctrl-C at the prompt interrupts like Ctrl-C in a call (the finally steps run,
  unasked, then exit 130), Ctrl-D (end of input) means "quit" — and since nothing more can be read, the finally
  steps then run without asking.
- A closed stdout (`cpictl run … | head`) is not a reason to leave cloud resources behind: printing stops, the
  main steps stop, the finally steps run, the reports are written, stderr says what happened and the exit code is
  141 (128 + SIGPIPE, as if the pipe had killed us). fd 1 is pointed at /dev/null so nothing fails again, not
  even Python's flush of stdout at exit.
- A recipe that cannot be run (exit 2) still gets the reports that were asked for, recording the problem.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from cpictl.cli import options as opt
from cpictl.cli.exits import UsageError
from cpictl.cli.options import TargetOptions, journal_path, parse_version
from cpictl.cli.output import emit_document, error_message, resolve_format

RUN_HELP = "\n\n".join((  # one string per paragraph: the help formatter wraps, hard breaks would stay
    "Run a YAML recipe of CPI calls with expectations, then its `finally` steps (always).",
    "Every cloud ID a step creates is journalled before it is shown, so an aborted run leaves nothing unknown: "
    "`cpictl ids` lists it and `cpictl cleanup` deletes it.",
    "Exit codes: 0 every step passed (or you chose quit in --step mode and nothing failed); 2 usage error or "
    "invalid recipe (also a reference or argument that only fails at run time); 3 the CPI misbehaved (contract "
    "violation, crash, timeout, not executable); 4 an expectation failed — a CPI error answer the step did not "
    "expect is one, so run never exits 1; 130 interrupted (Ctrl-C); 141 stdout was closed (`| head`); 143 "
    "terminated (SIGTERM). After 130, 141 and 143 the finally steps have run.",
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


class StepPrompt:
    """`--step`: before each step, the whole request (secrets masked) and "run, skip or quit?" on the terminal.

    Read with `input()` rather than click's prompt, which turns Ctrl-C and Ctrl-D alike into one Abort: here
    Ctrl-C is KeyboardInterrupt (the runner stops and cleans up), and end of input is "quit"."""

    QUESTION = "run, skip or quit? [r/s/q] [r]: "

    def __init__(self) -> None:
        self.ended = False  # input is at its end: nothing more can be asked

    def __call__(self, step: Any, request: Any) -> str:
        if self.ended:  # quit the main steps, run the finally steps: the cleanup must not wait for an answer
            return "quit" if step.phase == "main" else "run"
        from cpictl.protocol.redaction import mask_request

        # The whole request, secrets masked: the user decides on what will be sent, not on a prefix of it.
        preview = (json.dumps(mask_request(request.as_dict()), indent=2, ensure_ascii=False)
                   if request is not None else "")
        sys.stderr.write(f"\nnext: {step.name} ({step.method})\n{preview}\n")
        while True:
            sys.stderr.write(self.QUESTION)
            sys.stderr.flush()
            try:
                answer = input().strip().lower() or "r"
            except EOFError:  # Ctrl-D
                self.ended = True
                sys.stderr.write("\nend of input: quitting; the finally steps run without asking\n")
                return "quit" if step.phase == "main" else "run"
            if answer in ("r", "run", "s", "skip", "q", "quit"):
                return {"r": "run", "s": "skip", "q": "quit"}[answer[0]]


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
    store = CloudIdStore(journal_path(session, state))
    with contextlib.ExitStack() as stack, _reports_of_invalid(recipe_file, report_junit, report_json):
        cli_vars = dict(parse_var_assignment(v) for v in (var or []))
        explicit_api = parse_version(api_version, "--api-version") if api_version is not None else None
        recipe = load_recipe(recipe_file, cli_vars=cli_vars, vars_file=vars_file,
                             **({"default_api_version": explicit_api} if explicit_api is not None else {}))
        target = target_for(recipe, base)
        target = dataclasses.replace(target, **_explicit_target(base, options))
        server = None
        if registry and not dry_run:
            from cpictl.registry_server import embedded_registry

            server = stack.enter_context(embedded_registry(store.path))
            target = server.attach(target)
        runner = RecipeRunner(recipe, CallSession(target, store), from_step=from_step, to_step=to_step,
                              keep_going=keep_going, dry_run=dry_run, run_finally=not no_finally,
                              should_run_step=StepPrompt() if step_mode else None)
        view = RunView(target, store, fmt, verbose, server, run_finally=not no_finally)
        summary = _drive(runner, view)
    from cpictl import shutdown

    if summary.interrupted and shutdown.ending_signal() is not None:  # SIGTERM/SIGHUP, not Ctrl-C: 143/129
        summary.interrupted_exit_code = shutdown.exit_code()
    _write_reports(summary, report_junit, report_json)
    try:
        if not view.stdout_closed:
            _cleanup_hint(summary, session, state, fmt)
            if fmt != "table":
                from cpictl.recipes import json_report

                emit_document(json_report(summary), fmt)
    except BrokenPipeError:
        view.stdout_closed = True
        _silence(sys.stdout)
    if view.stdout_closed:
        from cpictl.recipes.events import EXIT_STDOUT_CLOSED

        error_message(_stdout_closed_message(summary, view))
        raise typer.Exit(EXIT_STDOUT_CLOSED)  # also when the run had finished: its output did not all arrive
    raise typer.Exit(summary.exit_code)


@contextlib.contextmanager
def _reports_of_invalid(recipe_file: Path, junit: Path | None, json_path: Path | None) -> Any:
    """A recipe that cannot be run still gets the reports asked for (one failed test case naming the problem),
    and its problems are shown with terminal controls made visible (a quoted line may hold an ESC)."""
    from cpictl.recipes import RecipeError
    from cpictl.render.terminal_text import visible_controls

    try:
        yield
    except RecipeError as error:
        from cpictl.recipes.reports import invalid_json_report, invalid_junit_report

        file, invalid = str(recipe_file), error
        _write_documents(junit, lambda: invalid_junit_report(file, invalid).encode("utf-8"),
                         json_path, lambda: _json_bytes(invalid_json_report(file, invalid)))
        raise UsageError(invalid.format(visible=visible_controls)) from None


@dataclasses.dataclass
class RunView:
    """How this run is shown: where, how much, the registry whose events belong to each step, and the secrets of
    every request so far (a secret one step sent may reappear in a later step's failure)."""

    target: Any
    store: Any
    fmt: str
    verbose: bool
    registry: Any = None
    mark: int = 0
    run_finally: bool = True
    secrets: Any = None  # a Redactor that has seen every request of the run
    stdout_closed: bool = False
    closed_mid_run: bool = False  # stdout went away before the run had finished


class _OutputGone(BrokenPipeError):
    """What rich's `on_broken_pipe` raises here instead of exiting with status 1."""


def _output_gone() -> None:
    raise _OutputGone("the output stream was closed")


def _silence(stream: Any) -> None:
    """Point the stream's descriptor at /dev/null: later writes, and Python's flush of stdout at exit, then go
    nowhere instead of failing again ("Exception ignored … BrokenPipeError")."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a descriptor (a test's capture): nothing will flush it at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def _stdout_closed_message(summary: Any, view: RunView) -> str:
    if not view.closed_mid_run:
        return f"stdout was closed after the run finished ({summary.headline})"
    if summary.dry_run:
        return "stdout was closed; stopped the dry run"
    if not view.run_finally:
        return "stdout was closed; stopped (the finally steps were turned off)"
    return "stdout was closed; stopped and ran the finally steps"


class _RunOutput:
    """Shows a run's events; when the console's stream goes away, stops showing, and — if that stream was stdout —
    asks the runner to stop its main steps (the finally steps still run)."""

    def __init__(self, console: Any, progress: StepConsole, view: RunView, runner: Any) -> None:
        self.console, self.progress, self.view, self.runner = console, progress, view, runner
        self.closed = False

    def show(self, event: Any) -> None:
        self._guarded(_render_event, event, self.console, self.progress, self.view)

    def say(self, renderable: Any) -> None:
        self._guarded(self.console.print, renderable)

    def _guarded(self, draw: Any, *args: Any) -> None:
        if self.closed:
            return
        try:
            draw(*args)
        except BrokenPipeError:
            self._gone()

    def _gone(self) -> None:
        from cpictl.recipes.events import STDOUT_CLOSED

        self.closed = True
        self.progress.stop()
        self.progress.live = False
        self.console.quiet = True
        _silence(self.console.file)
        if not self.console.stderr:
            self.view.stdout_closed = True
            self.view.closed_mid_run = self.runner.summary is None
            self.runner.stop(STDOUT_CLOSED)


def _drive(runner: Any, view: RunView) -> Any:
    """Render the runner's events as they come; on Ctrl-C run what is left of `finally`, then stop.

    Ctrl-C reaches us two ways: inside a call (or at a --step prompt) the runner catches it, reports the step as
    interrupted, runs the finally steps itself and re-raises at the end; while we render an event it arrives here
    and `abort()` runs them. Either way the user is told when it arrives, before any finally step is shown."""
    from cpictl.protocol.redaction import Redactor
    from cpictl.render.console import make_console

    console = make_console(stderr=view.fmt != "table")
    console.on_broken_pipe = _output_gone  # rich's own answer is to exit with status 1, skipping the cleanup
    view.secrets = Redactor()
    progress = StepConsole(console, console.is_terminal, view.secrets.text)
    runner.on_stderr_line = progress.stderr_line
    output = _RunOutput(console, progress, view, runner)
    announced = False

    def announce(during_finally: bool) -> None:
        nonlocal announced
        if not announced:
            announced = True
            progress.stop()
            from rich.text import Text

            output.say(Text("interrupted during the finally steps: the rest are not run" if during_finally
                            else "interrupted: running the finally steps (Ctrl-C again stops them)",
                            style="yellow"))

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
        view.secrets.request(event.request.as_dict())  # learn this request's secrets, for what is shown later
        if view.registry is not None:
            view.mark = view.registry.mark()
        attempt = f" (attempt {event.attempt}/{event.attempts})" if event.attempts > 1 else ""
        progress.start(f"{event.step.name}  {event.step.method}{attempt}")
        return
    progress.stop()
    if fmt != "table" and not isinstance(event, RunFinished):
        return  # machine output: only the report, at the end
    if isinstance(event, RunStarted):
        # with --verbose every call's own view names the target: saying it here too would say it twice
        console.print(recipe_view.run_header(event, view.target, show_target=event.dry_run or not view.verbose))
    elif isinstance(event, StepRetrying):
        console.print(recipe_view.retry_line(event, view.secrets))
    elif isinstance(event, (StepFinished, StepSkipped)):
        if isinstance(event, StepFinished):
            _step_details(event, console, view)
        console.print(recipe_view.step_line(event.row))
        if event.row.status in ("failed", "misbehaved", "invalid"):
            console.print(recipe_view.failure_details(event.row, view.secrets))
    elif isinstance(event, StepPlanned):
        console.print(recipe_view.planned_step(event))
    elif isinstance(event, RunFinished) and fmt == "table":
        console.print(recipe_view.summary_table(event.summary))


def _check_report_paths(*paths: Path | None) -> None:
    """Fail now, with exit 2, if a report could not be written at the end — not after every step has created
    and deleted cloud resources."""
    from cpictl.recipes.report_files import ReportPathError, check_report_path

    for path in paths:
        if path is not None:
            try:
                check_report_path(path)
            except ReportPathError as error:
                raise UsageError(str(error)) from None


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


def _json_bytes(document: Any) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False).encode()


def _write_reports(summary: Any, junit: Path | None, json_path: Path | None) -> None:
    from cpictl.recipes import json_report, junit_report

    _write_documents(junit, lambda: junit_report(summary).encode("utf-8"),
                     json_path, lambda: _json_bytes(json_report(summary)))


def _write_documents(junit: Path | None, junit_bytes: Any, json_path: Path | None, json_bytes: Any) -> None:
    from cpictl.recipes.report_files import ReportPathError, write_report

    try:
        if junit is not None:
            write_report(junit, junit_bytes())
        if json_path is not None:
            write_report(json_path, json_bytes())
    except ReportPathError as error:
        raise UsageError(str(error)) from None
