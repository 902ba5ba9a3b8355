"""`cpictl call METHOD [ARG ...]`: one exact RPC request to one CPI, and precisely what came back."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from cpictl.cli import exits, metavars
from cpictl.cli import options as opt
from cpictl.cli.completion import complete_call_argument, complete_method, complete_trace_number
from cpictl.cli.detail_options import OUTPUT, PrintOpt, QuietOpt, VerboseOpt, detail_option, format_for
from cpictl.cli.exits import UsageError
from cpictl.cli.help_examples import examples
from cpictl.cli.options import TargetOptions, journal_path, wants_registry
from cpictl.cli.output import emit_document

# Each paragraph is one string: the help formatter wraps paragraphs itself, and a hard line break would stay.
CALL_HELP = "\n\n".join((
    "Call one CPI method and check the answer against the contract.",
    "ARG is a YAML value (1024, '{}', vm-1, '{\"a\": 1}'), name=value by parameter name, or @file.yml. "
    "References like ${vm} or ${disk} take the session's latest live cloud ID of that kind. A value that starts "
    "with '-' (a negative size, to probe the CPI) goes after `--`: call create_disk -- -1 '{}'.",
    "The view fits one screen: -q says the call in one line, -v shows everything (the exact stdin, argv, "
    "environment, log, stderr), --print result,log only those parts. After create_vm, attach_disk and detach_disk "
    "it checks the agent settings the CPI wrote, when cpictl can see them (the reference CPI's user-metadata, or "
    "the embedded registry's capture): --print settings shows them, `cpictl metadata show` compares them field by "
    "field. --registry runs a BOSH registry on 127.0.0.1 for the call "
    "and lists the requests it answered (table view only: -o json keeps its fixed keys).",
    exits.EXIT_CODES_HELP,
))
CALL_EXAMPLES = examples(
    "cpictl call info",
    "cpictl call create_disk 1024 '{}'  # a 1 GiB disk",
    "cpictl call delete_disk '${disk}'  # the session's latest live disk",
    "cpictl call --from-trace 12 --target aws-new -v  # a traced call, again",
)


def call_command(
    method: Annotated[str | None, typer.Argument(
        metavar="METHOD", click_type=metavars.TEXT, help="CPI method, e.g. create_vm (see `cpictl methods`); "
        "optional with --raw.", autocompletion=complete_method)] = None,
    args: Annotated[list[str] | None, typer.Argument(
        metavar="ARG...", click_type=metavars.TEXT, help="Arguments: YAML values, name=value or @file.",
        autocompletion=complete_call_argument)] = None,
    args_file: Annotated[str | None, typer.Option("--args-file", metavar="FILE|-", help="YAML/JSON list or "
                                                     "mapping of arguments; - reads stdin.")] = None,
    raw: Annotated[str | None, typer.Option("--raw", metavar="FILE|-", help="Send this whole request document "
                                               "unchanged (a file, or - for stdin).")] = None,
    from_trace: Annotated[int | None, typer.Option("--from-trace", metavar="N", help="Send the call numbered N in "
                                                   "the session's trace again (`cpictl trace list`).",
                                                   autocompletion=complete_trace_number)] = None,
    from_log: Annotated[str | None, typer.Option("--from-log", metavar="FILE", help="Send a call found in a BOSH "
                                                 "debug log (director task or create-env); with --request-id.")] = None,
    request_id: Annotated[str | None, typer.Option("--request-id", metavar="ID", help="Which call of --from-log: "
                                                   "the director's cpi-NNNNNN, or N for the log's Nth request "
                                                   "(create-env logs have no request ids: N only).")] = None,
    var: Annotated[list[str] | None, typer.Option("--var", metavar="PATH=VALUE", help="With --from-trace or "
                                                  "--from-log: a value the trace masked or the log had redacted: "
                                                  "arguments[1].password=…, its parameter's name "
                                                  "(cloud_properties.password=…) or its variable name; "
                                                  "PATH:=JSON for a number or an object.")] = None,
    no_validate: Annotated[bool, typer.Option("--no-validate", help="Send the arguments as given, to probe the "
                                              "CPI's own input checks.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the exact stdin, argv, environment and a shell "
                                          "one-liner; run nothing.")] = False,
    output: Annotated[str | None, typer.Option("-o", "--output", metavar=metavars.FORMATS, help="Output format "
                                                  "(default: table on a terminal, json otherwise).")] = None,
    full_log: Annotated[bool, typer.Option("--full-log", help="Show the CPI's whole log (as --print adds log).",
                                           rich_help_panel=OUTPUT)] = False,
    quiet: QuietOpt = False, verbose: VerboseOpt = False, printed: PrintOpt = None,
    show_secrets: Annotated[bool, typer.Option("--show-secrets", help="Do not mask context properties, "
                                               "cloud_properties and env secrets.")] = False,
    registry: Annotated[bool, typer.Option("--registry", help="Start an embedded BOSH registry for the call "
                                           "(127.0.0.1, random port and credentials, or where the target's "
                                           "registry: says); the CPI gets its URL in CPICTL_REFCPI_REGISTRY_URL "
                                           "and CPICTL_REGISTRY_URL.")] = False,
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
    fmt = format_for(output, quiet, verbose, printed)
    detail = detail_option(quiet, verbose, printed, full_log=full_log)
    target = TargetOptions.from_params(locals()).build()
    journal = journal_path(session, state)
    if raw is not None:
        if args or args_file:
            raise UsageError("--raw sends a whole request document: give no arguments or --args-file with it")
        ignored = [name for name, given in (("--api-version", api_version), ("--stemcell-api-version",
                   stemcell_api_version), ("--director-uuid", director_uuid), ("--context", context)) if given]
        if ignored:
            sys.stderr.write(f"warning: {', '.join(ignored)} ignored: --raw sends the document unchanged\n")
        request, stdin = _raw_request(raw, method)
        target = replace(target, negotiate=False)  # the document carries the api_version it is sent with
    elif from_trace is not None or from_log is not None:
        method, recalled = _recalled_call(from_trace, from_log, request_id, var or [], journal, method, args,
                                          args_file)
        target = _negotiated(target, method, journal, dry_run)
        request, stdin = built_request(target, method, [], None, not no_validate, journal, recalled), None
    elif method is None:
        raise UsageError("missing METHOD (see `cpictl methods`), or --raw FILE with a whole request")
    else:
        target = _negotiated(target, method, journal, dry_run)
        request, stdin = built_request(target, method, args or [], args_file, not no_validate, journal), None
    if dry_run:
        if registry:
            raise UsageError("--registry and --dry-run do not go together: the registry lives only while a call runs")
        _print_dry_run(target, request, stdin, fmt, show_secrets)
        return
    registry_view = None
    if wants_registry(target, registry):
        outcome, registry_view = _execute_with_registry(target, request, stdin, journal, show_secrets)
    else:
        outcome = _execute(target, request, stdin, journal, show_secrets)
    settings = _settings_report(outcome, target, journal)
    if fmt == "table":
        _print_table(outcome, target, journal, registry_view, settings, detail=detail, show_secrets=show_secrets)
    else:
        from cpictl.session import outcome_as_dict

        document = outcome_as_dict(outcome, show_secrets=show_secrets)
        if settings is not None:  # the keys are fixed: mistakes in the agent settings join the violations
            # judged against what the agent on the VM reads, not by a caller: no caller reactions
            document = {**document, "violations": document["violations"] + [
                {"code": f"settings.{mistake.code}", "severity": "error", "message": mistake.message,
                 "director": None, "create_env": None} for mistake in settings.mistakes]}
        emit_document(document, fmt)
        if target.is_reference and sys.stderr.isatty():  # the JSON's keys are fixed; a person still gets told
            from cpictl.cli.output import error_message

            error_message("the target was the bundled reference CPI (a local simulation, not a cloud)", "note",
                          "yellow")
    if settings is not None and settings.mistakes:  # the CPI wrote the agent settings wrong: as `metadata show`
        raise typer.Exit(exits.MISBEHAVED)
    raise typer.Exit(exits.status_exit_code(outcome.status))


def _negotiated(target: Any, method: str, journal: Path, dry_run: bool) -> Any:
    """The target with the api_version its caller would send: settled by the CPI's info (run now unless this
    session knows it already; a dry run runs nothing and uses what is known, or the caller's highest version)."""
    if not target.negotiate or method == "info":
        return target
    from cpictl.session import CallSession

    session = CallSession(target, journal=journal)
    if dry_run:
        settled = session.negotiator.settled(target)
        if settled is None:
            return target
        from cpictl.targets.negotiator import settle

        return settle(target, settled)
    return session.begin_operation(target, method)


def _settings_report(outcome: Any, target: Any, journal: Path) -> Any:
    """The agent-settings check after create_vm/attach_disk/detach_disk, when cpictl can see them; else None."""
    if outcome.request.method not in ("create_vm", "attach_disk", "detach_disk"):  # only these pay for the import
        return None
    from cpictl.metadata import report_after_call

    return report_after_call(outcome, target, journal)


def _recalled_call(from_trace: int | None, from_log: str | None, request_id: str | None, variables: list[str],
                   journal: Path, method: str | None, words: list[str] | None,
                   args_file: str | None) -> tuple[str, Any]:
    """(method, arguments) of a call recalled from the session's trace or a BOSH debug log, masked values filled
    in from `--var` (or asked for on a terminal); it is sent with the current target's context and version."""
    if from_trace is not None and from_log is not None:
        raise UsageError("give --from-trace or --from-log, not both")
    if words or args_file:
        raise UsageError("--from-trace/--from-log take the call's own arguments: give none on the command line")
    if from_trace is not None:
        from cpictl.cli.from_trace import call_from_trace

        recalled = call_from_trace(from_trace, journal, variables)
    else:
        from cpictl.cli.from_log import call_from_log

        assert from_log is not None
        recalled = call_from_log(from_log, request_id, variables)
    if method is not None and method != recalled[0]:
        raise UsageError(f"that call is {recalled[0]}, not {method}: leave METHOD out or make them agree")
    return recalled


def built_request(target: Any, method: str, words: list[str], args_file: str | None, validate: bool,
                  journal: Path, arguments: Any = None) -> Any:
    from cpictl.protocol.arguments import ArgumentProblem
    from cpictl.protocol.catalogue import get_method
    from cpictl.session import UnknownMethod, build_request
    from cpictl.wordargs import parse_args_file, parse_cli_arguments

    spec = get_method(method)
    if spec is None and validate:
        raise UnknownMethod(method)
    if arguments is not None:
        pass  # recalled from a trace or a log, already the call's own values
    elif args_file is not None:
        if words:
            raise UsageError("give arguments either on the command line or with --args-file, not both")
        arguments = parse_args_file(args_file)
    else:
        arguments = parse_cli_arguments(spec, words, target.api_version)
    arguments = resolve_references(arguments, journal)
    try:
        request = build_request(target, method, arguments, validate=validate)
    except ArgumentProblem as problem:
        raise _with_shell_hint(problem, spec, target.api_version, words) from None
    if method in ("attach_disk", "detach_disk"):  # the journal may know the call is bound to fail: say so first
        from cpictl.cli.output import error_message
        from cpictl.store import CloudIdStore
        from cpictl.store.references import relation_warnings

        for warning in relation_warnings(method, request.arguments, CloudIdStore(journal).replay()):
            error_message(warning, "warning", "yellow")
    return request


def _with_shell_hint(problem: Any, spec: Any, api_version: int | None, words: list[str]) -> Exception:
    """The problem itself, or — an empty cloud ID an empty command-line word gave — a usage error that adds what
    the shell probably did (`cpictl.cli.word_hints`)."""
    from cpictl.cli.word_hints import empty_reference_hint

    param = next((p for p in spec.params_for(api_version) if p.name == problem.param), None) if spec else None
    if param is None or not problem.detail.startswith("empty "):
        return problem
    hint = empty_reference_hint(param.name, param.kind, words)
    return UsageError(str(problem), hint) if hint else problem


def resolve_references(arguments: Any, journal: Path) -> Any:
    """Replace ${vm}, ${disk}, ${env.X}… with values from the session; undefined ones are usage errors."""
    if "${" not in json.dumps(arguments, default=str):
        return arguments  # the common case pays nothing for the store (`$${` contains `${`: it is resolved too)
    from cpictl.store import CloudIdStore, StoreState
    from cpictl.store.references import Resolver, find_references

    state = CloudIdStore(journal).replay() if find_references(arguments) else StoreState()
    return Resolver(state=state, variables={}, steps={}, environ=os.environ).resolve(arguments, "arguments")


def _raw_request(source: str, method: str | None) -> tuple[Any, bytes]:
    from cpictl.input_limits import InputLimitError, json_value
    from cpictl.protocol.codec import RawRequest
    from cpictl.wordargs import read_source_bytes

    raw = read_source_bytes(source, "--raw")  # sent exactly as read, even when it is not UTF-8 or not JSON
    try:
        parsed = json_value(raw)
    except InputLimitError as error:  # every view, check and the journal would walk it: refused, like any input
        raise UsageError(f"--raw {source}: {error}") from None
    except ValueError:
        parsed = None
    document = parsed if isinstance(parsed, dict) else None
    if document is None:  # sent anyway: probing a CPI with garbage is a use, but a YAML file by mistake is likelier
        sys.stderr.write("warning: the --raw document is not a JSON object; it is sent unchanged, and a CPI will "
                         "answer as to garbage (CPIs read JSON, not YAML)\n")
    fields = document or {}
    api_version = fields.get("api_version")
    sent = fields.get("method")
    if method is not None and isinstance(sent, str) and sent != method:
        raise UsageError(f"the --raw document calls '{sent}', not '{method}': leave METHOD out or make them agree")
    # The fields the checks, views and journal read get only values of the right type (`document` still holds
    # what is sent): `arguments` as an object or `context` as a string is a fair probe of a CPI, not a crash here.
    arguments, context = fields.get("arguments"), fields.get("context")
    request = RawRequest(str(sent if isinstance(sent, str) else method or "?"),
                         arguments if isinstance(arguments, list) else [],
                         context if isinstance(context, dict) else {},
                         api_version if isinstance(api_version, int) and not isinstance(api_version, bool) else None,
                         document=document)
    return request, raw


def _execute(target: Any, request: Any, stdin: bytes | None, journal: Path, show_secrets: bool) -> Any:
    from cpictl.cli.live import live_progress
    from cpictl.protocol.catalogue import get_method
    from cpictl.protocol.redaction import Redactor
    from cpictl.session import CallSession

    spec = get_method(request.method)
    store = None
    if spec is not None and (spec.creates or spec.deletes or spec.relation):
        from cpictl.cli.interrupted_calls import open_store

        store = open_store(journal)  # only calls that change cloud IDs pay for the journal
    redactor = Redactor()
    redactor.request(request.as_dict())
    mask = None if show_secrets else redactor.text
    with live_progress(f"{request.method} → {target.display}", mask=mask) as on_line:
        return CallSession(target, store, journal=journal).execute(request, on_stderr_line=on_line, stdin=stdin)


def _execute_with_registry(target: Any, request: Any, stdin: bytes | None, journal: Path,
                           show_secrets: bool) -> tuple[Any, Any]:
    """Run the call with an embedded registry; returns the outcome and the rendered registry events."""
    from cpictl.registry.server import registry_for
    from cpictl.render.registry_view import render_registry_events

    with registry_for(target, journal) as server:
        outcome = _execute(server.attach(target), request, stdin, journal, show_secrets)
        events, endpoint, problems = server.events_since(0), server.endpoint, list(server.persist_errors)
    if problems:
        from cpictl.cli.output import error_message

        error_message(f"the registry's capture was not saved ({problems[0]}); `cpictl metadata show` will not "
                      "see it")
    return outcome, render_registry_events(events, endpoint)


def _print_table(outcome: Any, target: Any, journal: Path, registry_view: Any, settings: Any, *, detail: Any,
                 show_secrets: bool) -> None:
    from cpictl.cli.output import stdout_console
    from cpictl.render.call_view import render_call

    console = stdout_console()
    if detail.quiet:
        from cpictl.render.call_line import masked_call_line

        console.print(masked_call_line(outcome, show_secrets=show_secrets,
                                       settings_mistakes=len(settings.mistakes) if settings else 0))
        return
    shown = render_call(outcome, target, show_secrets=show_secrets, detail=detail)
    from rich.text import Text

    if not (isinstance(shown, Text) and not shown.plain):  # --print of parts this call has none of: print nothing
        console.print(shown)
    if registry_view is not None and (detail.verbose or detail.chosen is None):
        console.print(registry_view)
    if not detail.shows("settings"):
        return
    if settings is not None:
        from cpictl.render.metadata_view import metadata_panel, settings_line

        if detail.whole("settings"):
            panel = metadata_panel(outcome, target, journal, show_secrets=show_secrets, report=settings)
        else:
            panel = settings_line(settings)
        if panel is not None:
            console.print(panel)
    elif outcome.request.method in ("create_vm", "attach_disk", "detach_disk"):
        from cpictl.metadata import not_visible_after_call

        line = not_visible_after_call(outcome, target)  # a real cloud's user-data: why not, and what would show it
        if line is not None:
            from cpictl.render.metadata_view import cpi_text

            console.print(cpi_text(line, "yellow"))


def _masked_stdin(exact: bytes) -> bytes:
    """The request bytes with secrets masked; a raw document that is not a JSON object is shown as it is."""
    from cpictl.protocol.redaction import Redactor

    try:
        document = json.loads(exact)
    except ValueError:
        return exact
    if not isinstance(document, dict):
        return exact
    masked = json.dumps(Redactor().request(document), separators=(",", ":"), ensure_ascii=False).encode()
    return exact if json.loads(masked) == document else masked


def _dry_run_version_note(target: Any, request: Any) -> str:
    """Where the dry run's api_version comes from, when it is not simply the one asked for: a negotiation this
    session remembers, or — none yet, and a dry run runs nothing — the caller's highest version, a guess."""
    if not target.negotiate or request.method == "info":
        return ""
    from cpictl.targets.profiles import spoken

    negotiation = target.negotiation
    if negotiation is None:
        return (f"{request.api_version} is a guess: not negotiated yet ({spoken(target.caller)} sends what the CPI's "
                "info settles on); `cpictl call info` negotiates, --api-version N fixes it")
    if negotiation.refusal:
        return f"not sent: {negotiation.header()}"
    return f"negotiated earlier in this session: {negotiation.how}"


def _print_dry_run(target: Any, request: Any, stdin: bytes | None, fmt: str, show_secrets: bool) -> None:
    from cpictl.protocol.codec import encode_request
    from cpictl.protocol.redaction import MASK
    from cpictl.targets.secrets import mask_env

    exact = stdin if stdin is not None else encode_request(request)
    shown = exact
    if not show_secrets:
        shown = _masked_stdin(exact)
    env = target.child_environment()
    added = {k: v for k, v in env.items() if os.environ.get(k) != v}
    if not show_secrets:
        env, added = mask_env(env, target.secrets), mask_env(added, target.secrets)
    from cpictl.targets.shell_line import shell_line

    cleared = target.env_mode == "director"
    one_liner = shell_line(shown.decode("utf-8", errors="replace"), target.argv, env=env if cleared else added,
                           clear_env=cleared, cwd=target.cwd)
    masked = shown != exact or any(value == MASK for value in (*env.values(), *added.values()))
    document = {"stdin": shown.decode("utf-8", errors="replace"), "argv": target.argv, "env_mode": target.env_mode,
                "env": added if target.env_mode != "director" else env, "cwd": target.cwd,
                "shell": one_liner, "secrets_masked": masked}
    version_note = _dry_run_version_note(target, request)
    if version_note:
        document["api_version_note"] = version_note
    if fmt != "table":
        emit_document(document, fmt)
        return
    from cpictl.cli.output import stdout_console
    from cpictl.render.dry_run_view import render_dry_run

    console = stdout_console()
    for part, soft_wrap in render_dry_run(document):
        console.print(part, soft_wrap=soft_wrap)
