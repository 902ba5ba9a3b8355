"""`cpictl ids` (list, verify, forget, import-state) and `cpictl cleanup`: the session's cloud IDs."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from cpictl.cli import exits, metavars
from cpictl.cli import options as opt
from cpictl.cli.completion import complete_live_id
from cpictl.cli.detail_options import PrintOpt, QuietOpt, VerboseOpt, detail_option, format_for
from cpictl.cli.exits import UsageError
from cpictl.cli.help_examples import examples
from cpictl.cli.options import TargetOptions, journal_path
from cpictl.cli.output import emit_document, resolve_format

IDS_HELP = (
    "List the session's cloud IDs; verify, forget or import them.\n\n"
    "Without a command: the live cloud IDs, newest first, and the calls that may have created something without "
    "saying what. The commands verify them against the CPI, forget one, or import a create-env state file."
)
ids_app = typer.Typer(help=IDS_HELP, no_args_is_help=False, epilog=examples(
    "cpictl ids",
    "cpictl ids --all -o json  # deleted, gone and forgotten ones too",
    "cpictl ids verify --target aws",
    "cpictl ids import-state bosh-state.json --session bootstrap",
))
OutputOpt = Annotated[str | None, typer.Option("-o", "--output", metavar=metavars.FORMATS, help="Output format "
                                              "(default: table on a terminal, json otherwise).")]


def _store(session: str | None, state: Path | None):
    """The session's store, with the calls an interrupted cpictl left behind finished (and said so on stderr)."""
    from cpictl.cli.interrupted_calls import open_store
    from cpictl.store import CloudIdStore

    store = CloudIdStore(journal_path(session, state))
    return open_store(store.path, store.replay())


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        sys.stderr.write(f"warning: {warning}\n")


@ids_app.callback(invoke_without_command=True)
def ids_command(ctx: typer.Context,
                all_: Annotated[bool, typer.Option("--all", help="Also show deleted, gone and forgotten IDs.")] = False,
                output: OutputOpt = None, session: opt.SessionOpt = None, state: opt.StateOpt = None) -> None:
    """List the session's live cloud IDs (newest first)."""
    if ctx.invoked_subcommand is not None:
        return
    fmt = resolve_format(output)
    store = _store(session, state)
    replayed = store.replay()
    _warn(replayed.warnings)
    records = list(reversed(replayed.records)) if all_ else replayed.live()
    from cpictl.render.open_calls_view import open_call_rows

    calls = open_call_rows(store, replayed)
    if fmt != "table":
        from cpictl.render.open_calls_view import as_documents

        emit_document([{"kind": str(r.kind), "cid": r.cid, "status": r.status, "method": r.method,
                        "request_id": r.request_id, "created_at": r.created_at, "attached_to": r.attached_to,
                        "imported": r.imported} for r in records] + as_documents(calls), fmt)
        return
    from cpictl.cli.output import stdout_console
    from cpictl.render.ids_view import ids_table

    console = stdout_console()
    title = _ids_title(session, state, all_)
    ended = len(replayed.records) - len(replayed.live())
    if records:
        console.print(ids_table(records, title))
    elif ended:
        ways = "deleted, gone or forgotten" if any(r.status == "forgotten" for r in replayed.records) else \
            "deleted or gone"
        console.print(f"no live cloud IDs ({ended} {ways}; --all shows them)")
    elif not calls:
        console.print("no cloud IDs recorded in this session")
    if calls:
        from cpictl.render.open_calls_view import open_calls_view

        for part in open_calls_view(calls):
            console.print(part)


def _ids_title(session: str | None, state: Path | None, all_: bool) -> str:
    """What the table lists, named as the user named it: the session (its journal's path would fold the line at 80
    columns, and `--session NAME` is what they type), or the --state file."""
    import os

    where = f"in {state}" if state is not None else \
        f"of session {session or os.environ.get('CPICTL_SESSION') or 'default'}"
    return f"every cloud ID {where}" if all_ else f"live cloud IDs {where} (--all: every one)"


@ids_app.command("forget", epilog=examples(
    "cpictl ids forget vm-0001  # delete it yourself, or keep it",
    "cpictl ids forget cpi-735110  # an unanswered call, by its request ID",
))
def forget_command(cid: Annotated[str, typer.Argument(metavar="CID", click_type=metavars.TEXT,
                                                     help="Cloud ID to stop tracking (it is not deleted).",
                                                     autocompletion=complete_live_id)],
                   session: opt.SessionOpt = None, state: opt.StateOpt = None) -> None:
    """Stop tracking a live cloud ID without deleting it.

    Also dismisses a call that may have created something (by its call or request ID), once you have looked."""
    store = _store(session, state)
    if not store.forget(cid):
        running = [c for c in store.replay().calls if c.status == "pending" and cid in (c.call, c.request_id)]
        if running:
            raise UsageError(f"call {running[0].call} is still running: its answer, when it comes, is journalled "
                             "(`cpictl ids` shows it until then); only a call that ended without one can be "
                             "dismissed")
        raise UsageError(f"no live cloud ID or unanswered call '{cid}' in this session (`cpictl ids` lists them)")
    print(f"forgot {cid}")


IMPORT_STATE_HELP = (
    "Pre-seed the session from a create-env state file.\n\n"
    "It takes the file's VM, disks, stemcells and director_id. "
    "`cleanup` and `ids verify` send the director_id as context.director_uuid for the imported IDs, as create-env "
    "would (--director-uuid overrides it). `cleanup` deletes imported IDs only with --include-imported, and needs "
    "--cpi for them: the state file does not say which CPI made them. Records with empty CIDs are skipped with a "
    "warning."
)


@ids_app.command("import-state", help=IMPORT_STATE_HELP, epilog=examples(
    "cpictl ids import-state bosh-state.json",
    "cpictl ids import-state ~/deployments/bosh/state.json --session bootstrap",
))
def import_state_command(file: Annotated[Path, typer.Argument(metavar="FILE", click_type=metavars.TEXT,
                                                                 help="A `bosh create-env` state file.")],
                         output: OutputOpt = None, session: opt.SessionOpt = None, state: opt.StateOpt = None) -> None:
    # The help is IMPORT_STATE_HELP: one line per paragraph.
    report = _store(session, state).import_create_env_state(file)
    _warn(report.warnings)
    fmt = resolve_format(output)
    if fmt != "table":
        emit_document(report.as_dict(), fmt)
        return
    from cpictl.cli.output import stdout_console
    from cpictl.render.ids_view import outcome_table

    rows = [(str(kind), cid, "imported", "") for kind, cid in report.imported]
    rows += [(str(kind), cid, "already tracked", "") for kind, cid in report.already_tracked]
    console = stdout_console()
    console.print(outcome_table(rows, f"imported from {file}"))
    if report.director_uuid:
        console.print(f"director_uuid {report.director_uuid}: cleanup and ids verify send it for these IDs; "
                      f"for other calls give --director-uuid {report.director_uuid}")


def _target_options(params: dict[str, Any]) -> tuple[Any, bool, Any]:
    """The target from a command's parameters, whether --cpi or --target overrides the CPI recorded for each ID,
    and (see `cleanup.named_settings`) the settings each recorded ID is called with: those of the named target
    that made it, else the flags' alone — the settings of the target `CPICTL_TARGET` or the config's `default:`
    chose never reach a CPI that target does not name, nor another target's IDs."""
    options = TargetOptions.from_params(params)
    base = options.build()
    override = params.get("cpi") is not None or params.get("target") is not None
    if override:
        return base, override, None
    from cpictl.cleanup import named_settings
    from cpictl.targets.config import load_config

    config = load_config()
    targets = config.targets if config is not None else {}

    def build_named(name: str) -> Any:
        return dataclasses.replace(options, target=name).build() if name in targets else None

    def named_by_argv(argv: list[str]) -> str | None:
        return next((name for name, named in targets.items() if named.argv() == argv), None)

    return base, override, named_settings(build_named, lambda: options.build(implicit=False), named_by_argv,
                                          recorded_caller=options.caller is None)


_NO_CPI_EXIT = "2 some IDs have no recorded CPI (imported from a state file) and no --cpi was given."
VERIFY_HELP = (
    "Ask the CPI whether each live VM and disk still exists.\n\n"
    "It calls has_vm and has_disk for every live VM and disk, and marks the ones that are gone.\n\n"
    "Exit codes: 0 every answer was usable; 1 a CPI answered with an error; 3 a CPI misbehaved; " + _NO_CPI_EXIT
)
CLEANUP_HELP = (
    "Delete the session's live resources, in dependency order.\n\n"
    "The order: detach, snapshots, disks, VMs, stemcells, networks. NotFound answers count as already gone. Each ID "
    "is deleted through the CPI that created it unless --cpi is given. What an earlier failure may still need is "
    "held back: a disk whose detach failed, the stemcell of a VM whose delete failed.\n\n"
    "Exit codes: 0 everything deleted or already gone; 1 a CPI answered with an error; 3 a CPI misbehaved; "
    + _NO_CPI_EXIT
)
CLEANUP_EXAMPLES = examples(
    "cpictl cleanup --dry-run  # the calls it would make",
    "cpictl cleanup --yes",
    "cpictl cleanup --session bootstrap --include-imported --cpi ./bin/cpi",
    "cpictl cleanup --session default-diff-a  # what a diff side kept",
)


@ids_app.command("verify", help=VERIFY_HELP, epilog=examples(
    "cpictl ids verify",
    "cpictl ids verify --target aws --session aws-debug",
    "cpictl ids verify --cpi ./bin/cpi --session bootstrap  # imported IDs",
))
def verify_command(output: OutputOpt = None, session: opt.SessionOpt = None, state: opt.StateOpt = None,
                   target: opt.TargetNameOpt = None, cpi: opt.CpiOpt = None, cpi_arg: opt.CpiArgOpt = None,
                   api_version: opt.ApiVersionOpt = None,
                   stemcell_api_version: opt.StemcellOpt = None, caller: opt.CallerOpt = None,
    preferred_api_version: opt.PreferredOpt = None, negotiate: opt.NegotiateOpt = None,
    renegotiate: opt.RenegotiateOpt = False, director_uuid: opt.DirectorUuidOpt = None,
                   context: opt.ContextOpt = None, env_mode: opt.EnvModeOpt = None, env: opt.EnvOpt = None,
                   packages_dir: opt.PackagesDirOpt = None, jobs_dir: opt.JobsDirOpt = None, cwd: opt.CwdOpt = None,
                   timeout: opt.TimeoutOpt = None) -> None:
    # The help is VERIFY_HELP: one line per paragraph.
    from cpictl.cleanup import recorded_target, verify_live_ids

    fmt = resolve_format(output)
    target, override, settings_for = _target_options(locals())
    store = _store(session, state)
    replayed = store.replay()
    imported_uuid = replayed.director_uuid if director_uuid is None else None
    rows = list(verify_live_ids(replayed, store, recorded_target(target, override, imported_uuid, settings_for)))
    table_rows = [(str(r.record.kind), r.record.cid, r.outcome, r.detail) for r in rows]
    _print_rows(table_rows, "verified against the CPI", fmt)
    _exit_for(rows, "some IDs have no recorded CPI (imported from a state file): pass --cpi to verify them")


def _exit_for(rows: list[Any], needs_cpi: str) -> None:
    """Exit as the README says: 3 if a CPI misbehaved, 1 if one answered with an error, 2 (with `needs_cpi`) if
    an ID has no CPI to ask and none was given. A CPI's failure outranks the missing --cpi, which is still said."""
    from cpictl.cleanup import overall_status

    status = overall_status(rows)
    if status == "no-cpi":
        raise UsageError(needs_cpi)
    if any(row.status == "no-cpi" for row in rows):
        _warn([needs_cpi])
    if status != "ok":
        raise typer.Exit(exits.status_exit_code(status))


def _print_rows(rows: list[tuple[str, str, str, str]], title: str, fmt: str, calls: list[Any] = ()) -> None:
    """The outcome rows; `calls` (open calls, which have no ID to act on) follow them."""
    if fmt != "table":
        emit_document([{"kind": k, "what": w, "outcome": o, "detail": d} for k, w, o, d in rows]
                      + [{"kind": "call", "what": c.call, "outcome": name, "detail": detail}
                         for c, name, detail in calls], fmt)
        return
    from cpictl.cli.output import stdout_console
    from cpictl.render.ids_view import outcome_table

    console = stdout_console()
    console.print(outcome_table(rows, title) if rows else "nothing to delete" if calls else "nothing to do")
    if calls:
        from cpictl.render.open_calls_view import open_calls_view

        for part in open_calls_view(calls):
            console.print(part)


def cleanup_command(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the calls cleanup would make; make none.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    include_imported: Annotated[bool, typer.Option("--include-imported", help="Also delete IDs imported from a "
                                                   "create-env state file.")] = False,
    output: OutputOpt = None, quiet: QuietOpt = False, verbose: VerboseOpt = False, printed: PrintOpt = None,
    session: opt.SessionOpt = None, state: opt.StateOpt = None,
    target: Annotated[str | None, typer.Option(
        "--target", metavar="NAME", help="Delete through this named target instead of the CPI that created each "
        "ID.", autocompletion=opt.complete_target, rich_help_panel=opt.TARGET)] = None,
    cpi: Annotated[str | None, typer.Option("--cpi", metavar="PATH", help="Delete through this CPI instead of the "
                                               "one that created each ID.", rich_help_panel=opt.TARGET)] = None,
    cpi_arg: opt.CpiArgOpt = None, api_version: opt.ApiVersionOpt = None, stemcell_api_version: opt.StemcellOpt = None,
    caller: opt.CallerOpt = None, preferred_api_version: opt.PreferredOpt = None, negotiate: opt.NegotiateOpt = None,
    renegotiate: opt.RenegotiateOpt = False,
    director_uuid: opt.DirectorUuidOpt = None, context: opt.ContextOpt = None, env_mode: opt.EnvModeOpt = None,
    env: opt.EnvOpt = None, packages_dir: opt.PackagesDirOpt = None, jobs_dir: opt.JobsDirOpt = None,
    cwd: opt.CwdOpt = None,
    timeout: opt.TimeoutOpt = None,
) -> None:
    # The help is CLEANUP_HELP (given where main.py registers the command): one line per paragraph.
    from cpictl.cleanup import NO_CPI, plan_cleanup, recorded_target, run_cleanup

    fmt = format_for(output, quiet, verbose, printed)
    detail = detail_option(quiet, verbose, printed)
    target, override, settings_for = _target_options(locals())
    store = _store(session, state)
    replayed = store.replay()
    _warn(replayed.warnings)
    plan = plan_cleanup(replayed, include_imported)
    left_out = [] if include_imported else [r for r in replayed.records if r.is_live and r.imported]
    if left_out:
        _warn([f"{len(left_out)} imported ID(s) left out: --include-imported deletes them too"])
    target_for = recorded_target(target, override, replayed.director_uuid if director_uuid is None else None,
                                 settings_for)
    planned_rows = [(str(p.record.kind), p.label, "planned" if target_for(p.record) is not None else "will skip",
                     "" if target_for(p.record) is not None else NO_CPI) for p in plan]
    if dry_run or not plan:
        _print_rows(planned_rows, "cleanup plan (dry run)", fmt, _open_calls(store, replayed))
        return
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError(f"cleanup would make {len(plan)} call(s); pass --yes to confirm when not on a terminal")
        _print_rows(planned_rows, "cleanup plan", "table")
        from cpictl.cli.line_input import EndOfInput, confirm

        try:
            confirmed = confirm(f"Make these {len(plan)} call(s)?")
        except EndOfInput:
            raise typer.Abort() from None
        if not confirmed:
            print("nothing deleted")
            raise typer.Exit(exits.OK)
    if fmt == "table" and (detail.quiet or detail.verbose or detail.chosen is not None):
        rows = _print_calls(run_cleanup(plan, store, target_for), detail)
        _exit_for(rows, "some IDs have no recorded CPI (imported from a state file): pass --cpi to delete them")
        return
    rows = list(run_cleanup(plan, store, target_for))
    _print_rows([(str(r.planned.record.kind), r.planned.label, r.outcome, r.detail) for r in rows], "cleanup", fmt,
                _open_calls(store, replayed))
    _exit_for(rows, "some IDs have no recorded CPI (imported from a state file): pass --cpi to delete them")


def _print_calls(rows: Any, detail: Any) -> list[Any]:
    """Cleanup at a chosen detail: each call as `cpictl call` would show it (quiet: one line each), as it ends."""
    from cpictl.cli.output import stdout_console
    from cpictl.render.call_line import masked_call_line
    from cpictl.render.call_view import render_call

    console, done = stdout_console(), []
    for row in rows:
        done.append(row)
        if row.call is None:  # not made: no CPI to ask, or something stands in its way
            console.print(f"· {row.planned.label}  skipped: {row.detail}", style="yellow", soft_wrap=not detail.quiet)
        elif detail.quiet:
            console.print(masked_call_line(row.call))
        else:
            console.print(render_call(row.call, row.target, detail=detail))
    return done


def _open_calls(store: Any, state: Any) -> list[Any]:
    """Calls that may have created something: cleanup cannot delete what has no ID, but shows them."""
    if not state.calls:
        return []
    from cpictl.render.open_calls_view import open_call_rows

    return open_call_rows(store, state)
