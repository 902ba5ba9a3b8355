"""`cpictl metadata` (matrix, expected, show): the agent settings a CPI must write, what it wrote, the mistakes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from cpictl.cli import exits, metavars
from cpictl.cli import options as opt
from cpictl.cli.completion import complete_vm_id
from cpictl.cli.exits import UsageError
from cpictl.cli.help_examples import examples
from cpictl.cli.options import TargetOptions, journal_path, parse_version
from cpictl.cli.output import emit_document, resolve_format

metadata_app = typer.Typer(
    # the summary is longer than a line of `cpictl --help`'s command list (66 columns), which would wrap it
    short_help="Agent settings: what a CPI must write, what it wrote.",
    help="Agent settings: what a CPI must write, what it wrote, where they differ.\n\n"
    "The agent on a VM reads its settings from user-metadata, or from a registry that user-metadata names.",
    no_args_is_help=True, epilog=examples(
        "cpictl metadata show  # the session's latest VM",
        "cpictl metadata expected --recipe recipes/lifecycle.yml --step vm",
        "cpictl metadata matrix",
    ))
OutputOpt = Annotated[str | None, typer.Option("-o", "--output", metavar=metavars.FORMATS, help="Output format "
                                              "(default: table on a terminal, json otherwise).")]
ShowSecretsOpt = Annotated[bool, typer.Option("--show-secrets", help="Do not mask env secrets, credentials and URL "
                                                                     "userinfo.")]


def _print(renderable: Any) -> None:
    from cpictl.cli.output import stdout_console

    stdout_console().print(renderable)


def _usage(error: Exception) -> UsageError:
    return UsageError(str(error))


@metadata_app.command("matrix", epilog=examples(
    "cpictl metadata matrix",
    "cpictl metadata matrix -o yaml",
))
def matrix_command(output: OutputOpt = None) -> None:
    """Where each version combination puts the agent settings.

    The eight director/CPI/stemcell version combinations, and where each puts the agent settings."""
    from cpictl.protocol.agent_settings import version_matrix

    fmt = resolve_format(output)
    rows = version_matrix()
    if fmt != "table":
        emit_document(rows, fmt)
        return
    from cpictl.render.metadata_view import render_matrix

    _print(render_matrix(rows))


EXPECTED_HELP = (
    "The agent settings a correct CPI writes for a create_vm.\n\n"
    "At the api_version and stemcell api_version in force: full settings in user-metadata (registry-less), or "
    "bootstrap user-metadata plus a registry entry.\n\n"
    "The create_vm comes from ARG words (as in `cpictl call create_vm`), --args-file, a recipe step (--recipe FILE "
    "--step NAME), or else the session's latest create_vm (its environment is not journalled, so env shows as "
    "unknown)."
)


@metadata_app.command("expected", help=EXPECTED_HELP, epilog=examples(
    "cpictl metadata expected  # for the session's latest create_vm",
    "cpictl metadata expected --recipe recipes/lifecycle.yml --step vm",
    "cpictl metadata expected --api-version 1 agent-1 sc-1 '{}' '{}'",
))
def expected_command(
    args: Annotated[list[str] | None, typer.Argument(metavar="ARG...", click_type=metavars.TEXT,
                                                     help="create_vm arguments: YAML values, name=value or "
                                                     "@file.")] = None,
    args_file: Annotated[str | None, typer.Option("--args-file", metavar="FILE|-", help="YAML/JSON list or mapping "
                                                  "of create_vm arguments; - reads stdin.")] = None,
    recipe: Annotated[Path | None, typer.Option("--recipe", metavar="FILE",
                                                help="Recipe file holding the create_vm step.")] = None,
    step: Annotated[str | None, typer.Option("--step", metavar="NAME",
                                             help="Name of the recipe's create_vm step.")] = None,
    var: Annotated[list[str] | None, typer.Option("--var", metavar="NAME=VALUE",
                                                  help="Recipe variable (repeatable).")] = None,
    vm_cid: Annotated[str | None, typer.Option("--vm-cid", metavar="CID", help="The VM's CID (names the registry "
                                               "entry); without arguments: that VM of the session.")] = None,
    api_version: opt.ApiVersionOpt = None, stemcell_api_version: opt.StemcellOpt = None,
    session: opt.SessionOpt = None, state: opt.StateOpt = None, output: OutputOpt = None,
    show_secrets: ShowSecretsOpt = False,
) -> None:
    from cpictl.metadata import MetadataError

    fmt = resolve_format(output)
    journal = journal_path(session, state)
    try:
        expected, source = _expected(args or [], args_file, recipe, step, var or [], vm_cid, api_version,
                                     stemcell_api_version, journal)
    except MetadataError as error:
        raise _usage(error) from None
    if fmt != "table":
        document = expected.as_dict()
        if not show_secrets:
            from cpictl.protocol.redaction import Redactor

            redactor = Redactor()
            for key in ("settings", "bootstrap"):
                if document[key] is not None:
                    document[key] = redactor.agent_settings(document[key])
        emit_document({**document, "source": source}, fmt)
        return
    from cpictl.render.metadata_view import render_expected

    _print(render_expected(expected, source, show_secrets=show_secrets))


def _expected(words: list[str], args_file: str | None, recipe: Path | None, step: str | None, var: list[str],
              vm_cid: str | None, api_version: str | None, stemcell: str | None, journal: Path) -> tuple[Any, str]:
    from cpictl.metadata import expected_from_journal, expected_from_request
    from cpictl.session import Target, reference_cpi_argv

    if (recipe is None) != (step is None):
        raise UsageError("--recipe and --step go together")
    if recipe is not None and (words or args_file):
        raise UsageError("give create_vm arguments or --recipe/--step, not both")
    if var and recipe is None:
        raise UsageError("--var needs --recipe")
    overrides: dict[str, Any] = {}
    if api_version is not None:
        overrides["api_version"] = parse_version(api_version, "--api-version")
    if stemcell is not None:
        overrides["stemcell_api_version"] = parse_version(stemcell, "--stemcell-api-version")
    used = recipe is not None or words or args_file
    if used and overrides.get("api_version") not in (None, 1, 2, 3):  # as `call` warns (cli/options.py)
        sys.stderr.write(f"warning: --api-version {overrides['api_version']} is beyond the contract (1, 2, 3); "
                         "sent anyway\n")
    base = Target(argv=reference_cpi_argv(), director_uuid="-")  # the context is not part of the settings
    if recipe is not None and step is not None:
        from cpictl.metadata import request_from_recipe_step

        request = request_from_recipe_step(recipe, step, base, _recipe_vars(var), journal, overrides)
        return expected_from_request(request, [vm_cid] if vm_cid else None), f"recipe {recipe}, step {step}"
    if words or args_file:
        from cpictl.cli.call_cmd import built_request

        request = built_request(base.with_overrides(**overrides), "create_vm", words, args_file, True, journal)
        return expected_from_request(request, [vm_cid] if vm_cid else None), "the create_vm arguments given"
    if overrides:
        raise UsageError("--api-version/--stemcell-api-version need create_vm arguments or a recipe step; a VM of "
                         "the session keeps the versions of its create_vm")
    found = expected_from_journal(journal, vm_cid)
    return found.expected, found.source


def _recipe_vars(pairs: list[str]) -> dict[str, Any]:
    from cpictl.recipes import parse_var_assignment

    values = {}
    for pair in pairs:
        try:
            name, value = parse_var_assignment(pair)
        except ValueError as error:
            raise UsageError(str(error)) from None  # names the --var, without its value
        values[name] = value
    return values


SHOW_HELP = (
    "Show the agent settings a CPI wrote for a VM, and each mistake.\n\n"
    "What the CPI wrote for a VM (default: the session's latest live VM) beside what it should have written, and "
    "each mistake: missing or wrong agent_id, networks that differ from the create_vm result, a persistent disk "
    "missing after attach or present after detach (registry mode), non-string hint values, settings in both places "
    "or neither, the registry used where user-metadata was required or the other way round.\n\n"
    "User-metadata is readable for the bundled reference CPI (its state directory, found from the target's "
    "environment exactly as the CPI finds it). Registry entries come from the reference CPI's files or from what "
    "the embedded registry captured (`cpictl call ... --registry`).\n\n"
    "For a CPI whose user-metadata cpictl cannot read (a real cloud's), it says so in one line and what would show "
    "them (--registry for a registry-mode CPI, or the VM's user-data in the IaaS), and exits 0; -o json gives "
    "{vm_cid, visible: false, reason}.\n\n"
    "Exit codes: 0 no mistakes, or settings cpictl cannot see; 3 the CPI wrote its settings wrong; 2 usage error "
    "(unknown VM)."
)


def _note(line: str) -> Any:
    from rich.text import Text

    from cpictl.render.terminal_text import visible_controls

    return Text(visible_controls(line), style="yellow")


@metadata_app.command("show", help=SHOW_HELP, epilog=examples(
    "cpictl metadata show",
    "cpictl metadata show vm-0001 -o json",
    "cpictl metadata show i-0f3a9c1d2b --target aws  # a real cloud's VM",
))
def show_command(
    vm_cid: Annotated[str | None, typer.Argument(metavar="VM_CID", click_type=metavars.TEXT,
                                                 help="VM CID (default: the session's latest live VM).",
                                                 autocompletion=complete_vm_id)] = None,
    target: opt.TargetNameOpt = None, cpi: opt.CpiOpt = None, cpi_arg: opt.CpiArgOpt = None,
    api_version: opt.ApiVersionOpt = None, env_mode: opt.EnvModeOpt = None,
    env: opt.EnvOpt = None, packages_dir: opt.PackagesDirOpt = None, jobs_dir: opt.JobsDirOpt = None,
    cwd: opt.CwdOpt = None,
    session: opt.SessionOpt = None, state: opt.StateOpt = None, output: OutputOpt = None,
    show_secrets: ShowSecretsOpt = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="Also where each document was read, and every "
                                          "field beside what the contract asks of it.")] = False,
) -> None:
    from cpictl.metadata import MetadataError, SettingsNotVisible, default_vm_cid, settings_report

    fmt = resolve_format(output)
    target_name = target
    target = TargetOptions(cpi, cpi_arg or [], api_version, None, "-", [], env_mode, env or [], packages_dir,
                           jobs_dir, cwd, None, target=target_name).build()
    journal = journal_path(session, state)
    try:
        report = settings_report(target, vm_cid or default_vm_cid(journal), journal)
    except SettingsNotVisible as unseen:  # a real cloud's user-data: said, with what would show it; no error
        if fmt != "table":
            emit_document({"vm_cid": unseen.vm_cid, "visible": False, "reason": str(unseen)}, fmt)
        else:
            _print(_note(str(unseen)))
        raise typer.Exit(exits.OK) from None
    except MetadataError as error:
        raise _usage(error) from None
    if fmt != "table":
        emit_document(report.as_dict(show_secrets=show_secrets), fmt)
    else:
        from cpictl.render.metadata_view import render_report

        _print(render_report(report, show_secrets=show_secrets, verbose=verbose))
    raise typer.Exit(exits.MISBEHAVED if report.mistakes else exits.OK)
