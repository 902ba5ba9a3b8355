"""`METHOD` alone: ask for each parameter in turn, the way evans asks for each field. `METHOD ARG ...` that leaves
required parameters out: ask for just those (the optional ones left out keep their defaults).

Each question shows the parameter's type, whether it is required, its help and an example (all from the
catalogue); Tab completes live cloud IDs of the kind the parameter takes. An answer is a YAML value typed as at
the main prompt: an open `{` or `[` continues on the next line (the same `lines` scanner decides). An empty
answer keeps an optional parameter's default and asks a required one again — except where a fresh value is
offered (create_vm's agent_id: a new UUID, as the director makes one), shown in the question and taken on Enter.
A value that does not parse, does not fit the parameter's type or names an undefined `${...}` is explained and
asked again with the text kept for editing, never read as a new answer. Ctrl-C (or Ctrl-D) abandons the whole
call.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text

from cpictl.protocol.arguments import ArgumentProblem, check_value
from cpictl.protocol.catalogue import MethodSpec, Param
from cpictl.repl.context import ReplContext
from cpictl.repl.lines import check_input_size, is_incomplete
from cpictl.store.references import ReferenceProblem
from cpictl.wordargs import InputError, parse_value


def sentence(text: str) -> str:
    """`text` ending as a sentence: a period added unless it already ends in one, or in ? or ! ("Does the VM
    exist?" must not become "exist?.")."""
    text = text.rstrip()
    return text if text.endswith((".", "?", "!")) else text + "."


#: Parameters whose empty answer takes a value made afresh for the question. An agent_id names the VM's agent
#: and, in the IaaS, the VM itself: the director sends a new UUID for each VM, and so does Enter here.
FRESH_VALUES: dict[tuple[str, str], Callable[[], str]] = {("create_vm", "agent_id"): lambda: str(uuid.uuid4())}


def fresh_value(spec: MethodSpec, param: Param) -> str | None:
    """The value Enter takes for this parameter's question (None: an empty answer is no answer)."""
    make = FRESH_VALUES.get((spec.name, param.name))
    return make() if make is not None else None


def describe_param(param: Param, fresh: str | None = None) -> Text:
    """The line shown above a question: `size  integer, required — size in MiB (e.g. 1024)`."""
    state = ("required, Enter takes the fresh one shown" if fresh is not None else "required" if param.required
             else f"optional, Enter keeps {json.dumps(param.default)}")
    return Text.assemble(("  " + param.name, "bold"), (f"  {param.type_label}, {state}", "cyan"),
                         f" — {param.help}", (f" (e.g. {json.dumps(param.example)})", "dim"))


def ask_arguments(ctx: ReplContext, spec: MethodSpec, params: Sequence[Param] | None = None) -> dict[str, Any] | None:
    """The answers by parameter name (optional ones left empty are absent), or None when abandoned. `params`:
    only these (default: every parameter at the api_version in force)."""
    from cpictl.repl.completer import ParamValueCompleter, ReplCompleter

    main = ReplCompleter(ctx.state, ctx.registry)
    if params is None:
        params = spec.params_for(ctx.state.target.api_version)
        ctx.term.note(f"{spec.name}: {sentence(spec.summary)} Ctrl-C abandons the call.", style="")
    else:
        names = ", ".join(param.name for param in params)
        ctx.term.note(f"{spec.name}: still needs {names}. Ctrl-C abandons the call.", style="")
    answers: dict[str, Any] = {}
    try:
        for param in params:
            fresh = fresh_value(spec, param)
            ctx.term.print(describe_param(param, fresh))
            value = _ask_one(ctx, spec, param, ParamValueCompleter(main, spec.name, param), fresh)
            if value is not _KEEP_DEFAULT:
                answers[param.name] = value
    except KeyboardInterrupt:
        return None
    return answers


_KEEP_DEFAULT: Any = object()


def missing_required(spec: MethodSpec, arguments: list[Any] | dict[str, Any], api_version: int | None) -> list[Param]:
    """The required parameters that `arguments` (positional or by name, as `parse_cli_arguments` gives them)
    leave out."""
    params = spec.params_for(api_version)
    if isinstance(arguments, dict):
        return [param for param in params if param.required and param.name not in arguments]
    return [param for param in params[len(arguments):] if param.required]


def by_name(spec: MethodSpec, arguments: list[Any] | dict[str, Any], api_version: int | None) -> dict[str, Any]:
    """Positional arguments as a mapping by parameter name (a mapping comes back as it is)."""
    if isinstance(arguments, dict):
        return dict(arguments)
    return {param.name: value for param, value in zip(spec.params_for(api_version), arguments, strict=False)}


def _ask_one(ctx: ReplContext, spec: MethodSpec, param: Param, completer: Any, fresh: str | None) -> Any:
    from cpictl.repl.calls import resolve_references

    question = f"  {param.name} [{fresh}]> " if fresh is not None else f"  {param.name}> "
    kept = ""  # a rejected answer, handed back for editing
    while True:
        # `is_incomplete`, not the main prompt's `needs_more`: a `:command` line cannot run from inside a question,
        # so it does not end a continuation here
        text = ctx.term.ask(question, completer=completer, default=kept, continues=is_incomplete).strip()
        kept = ""
        if not text:
            if fresh is not None:
                return fresh
            if not param.required:
                return _KEEP_DEFAULT
            ctx.term.error(f"{param.name} is required (Ctrl-C abandons the call)")
            continue
        try:
            check_input_size(text)
        except InputError as problem:
            ctx.term.error(str(problem))  # not handed back: a text that size is no one's to edit in a prompt
            continue
        try:
            value = resolve_references(ctx, parse_value(text, param, f"parameter '{param.name}'"),
                                       f"parameter '{param.name}'")
            check_value(spec.name, param, value)
        except (InputError, ArgumentProblem, ReferenceProblem) as problem:
            ctx.term.error(f"{problem} (fix it below, or Ctrl-C abandons the call)")
            kept = text
            continue
        return value
