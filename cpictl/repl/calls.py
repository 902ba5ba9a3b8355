"""A CPI call typed at the prompt: words → arguments → `${...}` resolved → request → run → rendered.

The words are read exactly as `cpictl call` reads them (cpictl.wordargs), references resolve against the session
store, and the outcome is rendered by the same `render_call` as the one-shot command. Every finished call is
remembered in the state (`:again`, `:last`, `:save`) and its status reported to the context (a piped script's
exit code). Ctrl-C while the CPI runs: the transport kills the CPI's process group and raises `CpiInterrupted`;
this module adds what the CPI's answer, if it had given one, left in the journal (`CallInterrupted`), and the
dispatcher reports it; the REPL goes on.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from typing import Any

from cpictl.protocol.catalogue import METHOD_NAMES, MethodSpec, get_method
from cpictl.protocol.codec import Request
from cpictl.repl import exit_codes
from cpictl.repl.context import ReplContext, ReplError
from cpictl.repl.interrupted import CallInterrupted, kept_in_journal, named_ids
from cpictl.repl.progress import live_progress
from cpictl.repl.state import LastCall
from cpictl.session import CallOutcome, CallSession, Target, build_request
from cpictl.transport import CpiInterrupted
from cpictl.wordargs import parse_cli_arguments


def known_method(ctx: ReplContext, name: str) -> MethodSpec:
    """The catalogue entry, or a ReplError that suggests the closest method (or meta-command)."""
    spec = get_method(name)
    if spec is not None:
        return spec
    if ctx.registry.find(name) is not None:
        raise ReplError(f"unknown CPI method '{name}' (meta-commands start with a colon: did you mean ':{name}'?)")
    close = difflib.get_close_matches(name, METHOD_NAMES, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else "; :methods lists them"
    raise ReplError(f"unknown CPI method '{name}'{hint}")


def call_from_words(ctx: ReplContext, words: list[str]) -> CallOutcome | None:
    """`METHOD ARG ...`; `METHOD` alone asks for each parameter in turn, and a line that leaves required
    parameters out asks for those (on a terminal; elsewhere the call is refused as `cpictl call` refuses it)."""
    method, rest = words[0], words[1:]
    spec = known_method(ctx, method)
    api_version = ctx.state.target.api_version
    from cpictl.repl.prompts import ask_arguments, by_name, missing_required

    if not rest and spec.params_for(api_version):
        arguments: Any = ask_arguments(ctx, spec)
    else:
        arguments = parse_cli_arguments(spec, rest, api_version)
        missing = missing_required(spec, arguments, api_version)
        if missing and ctx.term.can_ask:
            answers = ask_arguments(ctx, spec, missing)
            arguments = None if answers is None else {**by_name(spec, arguments, api_version), **answers}
    if arguments is None:
        ctx.term.note("abandoned; nothing was sent")
        return None
    return run_call(ctx, method, arguments)


def resolve_references(ctx: ReplContext, value: Any, where: str = "arguments") -> Any:
    """`${vm}`, `${disk}` … from the session store, `${name}` from values `:run` saved, `${env.X}`."""
    import json

    from cpictl.store.references import Resolver

    if "${" not in json.dumps(value, default=str):
        return value  # nothing to resolve; `$${` escapes contain `${`, so they are still unescaped below
    state = ctx.state
    return Resolver(state.store.replay(), state.variables, {}, os.environ).resolve(value, where)


@dataclass(frozen=True)
class PreparedCall:
    """A call checked and built, not yet sent: what `send_call` needs."""

    method: str
    arguments: Any  # references resolved, as given (list or mapping)
    target: Target  # with the api_version its caller sends
    request: Request


def prepare_call(ctx: ReplContext, method: str, arguments: Any, target: Target | None = None) -> PreparedCall:
    """Resolve references and build the request; raises for bad input (ReferenceProblem, ArgumentProblem,
    UnknownMethod) before anything is sent — only the negotiating `info` may have run."""
    state = ctx.state
    target = target or state.target
    resolved = resolve_references(ctx, arguments)
    # the api_version its caller would send: the CPI's info, once per target and session (kept beside the journal)
    target = CallSession(target, state.store).begin_operation(target, method)
    return PreparedCall(method, resolved, target, build_request(target, method, resolved))


def run_call(ctx: ReplContext, method: str, arguments: Any, target: Target | None = None) -> CallOutcome:
    """Resolve, build, run, remember and render one call. Raises for bad input before anything runs."""
    return send_call(ctx, prepare_call(ctx, method, arguments, target))


def send_call(ctx: ReplContext, prepared: PreparedCall) -> CallOutcome:
    """Run a prepared call, remember it and show it as the REPL's output settings say (cpictl.repl.call_output)."""
    state, target = ctx.state, prepared.target
    warn_about_relations(ctx, prepared.method, prepared.arguments)
    state.last = LastCall(prepared.method, prepared.arguments, target, None)
    mark = state.registry.mark() if state.registry is not None else 0
    outcome = execute(ctx, prepared.request, target)
    state.last.outcome = outcome
    state.remember(outcome, target)
    ctx.report(exit_codes.status_code(outcome.status))
    from cpictl.repl.call_output import show_outcome

    show_outcome(ctx, outcome, target, mark)
    return outcome


def warn_about_relations(ctx: ReplContext, method: str, arguments: Any) -> None:
    """Before sending: say so when the journal knows the call cannot work (detaching a disk from a VM it is not
    attached to, after a second create_vm moved `${vm}`). A warning, never a refusal."""
    from cpictl.store import StoreError
    from cpictl.store.references import relation_warnings

    if method not in ("attach_disk", "detach_disk"):
        return
    try:
        warnings = relation_warnings(method, arguments, ctx.state.store.replay())
    except StoreError:
        return  # an unreadable journal is reported where it matters: when the call is recorded
    for warning in warnings:
        ctx.term.note(f"warning: {warning}", style="yellow")


def execute(ctx: ReplContext, request: Any, target: Target) -> CallOutcome:
    """Run a built request with the spinner and live (masked) stderr; the outcome is journalled by the session."""
    from cpictl.protocol.redaction import Redactor

    redactor = Redactor()
    redactor.request(request.as_dict())  # learns the secrets so stderr lines can be masked as they come
    store = ctx.state.store
    session = CallSession(target, store)
    before = named_ids(store, request)  # what a delete or attach names, to tell what an interrupted answer did
    try:
        with live_progress(ctx.term.progress_console, f"{request.method} → {target.display}",
                           redactor.text) as on_line:
            return session.execute(request, on_stderr_line=on_line)
    except CpiInterrupted as interrupted:
        if ctx.state.last is not None:
            ctx.state.last.interrupted_stderr = interrupted.result.stderr_tail
        kept = kept_in_journal(store, request, before) if interrupted.result.stdout.strip() else []
        raise CallInterrupted(interrupted.result, kept) from interrupted
