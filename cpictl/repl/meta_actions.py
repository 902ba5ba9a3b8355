"""Meta-commands that act: `:again`, `:edit`, `:run`, `:save`, `:cleanup`, `:quit`.

Everything they run goes through the same session store as calls typed at the prompt, so IDs are shared with
the rest of the session, and everything that finishes lands in the history `:save` writes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.text import Text

from cpictl.repl.calls import known_method, run_call
from cpictl.repl.context import QuitRepl, ReplContext, ReplError
from cpictl.repl.metacommands import MetaCommand
from cpictl.repl.state import HistoryEntry, LastCall


def _last(ctx: ReplContext) -> LastCall:
    if ctx.state.last is None:
        raise ReplError("no call yet in this REPL")
    return ctx.state.last


def _values_by_name(ctx: ReplContext, last: LastCall) -> dict[str, Any]:
    """The last call's arguments by parameter name: as sent when it ran, else as given."""
    spec = known_method(ctx, last.method)
    if last.outcome is not None:
        params = spec.params_for(last.outcome.request.api_version)
        return {p.name: v for p, v in zip(params, last.outcome.request.arguments, strict=False)}
    if isinstance(last.arguments, dict):
        return dict(last.arguments)
    return {p.name: v for p, v in zip(spec.params_for(last.target.api_version), last.arguments, strict=False)}


def again(ctx: ReplContext, args: list[str]) -> None:
    last = _last(ctx)
    if args == ["edit"]:
        edit_and_run(ctx, last.method, _values_by_name(ctx, last))
    elif args:
        raise ReplError("usage: :again [edit]")
    else:
        run_call(ctx, last.method, last.arguments)  # the current sticky settings and a fresh request_id


def edit(ctx: ReplContext, args: list[str]) -> None:
    if len(args) > 1:
        raise ReplError("usage: :edit [METHOD]")
    if args:
        edit_and_run(ctx, known_method(ctx, args[0]).name, None)
        return
    if ctx.state.last is None:
        raise ReplError("no call yet to edit; :edit METHOD starts a new request")
    edit_and_run(ctx, ctx.state.last.method, _values_by_name(ctx, ctx.state.last))


def edit_and_run(ctx: ReplContext, method: str, values: dict[str, Any] | None) -> None:
    """Open the request in $EDITOR; send what is saved — unless it is empty or still incomplete, or it is the last
    request unchanged. A new request's form saved as it is goes out when the session filled it in (`${vm}` …).
    A request that cannot be sent reopens the editor with the error above the user's text (cpictl.repl.editor)."""
    from cpictl.repl.calls import prepare_call, send_call
    from cpictl.repl.editor import request_template, with_error, without_error

    spec = known_method(ctx, method)
    live_kinds = frozenset(r.kind.value for r in ctx.state.store.replay().live()) if values is None else frozenset()
    template = request_template(spec, ctx.state.target.api_version, values, live_kinds)
    text, rejected = template, None  # rejected: the text the last error was about
    while True:
        edited = ctx.term.edit(text)
        if edited is None:
            return _given_up(ctx, rejected)
        body = without_error(edited.text)
        # closed on the error, or saved as it was: as with kubectl edit, that is giving up (an editor that writes
        # the same thing each time must not loop forever)
        if rejected is not None and (not edited.saved or body == rejected):
            ctx.term.note("not changed since the error; nothing sent")
            return _given_up(ctx, rejected)
        try:
            request = _edited_request(ctx, spec, template, body, values is not None, edited.saved)
            if request is None:
                return _given_up(ctx, rejected)
            prepared = prepare_call(ctx, *request)
        except _edit_errors() as problem:
            ctx.term.error(f"{problem} — reopening the editor (empty the file to send nothing)")
            text, rejected = with_error(body, str(problem)), body
            continue
        send_call(ctx, prepared)
        return


def _given_up(ctx: ReplContext, rejected: str | None) -> None:
    """An edit that ended unsent after an error counts as the bad input it was (a piped script's exit code)."""
    if rejected is not None:
        from cpictl.repl.exit_codes import USAGE

        ctx.report(USAGE)


def _edit_errors() -> tuple[type[Exception], ...]:
    """What is wrong with an edited request itself (the user can fix it in the file), not with the CPI."""
    from cpictl.protocol.arguments import ArgumentProblem
    from cpictl.session import UnknownMethod
    from cpictl.store.references import ReferenceProblem
    from cpictl.wordargs import InputError

    return InputError, ReplError, ArgumentProblem, UnknownMethod, ReferenceProblem


def _edited_request(ctx: ReplContext, spec: Any, template: str, text: str, last: bool,
                    saved: bool) -> tuple[str, Any] | None:
    """(method, arguments) to send; None when the user cancelled (said here); raises when it cannot be sent."""
    from cpictl.repl.editor import empty_required, parse_request_text

    parsed = parse_request_text(text)
    if parsed is None:
        ctx.term.note("empty request; nothing was sent")
        return None
    api_version = ctx.state.target.api_version
    if parsed == parse_request_text(template):  # comments and layout aside, what the template already said
        if last:
            ctx.term.note("unchanged; nothing sent (:again sends the last call as it was)")
            return None
        if not saved:
            ctx.term.note("not saved; nothing sent (save the file to send the request as it stands)")
            return None
        empty = empty_required(spec, api_version, parsed[1])
        if empty:
            ctx.term.note(f"unchanged; nothing sent (fill in {', '.join(empty)} to send it)")
            return None
    method, arguments = parsed
    empty = empty_required(known_method(ctx, method), api_version, arguments)
    if empty:
        raise ReplError(f"the edited request: fill in {', '.join(empty)} (required, left empty)")
    return method, arguments


def run_recipe(ctx: ReplContext, args: list[str]) -> None:
    if len(args) != 1:
        raise ReplError("usage: :run RECIPE.yml")
    from cpictl.protocol.redaction import Redactor
    from cpictl.recipes import RunFinished, StepFinished, StepStarted, load_recipe
    from cpictl.recipes.runner import RecipeRunner
    from cpictl.recipes.targets import target_for
    from cpictl.repl.exit_codes import recipe_code
    from cpictl.repl.run_view import RecipeRunView
    from cpictl.session import CallSession

    recipe = load_recipe(Path(os.path.expanduser(args[0])))
    target = target_for(recipe, ctx.state.target)
    redactor = Redactor()  # learns each step's secrets as it starts, so its live stderr is masked
    runner = RecipeRunner(recipe, CallSession(target, ctx.state.store),
                          on_stderr_line=_stderr_printer(ctx, redactor.text))
    view = RecipeRunView(ctx, target)

    def show(event: object) -> None:
        if isinstance(event, StepStarted):
            redactor.request(event.request.as_dict())
        if isinstance(event, StepFinished) and event.row.outcome is not None:
            outcome = event.row.outcome
            ctx.state.remember(outcome, target, source="recipe")
            ctx.state.last = LastCall(outcome.request.method, list(outcome.request.arguments), target, outcome)
        if isinstance(event, RunFinished):  # the run as a whole: an error a step expected is no problem
            ctx.report(recipe_code(event.summary.status))
        view.show(event)

    try:
        for event in runner.events():
            show(event)
    except KeyboardInterrupt:
        view.stop()
        for event in runner.abort():  # nothing when the runner already ran its finally steps itself
            show(event)
        raise
    finally:
        view.stop()
        ctx.state.variables.update(runner.saved)


def _stderr_printer(ctx: ReplContext, mask: Callable[[str], str]) -> Callable[[str], None] | None:
    console = ctx.term.progress_console
    if console is None:
        return None
    from cpictl.render.progress import stderr_line

    return lambda line: console.print(stderr_line(mask(line)), soft_wrap=True)


def save(ctx: ReplContext, args: list[str]) -> None:
    if len(args) != 1:
        raise ReplError("usage: :save FILE.yml")
    from cpictl.repl.save import session_recipe
    from cpictl.userdirs import write_private

    path = Path(os.path.expanduser(args[0]))
    if path.is_dir() or args[0].endswith("/"):
        raise ReplError(f":save: {path} is a directory; give a file name, e.g. :save {path / 'session.yml'}")
    try:
        saved = session_recipe(ctx.state.history, path, ctx.state.session_label)
    except ValueError as problem:  # the history is this process's: a restarted REPL starts with none
        from cpictl.repl.live_summary import ids_command

        raise ReplError(f"{problem}; the session's live IDs are kept in the journal: {ids_command(ctx.state)}"
                        ) from None
    if path.exists() and not ctx.term.confirm(f"{path} exists; overwrite it?"):
        ctx.term.note("not saved")
        return
    try:
        write_private(path, saved.text.encode())  # 0600: the recipe holds the session's secrets, unmasked
        private = _make_private(path)
    except OSError as error:
        raise ReplError(f"cannot write {path}: {error.strerror or error}") from None
    for warning in saved.warnings:
        ctx.term.note(f"warning: {warning}", style="yellow")
    for note in saved.notes:
        ctx.term.note(f"note: {note}", style="yellow")
    if saved.secrets:
        ctx.term.note(f"warning: {path} holds values cpictl masks everywhere else, unmasked "
                      f"({', '.join(saved.secrets)}); keep it like a credentials file", style="yellow")
    if not private:
        ctx.term.error(f"{path} could not be made private (mode 0600); other users may be able to read it")
    ctx.term.print(Text.assemble(("saved ", "green"), f"{saved.steps} step(s) to {path}; replay with: ",
                                 (f"cpictl run {path}", "bold")), soft_wrap=True)  # a path to copy: no wrapping
    _check_loads(ctx, path, saved.text)


def _make_private(path: Path) -> bool:
    """Check the file is 0600 (tighten it if not); False when the filesystem will not have it."""
    import stat

    if stat.S_IMODE(path.stat().st_mode) != 0o600:
        path.chmod(0o600)
    return stat.S_IMODE(path.stat().st_mode) == 0o600


def _check_loads(ctx: ReplContext, path: Path, text: str) -> None:
    """A saved recipe the loader refuses is a bug in :save; say so at once rather than at replay time."""
    from cpictl.recipes import RecipeError, load_recipe_text

    try:
        load_recipe_text(text, path.name, base_dir=path.parent)
    except RecipeError as error:
        ctx.term.error(f"the saved recipe does not load (please report it): {error}")


def cleanup(ctx: ReplContext, args: list[str]) -> None:
    from cpictl.cleanup import plan_cleanup, recorded_target, run_cleanup
    from cpictl.render.ids_view import outcome_table
    from cpictl.repl.exit_codes import status_code

    plan = plan_cleanup(ctx.state.store.replay())
    if not plan:
        ctx.term.note("nothing to clean up: no live cloud IDs created in this session")
        return
    ctx.term.print(Text("cleanup would make these calls, in this order:", style="bold"))
    for planned in plan:
        ctx.term.print(f"  {planned.label}")
    if not ctx.term.confirm(f"make these {len(plan)} call(s)?"):
        ctx.term.note("nothing was deleted")
        return
    rows = []
    target_for = recorded_target(ctx.state.target, override=False, settings_for=_recorded_settings(ctx))
    for row in run_cleanup(plan, ctx.state.store, target_for):
        rows.append((str(row.planned.record.kind), row.planned.label, row.outcome, row.detail))
        ctx.report(status_code(row.status))
        target = target_for(row.planned.record)
        if row.outcome in ("deleted", "detached") and target is not None:
            ctx.state.history.append(HistoryEntry.from_cleanup(row.planned.method, row.planned.arguments, target))
    ctx.term.print(outcome_table(rows, "cleanup"))


def _recorded_settings(ctx: ReplContext) -> Any:
    """Each ID is deleted through the named target that made it (as `cpictl ids cleanup` does); any other through
    the REPL's own target when it runs the recorded CPI, else with no target's settings."""
    from cpictl.cleanup import named_settings
    from cpictl.targets.config import ConfigError, load_config
    from cpictl.targets.layers import assemble
    from cpictl.userdirs import default_director_uuid

    try:
        config = load_config()
    except ConfigError as error:
        raise ReplError(error.format()) from None
    targets = config.targets if config is not None else {}
    current = ctx.state.target

    def build_named(name: str) -> Any:
        if current.name == name:
            return current
        named = targets.get(name)
        return assemble([named.layer()], default_director_uuid=default_director_uuid) if named else None

    def named_by_argv(argv: list[str]) -> str | None:
        return next((name for name, named in targets.items() if named.argv() == argv), None)

    def unnamed() -> Any:
        return current if current.name is None else assemble([], default_director_uuid=default_director_uuid)

    return named_settings(build_named, unnamed, named_by_argv)


def quit_repl(ctx: ReplContext, args: list[str]) -> None:
    raise QuitRepl


COMMANDS = [
    MetaCommand("again", "[edit]", "the last call again: same arguments, current settings, fresh request_id",
                again, ("choice:edit",), details=":again edit opens the request in $EDITOR before sending it."),
    MetaCommand("edit", "[METHOD]", "write the last (or a new) request as YAML in $EDITOR, then send it", edit,
                ("method",), details="The file has comments from the catalogue. A new request's form is sent when "
                "saved, even unchanged, once every required value is there (${vm} … fill in cloud IDs); quitting "
                "without saving or emptying the file cancels, and so does saving the last request unchanged. A "
                "request that cannot be sent (bad YAML, a wrong value) opens again with the error at the top."),
    MetaCommand("run", "RECIPE.yml", "run a recipe in this session, sharing its cloud IDs", run_recipe,
                ("recipe",)),
    MetaCommand("save", "FILE.yml", "save the calls made in this REPL as a recipe that `cpictl run` replays", save,
                ("file",), details="The calls since this REPL started (also those of :run and :cleanup), not the "
                "session's earlier ones: its live IDs stay in the journal (`cpictl ids`). Cloud IDs are written as "
                "${vm}, ${disk} … or ${steps.STEP.result…} references, and `finally:` steps delete what the steps "
                "create, so a replay cleans up after itself (also when it stops half-way)."),
    MetaCommand("cleanup", "", "delete the session's live cloud IDs in dependency order (asks first)", cleanup),
    MetaCommand("quit", "", "leave (Ctrl-D does too); cloud IDs stay in the session store", quit_repl,
                aliases=("q", "exit")),
]
