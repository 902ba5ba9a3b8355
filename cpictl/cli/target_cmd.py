"""`cpictl target list|show|add|remove|use|doctor|schema`: named targets, kept in config files.

The files (`cpictl.targets.config_files`): `./cpictl.yml` (project; the current directory only) over
`$XDG_CONFIG_HOME/cpictl/config.yml` (user). `add`, `remove` and `use` change the user's file unless `--project`,
editing only the lines concerned (`config_edit`), and write it 0600.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cpictl.cli import metavars
from cpictl.cli.exits import UsageError
from cpictl.cli.help_examples import examples
from cpictl.cli.metavars import choices
from cpictl.cli.options import complete_target
from cpictl.cli.output import emit_document, resolve_format

TARGET_HELP = (
    "Named targets: a CPI described once, used with --target NAME.\n\n"
    "A target holds a CPI's argv, environment, caller, versions, context and registry; every command that runs a "
    "CPI takes it with --target NAME or $CPICTL_TARGET.\n\n"
    "Config files: ./cpictl.yml (the current directory only) over $XDG_CONFIG_HOME/cpictl/config.yml. Precedence, "
    "highest first: command-line flags, --target/$CPICTL_TARGET, a recipe's target:, the config's default:, "
    "built-in defaults (the bundled reference CPI)."
)
target_app = typer.Typer(help=TARGET_HELP, no_args_is_help=True, epilog=examples(
    "cpictl target add aws --cpi ./bin/cpi --cpi-arg ./cpi.json --default",
    "cpictl target doctor aws",
    "cpictl target list",
))

NameArg = Annotated[str, typer.Argument(metavar="NAME", click_type=metavars.TEXT, help="Target name.",
                                        autocompletion=complete_target)]
OutputOpt = Annotated[str | None, typer.Option("-o", "--output", metavar=metavars.FORMATS, help="Output format "
                                              "(default: table on a terminal, json otherwise).")]
ProjectOpt = Annotated[bool, typer.Option("--project", help="Change ./cpictl.yml instead of the user's config.")]


def _config() -> Any:
    from cpictl.targets.config import load_config

    return load_config()


def _named(name: str) -> Any:
    from cpictl.targets.config import not_found

    config = _config()
    return config.get(name, "target") if config is not None else not_found(name, "target")


def _print(renderable: Any) -> None:
    from cpictl.cli.output import stdout_console

    stdout_console().print(renderable)


@target_app.command("list", epilog=examples(
    "cpictl target list",
    "cpictl target list -o yaml",
))
def list_command(output: OutputOpt = None) -> None:
    """List the named targets (* marks the default)."""
    fmt = resolve_format(output)
    config = _config()
    rows: list[dict[str, Any]] = []
    from cpictl.targets.secret_places import shown_argv, shown_setting

    if config is not None:
        hidden = {named.name: named.location() for named in config.shadowed()}
        for name, named in sorted(config.targets.items()):
            rows.append({"name": name, "default": name == config.default, "as": named.entry.as_ or "director",
                         "cpi": shown_argv(named), "description": shown_setting(named, "description",
                                                                                named.entry.description),
                         "defined": named.location(),
                         "scope": named.file.scope, **({"hides": hidden[name]} if name in hidden else {})})
    if fmt != "table":
        emit_document(rows, fmt)
        return
    from cpictl.render.target_view import targets_table

    _print(targets_table(rows))


@target_app.command("show", epilog=examples(
    "cpictl target show aws",
    "cpictl target show aws --show-secrets -o yaml",
))
def show_command(name: NameArg, output: OutputOpt = None,
                 show_secrets: Annotated[bool, typer.Option("--show-secrets", help="Do not mask context, "
                                                            "secret environment values and passwords.")] = False
                 ) -> None:
    """Show one target's settings as its config file gives them.

    Paths are resolved and secrets masked (--show-secrets shows them)."""
    from cpictl.targets.showing import target_document

    fmt = resolve_format(output)
    named = _named(name)
    config = _config()
    document = target_document(named, show_secrets=show_secrets, is_default=config.default == name)
    if fmt != "table":
        emit_document(document, fmt)
        return
    from cpictl.render.target_view import target_settings
    from cpictl.render.yaml_output import strict_yaml

    shown = {key: value for key, value in document.items() if key not in ("name", "defined")}
    _print(target_settings(name, document["defined"], strict_yaml(shown, ascii_only=False)))


ADD_HELP = (
    "Define a target from the options `cpictl call` takes.\n\n"
    "It is written to the user's config, or to ./cpictl.yml with --project. Relative paths (--cpi ./bin/cpi, "
    "--cpi-arg ./cpi.json, --cwd) are written absolute. The file keeps its other lines and comments and is written "
    "readable by you only (0600). Settings the options do not cover (registry:) go in the file; `cpictl target "
    "schema` describes them."
)


@target_app.command("add", help=ADD_HELP, epilog=examples(
    "cpictl target add aws --cpi ./bin/cpi --cpi-arg ./cpi.json --default",
    "cpictl target add vsphere --cpi ./bin/cpi --as create-env --timeout 600",
    "cpictl target add dev --cpi ./bin/cpi --env AWS_PROFILE=dev --project",
))
def add_command(
    name: Annotated[str, typer.Argument(metavar="NAME", click_type=metavars.TEXT,
                                        help="Target name (letters, digits, '.', '_', '-').")],
    cpi: Annotated[str, typer.Option("--cpi", metavar="PATH", help="CPI executable.")],
    cpi_arg: Annotated[list[str] | None, typer.Option("--cpi-arg", metavar="ARG", help="Argument (repeatable), "
                                                      "e.g. its config file.")] = None,
    caller: Annotated[str | None, typer.Option("--as", metavar=choices("director", "create-env"),
                                                 help="The caller the CPI is called as.")] = None,
    env: Annotated[list[str] | None, typer.Option("--env", metavar="NAME=VALUE", help="Environment variable for "
                                                  "the CPI (repeatable).")] = None,
    env_mode: Annotated[str | None, typer.Option("--env-mode", metavar=choices("director", "create-env", "inherit"),
                                                 help="The CPI's environment (default: the caller's).")] = None,
    context: Annotated[list[str] | None, typer.Option("--context", metavar="KEY=VALUE", help="Context property "
                                                      "(YAML value; repeatable).")] = None,
    api_version: Annotated[str | None, typer.Option("--api-version", metavar=choices("1", "2", "3", "none", "auto"),
                                                    help="Contract version to send.")] = None,
    preferred_api_version: Annotated[int | None, typer.Option("--preferred-api-version", metavar=choices("2", "3"),
                                                              help="The version the director prefers.")] = None,
    stemcell_api_version: Annotated[str | None, typer.Option("--stemcell-api-version", metavar="N|none",
                                                             help="The stemcell's api_version.")] = None,
    director_uuid: Annotated[str | None, typer.Option("--director-uuid", metavar="UUID",
                                                      help="context.director_uuid.")] = None,
    cwd: Annotated[str | None, typer.Option("--cwd", metavar="DIR", help="Working directory of the CPI.")] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", metavar="S",
                                                  help="Seconds before a call is killed.")] = None,
    secret: Annotated[list[str] | None, typer.Option("--secret", metavar="KEY", help="Extra key whose values are "
                                                     "secrets (repeatable).")] = None,
    description: Annotated[str | None, typer.Option("--description", metavar="TEXT",
                                                    help="One line for `target list`.")] = None,
    project: ProjectOpt = False,
    force: Annotated[bool, typer.Option("--force", help="Replace a target of that name in the file.")] = False,
    default: Annotated[bool, typer.Option("--default", help="Make it the default target too.")] = False,
) -> None:
    from cpictl.targets.adding import entry_from_options

    try:
        entry = entry_from_options(cpi=cpi, cpi_args=cpi_arg or [], caller=caller, env=env or [], env_mode=env_mode,
                                   context=context or [], api_version=api_version,
                                   preferred_api_version=preferred_api_version,
                                   stemcell_api_version=stemcell_api_version, director_uuid=director_uuid, cwd=cwd,
                                   timeout=timeout, secrets=secret or [], description=description)
    except ValueError as problem:
        raise UsageError(str(problem)) from None
    _check_name(name)
    file, text = _file_text(project)
    existing = _defined_in(text, file)
    if name in existing and not force:
        raise UsageError(f"{file.path} already defines target '{name}': --force replaces it")
    from cpictl.targets.config_edit import add_target, check_and_write, set_default

    text = add_target(text, name, entry)
    if default:
        text = set_default(text, name)
    check_and_write(file, text)
    verb = "replaced" if name in existing else "added"
    # two lines: a long path must not push the command onto a line a terminal folds in the middle of a word
    print(f"{verb} target '{name}' in {file.path}{' (the default)' if default else ''}\n"
          f"  check it: cpictl target doctor {name}")


@target_app.command("remove", epilog=examples(
    "cpictl target remove aws",
    "cpictl target remove dev --project  # from ./cpictl.yml",
))
def remove_command(name: NameArg, project: ProjectOpt = False) -> None:
    """Remove a target from the user's config (--project: ./cpictl.yml)."""
    file, text = _file_text(project)
    if name not in _defined_in(text, file):
        _not_in(name, file, project)
    from cpictl.targets.config_edit import check_and_write, remove_target

    was_default = _default_in(text, file) == name
    check_and_write(file, remove_target(text, name))
    print(f"removed target '{name}' from {file.path}" + (" (it was the default: none is set now)"
                                                          if was_default else ""))


@target_app.command("use", epilog=examples(
    "cpictl target use aws",
    "cpictl target use --clear  # back to the bundled reference CPI",
))
def use_command(name: Annotated[str | None, typer.Argument(metavar="[NAME]", click_type=metavars.TEXT,
                                                           help="Target name.", autocompletion=complete_target)] = None,
                project: ProjectOpt = False,
                clear: Annotated[bool, typer.Option("--clear", help="Unset the default.")] = False) -> None:
    """Make NAME the default target (`default:` in a config file).

    In the user's config, or in ./cpictl.yml with --project."""
    if (name is None) == (not clear):
        raise UsageError("give a target NAME, or --clear to unset the default")
    if name is not None:
        _named(name)  # it must exist somewhere
    file, text = _file_text(project)
    from cpictl.targets.config_edit import check_and_write, set_default

    check_and_write(file, set_default(text, name))
    if name is None:
        print(f"no default target in {file.path}")
        return
    other = "" if name in _defined_in(text, file) else " (defined in the other config file)"
    print(f"default target: {name}{other}, set in {file.path}")


DOCTOR_HELP = (
    "Check a target: does it run, and how would BOSH talk to it.\n\n"
    "NAME defaults to the target commands would use. Checks: the executable exists and runs, config files in its "
    "argv are readable (and not readable by others while they hold secrets), info answers, which api_version the "
    "director and create-env would send and why, its stemcell formats and the time of one call.\n\n"
    "One line per check and a verdict. Exit codes: 0 healthy (notes only); 1 usable, with warnings; 3 a check "
    "failed; 2 unknown target or invalid config."
)


DOCTOR_TIMEOUT = 30.0


@target_app.command("doctor", help=DOCTOR_HELP, epilog=examples(
    "cpictl target doctor  # the default target",
    "cpictl target doctor aws",
    "cpictl target doctor aws --timeout 60 -o json",
))
def doctor_command(name: Annotated[str | None, typer.Argument(metavar="[NAME]", click_type=metavars.TEXT,
                                                              help="Target name.",
                                                              autocompletion=complete_target)] = None,
                   output: OutputOpt = None,
                   timeout: Annotated[float | None, typer.Option(
                       "--timeout", metavar="SECONDS", min=0.1,
                       help=f"How long the info call may take (default: the target's timeout, at most "
                            f"{DOCTOR_TIMEOUT:.0f} s).")] = None) -> None:
    import dataclasses

    from cpictl.cli.options import TargetOptions
    from cpictl.targets.doctor import diagnose

    fmt = resolve_format(output)
    target = TargetOptions(target=name).build()
    # a CPI that hangs on info is a finding, not a doctor that hangs with it
    limit = timeout if timeout is not None else min(target.timeout or DOCTOR_TIMEOUT, DOCTOR_TIMEOUT)
    target = dataclasses.replace(target, timeout=limit)
    named = _named(target.name) if target.name is not None else None
    diagnosis = diagnose(target, named)
    from cpictl.protocol.redaction import Redactor

    redactor = Redactor()
    findings = [type(f)(f.check, f.level, redactor.text(f.detail)) for f in diagnosis.findings]
    if fmt != "table":
        emit_document({"target": target.name, "argv": [redactor.text(word) for word in target.argv],
                       "checks": [finding.as_dict() for finding in findings], "verdict": diagnosis.verdict,
                       "exit_code": diagnosis.exit_code}, fmt)
    else:
        from cpictl.render.target_view import doctor_report

        title = f"target {target.name}" if target.name else f"{target.display} (no named target)"
        _print(doctor_report(redactor.text(title), findings, diagnosis.verdict, diagnosis.worst))
    raise typer.Exit(diagnosis.exit_code)


@target_app.command("schema", epilog=examples(
    "cpictl target schema > cpictl.schema.json  # for your editor's YAML plugin",
))
def schema_command() -> None:
    """Print the config file's JSON Schema, for editor completion.

    Editors use it to complete and validate ./cpictl.yml and the user's config.yml."""
    from cpictl.targets.config_schema import config_json_schema

    emit_document(config_json_schema(), "json")


# -- helpers --------------------------------------------------------------------------------------------------------

def _check_name(name: str) -> None:
    import re

    from cpictl.targets.config_schema import NAME_PATTERN

    if not re.fullmatch(NAME_PATTERN, name) or len(name) > 100:
        raise UsageError(f"'{name}' is not a target name: letters, digits, '.', '_' and '-', starting with a "
                         "letter or digit")


def _file_text(project: bool) -> tuple[Any, str]:
    """The file to change and its text ("" when it does not exist yet); ConfigError when it is unusable now."""
    from cpictl.targets.config_edit import read_text
    from cpictl.targets.config_files import config_files
    from cpictl.targets.config_reader import read_config_file

    file = config_files()[0 if project else 1]
    try:
        text = read_text(file.path)
    except OSError as error:
        raise UsageError(f"cannot read {file.path}: {error.strerror or error}") from None
    if text:
        read_config_file(file)  # a file with problems is fixed by hand first: they are listed with their lines
    return file, text


def _defined_in(text: str, file: Any) -> dict[str, Any]:
    if not text.strip():
        return {}
    from cpictl.targets.config_reader import parse_config_text

    return dict(parse_config_text(text, file).model.targets)


def _default_in(text: str, file: Any) -> str | None:
    if not text.strip():
        return None
    from cpictl.targets.config_reader import parse_config_text

    return parse_config_text(text, file).model.default


def _not_in(name: str, file: Any, project: bool) -> None:
    config = _config()
    named = config.targets.get(name) if config is not None else None
    if named is not None:
        flag = "without --project" if project else "with --project"
        raise UsageError(f"{file.path} does not define '{name}'; {named.file.path} does ({flag})")
    from cpictl.targets.config import not_found

    not_found(name, "target") if config is None else config.get(name, "target")
