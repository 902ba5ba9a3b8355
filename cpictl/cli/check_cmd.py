"""`cpictl check`: certify a CPI against the contract, as the director and as create-env.

The suite is the shipped group recipes (`cpictl.conformance`), run by the recipe runner through the same target
options as `cpictl run`; this module is the command's edge — options in, the suite run — and `check_output` shows
it and writes the reports. `--list`, `--show GROUP` and `--inputs-schema` print and run nothing.

Why both callers by default: a CPI that works for one can be unusable for the other (create-env refuses an info
whose stemcell_formats is null before every call; the director refuses one below api_version 2), and each sends
its own request form and api_version. `--as both` runs the whole suite as each in turn, and every summary has a
column per caller; `--as director|create-env` halves the run on a slow cloud.

Exit codes: 0 no caller breaks on the CPI (skips and warnings allowed); 3 a check failed because the CPI
misbehaved (a verdict a caller breaks on, a crash, a timeout, a refusal of every call); 4 only expectations
failed; 2 a usage error or inputs that do not fit; 130/143/129 interrupted (the finally steps and the cleanup have
run). The reports are written in every case but 2.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from cpictl.cli import metavars
from cpictl.cli import options as opt
from cpictl.cli.detail_options import OUTPUT
from cpictl.cli.exits import UsageError
from cpictl.cli.help_examples import examples
from cpictl.cli.metavars import choices

CHECK_HELP = "\n\n".join((
    "Certify a CPI against the contract with the shipped check suite.",
    "The checks are recipes that ship with cpictl (`--list` shows them), run as the director and as create-env.",
    "Groups: info (api_version, stemcell_formats, the negotiation), stemcells, vms (result shape per version, "
    "has_vm true then false, reboot, metadata, sizing), disks (create, attach with a disk hint whose typed keys "
    "are strings, get_disks, metadata, snapshots, detach, resize, update, delete), errors (unknown IDs, deleting "
    "twice, detaching a detached disk, an unknown method, malformed requests), settings (the agent settings, where "
    "cpictl can see them). A check passes, fails — saying what was sent, what came back and which caller breaks "
    "on it — or is skipped where the CPI answers NotImplemented or NotSupported.",
    "A real cloud needs --inputs FILE (stemcell image, cloud_properties, networks, disk sizes; --inputs-schema "
    "prints its schema); the bundled reference CPI needs none. Everything the check creates is journalled and "
    "deleted at the end, also after a failure or Ctrl-C, unless --keep.",
    "Exit codes: 0 no caller breaks on the CPI (skips and warnings allowed); 3 a check failed because the CPI "
    "misbehaved (contract violation, crash, timeout, a caller refusing every call); 4 only expectations failed; "
    "2 usage error or inputs that do not fit; 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP.",
))
CHECK_EXAMPLES = examples(
    "cpictl check  # the bundled reference CPI",
    "cpictl check --target aws --inputs aws-inputs.yml",
    "cpictl check --target aws --inputs aws-inputs.yml --only disks -v",
    "cpictl check --inputs-schema > inputs.schema.json",
)
AsOpt = Annotated[str, typer.Option("--as", metavar=choices("both", "director", "create-env"), help="Run the suite "
                                    "as this caller, or as both in turn (default: one column per caller).",
                                    rich_help_panel=opt.TARGET)]
GROUPS = "Groups"


def check_command(
    only: Annotated[list[str] | None, typer.Option("--only", metavar="GROUP", help="Run only this group "
                                                   "(repeatable): info, stemcells, vms, disks, errors, settings.",
                                                   rich_help_panel=GROUPS)] = None,
    with_: Annotated[list[Path] | None, typer.Option("--with", metavar="FILE", help="Also run this recipe of your "
                                                     "own as a group, after the shipped ones (repeatable): a copy of "
                                                     "one extended, say.", rich_help_panel=GROUPS)] = None,
    inputs: Annotated[Path | None, typer.Option("--inputs", metavar="FILE", help="YAML inputs for a real cloud "
                                                "(see --inputs-schema); default: the reference CPI's.")] = None,
    keep: Annotated[bool, typer.Option("--keep", help="Delete nothing the check creates (to look at it); the end "
                                       "says how to clean up.")] = False,
    list_groups: Annotated[bool, typer.Option("--list", help="List the shipped check recipes by group, and where "
                                              "they are; run nothing.", rich_help_panel=GROUPS)] = False,
    show: Annotated[str | None, typer.Option("--show", metavar="GROUP", help="Print one group's recipe (to read "
                                             "or copy it); run nothing.", rich_help_panel=GROUPS)] = None,
    inputs_schema: Annotated[bool, typer.Option("--inputs-schema", help="Print the JSON Schema of the --inputs "
                                                "file; run nothing.")] = False,
    registry: Annotated[bool, typer.Option("--registry", help="Serve an embedded registry on 127.0.0.1 for a "
                                           "registry-mode CPI, so the settings group sees what it writes.")]
    = False,
    report_junit: Annotated[Path | None, typer.Option("--report-junit", metavar="FILE",
                                                      help="Write a JUnit XML report.")] = None,
    report_json: Annotated[Path | None, typer.Option("--report-json", metavar="FILE",
                                                     help="Write a JSON report.")] = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="One line per check as it ends (with why it was "
                                          "skipped).", rich_help_panel=OUTPUT)] = False,
    output: Annotated[str | None, typer.Option("-o", "--output", metavar=metavars.FORMATS, help="table (default), "
                                               "json or yaml: every check, on stdout.", rich_help_panel=OUTPUT)]
    = None,
    caller: AsOpt = "both",
    target: opt.TargetNameOpt = None, cpi: opt.CpiOpt = None, cpi_arg: opt.CpiArgOpt = None,
    api_version: opt.ApiVersionOpt = None, stemcell_api_version: opt.StemcellOpt = None,
    preferred_api_version: opt.PreferredOpt = None, director_uuid: opt.DirectorUuidOpt = None,
    context: opt.ContextOpt = None, env_mode: opt.EnvModeOpt = None, env: opt.EnvOpt = None,
    packages_dir: opt.PackagesDirOpt = None, jobs_dir: opt.JobsDirOpt = None, cwd: opt.CwdOpt = None,
    timeout: opt.TimeoutOpt = None, session: opt.SessionOpt = None, state: opt.StateOpt = None,
) -> None:
    if inputs_schema or list_groups or show is not None:
        _print_only(inputs_schema, list_groups, show)
        return
    from cpictl.cli.output import resolve_format
    from cpictl.cli.run_reports import check_report_paths
    from cpictl.conformance.groups import select_groups

    fmt = "table" if output is None else resolve_format(output)
    callers = _callers(caller)
    try:
        groups = select_groups(only)
    except ValueError as problem:
        raise UsageError(f"--only: {problem}") from None
    check_report_paths(report_junit, report_json)  # before anything is created
    options = opt.TargetOptions.from_params({**locals(), "caller": None})
    options.flags_layer()  # a mistyped flag is said before anything else is read
    variables = _inputs(inputs)
    extra = _own_groups(with_ or [], groups)
    report = _run(options, callers, groups, variables, keep, session, state, fmt, verbose, inputs is not None,
                  registry, extra)
    from cpictl.cli.check_output import finish_check

    finish_check(report, fmt, report_junit, report_json, _session_option(session, state))


def _print_only(inputs_schema: bool, list_groups: bool, show: str | None) -> None:
    from cpictl.cli.output import emit_document

    if inputs_schema:
        from cpictl.conformance.inputs import inputs_json_schema

        emit_document(inputs_json_schema(), "json")
    elif list_groups:
        from cpictl.cli.output import stdout_console
        from cpictl.conformance.groups import RECIPES_DIR
        from cpictl.conformance.groups import list_groups as listed
        from cpictl.render.check_view import group_listing

        stdout_console().print(group_listing(listed(), str(RECIPES_DIR)))
    elif show is not None:
        from cpictl.conformance.groups import GROUP_NAMES, group_file
        from cpictl.recipes.validation import did_you_mean

        if show not in GROUP_NAMES:
            raise UsageError(f"--show: no group '{show}'{did_you_mean(show, GROUP_NAMES)}; groups: "
                             f"{', '.join(GROUP_NAMES)}")
        sys.stdout.write(group_file(show).read_text(encoding="utf-8"))


def _callers(caller: str) -> list[str]:
    if caller == "both":
        return ["director", "create-env"]
    if caller in ("director", "create-env"):
        return [caller]
    raise UsageError(f"--as: expected both, director or create-env, got '{caller}'")


def _inputs(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    from cpictl.conformance.inputs import inputs_vars, load_inputs
    from cpictl.recipes import RecipeError
    from cpictl.render.terminal_text import visible_controls

    try:
        return inputs_vars(load_inputs(path), path.resolve().parent)
    except RecipeError as error:
        raise UsageError(error.format(visible=visible_controls)) from None


def _own_groups(files: list[Path], groups: list[str]) -> dict[str, Path]:
    """`--with FILE`: each a group named after its file (`my-disks.yml` → my-disks), unlike any other."""
    own: dict[str, Path] = {}
    for file in files:
        if not file.is_file():
            raise UsageError(f"--with: no such recipe file: {file}")
        name = file.stem
        if name in groups or name in own or name == "info":
            raise UsageError(f"--with: a group named '{name}' runs already; give the file another name")
        own[name] = file.resolve()
    return own


def _run(options: Any, callers: list[str], groups: list[str], variables: dict[str, Any], keep: bool,
         session: str | None, state: Path | None, fmt: str, verbose: bool, given_inputs: bool,
         registry: bool, extra: dict[str, Path]) -> Any:
    from cpictl.cli.interrupted_calls import finish_interrupted_calls
    from cpictl.cli.options import journal_path
    from cpictl.conformance.engine import CheckRun
    from cpictl.recipes import RecipeError
    from cpictl.render.terminal_text import visible_controls
    from cpictl.store import CloudIdStore
    from cpictl.targets.layers import TargetLayer

    store = CloudIdStore(journal_path(session, state))
    finish_interrupted_calls(store)
    # The CPI runs where `cpictl call` would run it (the current directory, or the target's cwd), not in the
    # recipes' directory as `cpictl run` would: a `--cpi-arg ./cpi.json` means the user's file. The one path the
    # recipes send, the stemcell image, is absolute (`CheckRun`).
    layer = TargetLayer("cpictl check", {})
    built: dict[str, Any] = {}
    servers: list[Any] = []  # one embedded registry serves both callers (a target's registry: names one port)
    stack = contextlib.ExitStack()

    def build_target(caller: str) -> Any:
        if caller not in built:
            built[caller] = dataclasses.replace(options, caller=caller).build(layer)
            if opt.wants_registry(built[caller], registry):
                if not servers:
                    from cpictl.registry.server import registry_for

                    servers.append(stack.enter_context(registry_for(built[caller], store.path)))
                built[caller] = servers[0].attach(built[caller])
            if not given_inputs and not built[caller].is_reference and len(built) == 1:  # said once
                from cpictl.cli.output import error_message

                error_message("no --inputs: the reference CPI's stemcell image, cloud_properties and networks are "
                              "sent to a real CPI, which will refuse most of them (`cpictl check --inputs-schema`)",
                              "warning", "yellow")
        return built[caller]

    from cpictl.cli.check_output import CheckViewer

    viewer = CheckViewer(fmt, verbose)
    run = CheckRun(build_target, store, callers=callers, groups=groups, variables=variables, keep=keep,
                   observer=viewer, extra=extra)
    try:
        with stack:
            return run.run()
    except RecipeError as error:  # inputs that do not fit a step's arguments: said before anything is created
        raise UsageError(error.format(visible=visible_controls)) from None
    finally:
        viewer.progress.stop()


def _session_option(session: str | None, state: Path | None) -> str:
    from cpictl.cli.run_cmd import _session_option as run_session_option

    return run_session_option(session, state)
