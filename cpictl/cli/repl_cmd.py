"""`cpictl repl`: an interactive session against one CPI — completion of cloud IDs, meta-commands, :save."""

from __future__ import annotations

import contextlib
import os
from typing import Annotated

import typer

from cpictl.cli import options as opt
from cpictl.cli.exits import UsageError
from cpictl.cli.help_examples import examples
from cpictl.cli.options import TargetOptions, journal_path, wants_registry

REPL_HELP = (
    "Call CPI methods interactively, with completion of cloud IDs.\n\n"
    "Arguments take the same syntax as in `cpictl call`. Tab completes methods, meta-commands and, per argument "
    "slot, live cloud IDs of the right kind.\n\n"
    "A method alone asks for each parameter; :help lists the meta-commands; :save writes the session as a recipe."
    "\n\nCloud IDs go to the session store: they survive leaving and coming back.\n\n"
    "Piped input runs as a script: it stops at a failing :cpi, :set or :context, and exits with the worst code "
    "seen: 1 a CPI error (or a :run expectation that failed), 2 a usage error, 3 a misbehaving CPI, 70 a bug in "
    "cpictl; 129/130/143 when stopped by SIGHUP, Ctrl-C, SIGTERM."
)
REPL_EXAMPLES = examples(
    "cpictl repl",
    "cpictl repl --target aws --session aws-debug",
    "cpictl repl --cpi ./bin/cpi --cpi-arg ./cpi.json --as create-env",
    "cpictl repl < steps.txt  # piped lines run as a script",
)


def repl_command(
    target: opt.TargetNameOpt = None, cpi: opt.CpiOpt = None, cpi_arg: opt.CpiArgOpt = None,
    api_version: opt.ApiVersionOpt = None,
    stemcell_api_version: opt.StemcellOpt = None, caller: opt.CallerOpt = None,
    preferred_api_version: opt.PreferredOpt = None, negotiate: opt.NegotiateOpt = None,
    renegotiate: opt.RenegotiateOpt = False, director_uuid: opt.DirectorUuidOpt = None,
    context: opt.ContextOpt = None,
    env_mode: opt.EnvModeOpt = None, env: opt.EnvOpt = None, packages_dir: opt.PackagesDirOpt = None,
    jobs_dir: opt.JobsDirOpt = None, cwd: opt.CwdOpt = None, timeout: opt.TimeoutOpt = None,
    session: opt.SessionOpt = None, state: opt.StateOpt = None,
    registry: Annotated[bool, typer.Option("--registry", help="Serve an embedded registry on 127.0.0.1 for "
                                           "registry-mode CPIs and show what they write to it.")] = False,
) -> None:
    # The help is REPL_HELP (given where main.py registers the command): one line per paragraph.
    target = TargetOptions.from_params(locals()).build()
    if not target.is_reference:
        from cpictl.repl.meta_settings import cpi_executable_problem  # the check `:cpi` makes

        problem = cpi_executable_problem(target.argv[0], target.cwd)  # a path with a directory is absolute now
        if problem is not None:
            raise UsageError(f"{'--cpi' if cpi else f'target {target.name}'}: {problem}")
    journal = journal_path(session, state)
    from cpictl.repl import run_repl  # prompt_toolkit is only imported by the command that needs it
    from cpictl.store import CloudIdStore

    label = str(state) if state is not None else (session or os.environ.get("CPICTL_SESSION") or "default")
    with contextlib.ExitStack() as stack:
        server = None
        if wants_registry(target, registry):
            from cpictl.registry.server import registry_for

            server = stack.enter_context(registry_for(target, journal))
            target = server.attach(target)  # the REPL keeps target.env when switching CPIs, so the URL stays
        store = CloudIdStore(journal)
        from cpictl.cli.interrupted_calls import finish_interrupted_calls

        finish_interrupted_calls(store)
        code = run_repl(target, store, session_label=label, registry=server)
    raise typer.Exit(code)

