"""The `cpictl` command: registers the commands and maps every known error to a message and an exit code.

Start-up is a measured goal (`make bench`): building every command's options costs ~20 ms in typer, and each
command module has its own imports, so `main()` builds only the command it is asked to run (all of them for help
and completion). Command modules import heavy libraries inside their functions.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import typer

from cpictl import __version__
from cpictl.cli import exits
from cpictl.cli.help_examples import examples


def _add_call(app: typer.Typer) -> None:
    from cpictl.cli.call_cmd import CALL_EXAMPLES, CALL_HELP, call_command

    app.command("call", help=CALL_HELP, epilog=CALL_EXAMPLES)(call_command)


def _add_repl(app: typer.Typer) -> None:
    from cpictl.cli.repl_cmd import REPL_EXAMPLES, REPL_HELP, repl_command

    app.command("repl", help=REPL_HELP, epilog=REPL_EXAMPLES)(repl_command)


def _add_methods(app: typer.Typer) -> None:
    from cpictl.cli.catalogue_cmd import METHODS_EXAMPLES, methods_command

    app.command("methods", epilog=METHODS_EXAMPLES)(methods_command)


def _add_describe(app: typer.Typer) -> None:
    from cpictl.cli.catalogue_cmd import DESCRIBE_EXAMPLES, describe_command

    app.command("describe", epilog=DESCRIBE_EXAMPLES)(describe_command)


def _add_ids(app: typer.Typer) -> None:
    from cpictl.cli.ids_cmd import ids_app

    app.add_typer(ids_app, name="ids")


def _add_cleanup(app: typer.Typer) -> None:
    from cpictl.cli.ids_cmd import CLEANUP_EXAMPLES, CLEANUP_HELP, cleanup_command

    app.command("cleanup", help=CLEANUP_HELP, epilog=CLEANUP_EXAMPLES)(cleanup_command)


def _add_bench(app: typer.Typer) -> None:
    from cpictl.cli.bench_cmd import BENCH_EXAMPLES, BENCH_HELP, bench_command

    app.command("bench", help=BENCH_HELP, epilog=BENCH_EXAMPLES)(bench_command)


def _add_run(app: typer.Typer) -> None:
    from cpictl.cli.run_cmd import RUN_EXAMPLES, RUN_HELP, run_command

    app.command("run", help=RUN_HELP, epilog=RUN_EXAMPLES)(run_command)


def _add_check(app: typer.Typer) -> None:
    from cpictl.cli.check_cmd import CHECK_EXAMPLES, CHECK_HELP, check_command

    app.command("check", help=CHECK_HELP, epilog=CHECK_EXAMPLES)(check_command)


def _add_recipe(app: typer.Typer) -> None:
    from cpictl.cli.recipe_cmd import recipe_app

    app.add_typer(recipe_app, name="recipe")


def _add_metadata(app: typer.Typer) -> None:
    from cpictl.cli.metadata_cmd import metadata_app

    app.add_typer(metadata_app, name="metadata")


def _add_target(app: typer.Typer) -> None:
    from cpictl.cli.target_cmd import target_app

    app.add_typer(target_app, name="target")


def _add_trace(app: typer.Typer) -> None:
    from cpictl.cli.trace_cmd import trace_app

    app.add_typer(trace_app, name="trace")


def _add_diff(app: typer.Typer) -> None:
    from cpictl.cli.diff_cmd import DIFF_EXAMPLES, DIFF_HELP, diff_command

    app.command("diff", help=DIFF_HELP, epilog=DIFF_EXAMPLES)(diff_command)


def _add_record(app: typer.Typer) -> None:
    from cpictl.cli.record_cmd import record_app

    app.add_typer(record_app, name="record")


def _add_help(app: typer.Typer) -> None:
    from cpictl.cli.help_cmd import HELP_EPILOG, HELP_HELP, help_command

    app.command("help", help=HELP_HELP, epilog=HELP_EPILOG)(help_command)


#: Every command, in the order `cpictl --help` lists them.
COMMANDS: dict[str, Callable[[typer.Typer], None]] = {
    "call": _add_call, "repl": _add_repl, "methods": _add_methods, "describe": _add_describe, "ids": _add_ids,
    "cleanup": _add_cleanup, "run": _add_run, "check": _add_check, "bench": _add_bench, "recipe": _add_recipe,
    "metadata": _add_metadata,
    "target": _add_target, "trace": _add_trace, "record": _add_record, "diff": _add_diff, "help": _add_help,
}


ROOT_EXAMPLES = examples(
    "cpictl call info  # ask the bundled reference CPI",
    "cpictl call info --cpi ./bin/cpi --cpi-arg ./cpi.json  # ask your CPI",
    "cpictl repl --target aws  # a named target (cpictl target add)",
    "cpictl check --target aws --inputs aws-inputs.yml",
)


def _version(value: bool) -> None:
    if value:
        import platform  # here, not at the top: off every other command's start-up

        # the Python too: a bug report needs it, and pipx/venv installs each carry their own
        print(f"cpictl {__version__} (Python {platform.python_version()}, {sys.executable})")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for unexpected errors."),
) -> None:
    if debug:
        os.environ["CPICTL_DEBUG"] = "1"


def build_app(only: str | None = None) -> typer.Typer:
    """The typer app with every command, or with just `only` (the one this process will run)."""
    app = typer.Typer(
        name="cpictl",
        help="An interactive debugger for BOSH Cloud Provider Interfaces.\n\n" + exits.EXIT_CODES_HELP
        + "\n\nReference pages, offline: cpictl help (recipes, references, targets, masking, exit-codes, completion).",
        epilog=ROOT_EXAMPLES,
        no_args_is_help=True,
        add_completion=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    for name, add in COMMANDS.items():
        if only is None or name == only:
            add(app)
    return app


def invoked_command(argv: list[str]) -> str | None:
    """The command a command line runs (`cpictl --debug call info` → call); None when it names none we know."""
    if os.environ.get("_CPICTL_COMPLETE"):  # a shell's Tab: the command it is in, or all (to complete a name)
        from cpictl.cli.shell_complete import command_being_completed

        return command_being_completed(COMMANDS)
    first = next((word for word in argv if not word.startswith("-")), None)
    return first if first in COMMANDS else None


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # the whole app, for tools and tests that want it
        return build_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _is_usage_error(exc: BaseException) -> bool:
    """A click usage error (unknown option, missing argument, bad value). Recognised by shape, because typer
    bundles its own copy of click (`typer._click`) whose module layout changes between releases."""
    return callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int)


def _known_error(exc: BaseException) -> int | None:
    """The exit code for an error cpictl expects and explains; None for a real bug."""
    from cpictl.protocol.arguments import ArgumentProblem
    from cpictl.session import UnknownMethod
    from cpictl.transport import CpiNotRunnable, CpiWorkdirUnusable
    from cpictl.wordargs import InputError

    if isinstance(exc, (exits.UsageError, InputError, ArgumentProblem, UnknownMethod)):
        return exits.USAGE
    if isinstance(exc, (CpiNotRunnable, CpiWorkdirUnusable)):
        return exits.MISBEHAVED
    for module, name, code in (("cpictl.store.reference_syntax", "ReferenceProblem", exits.USAGE),
                               ("cpictl.store", "StoreError", exits.USAGE),
                               ("cpictl.recipes", "RecipeError", exits.USAGE),
                               ("cpictl.targets.config", "TargetNotFound", exits.USAGE),
                               ("cpictl.registry.server", "RegistryUnavailable", exits.USAGE)):
        cls = getattr(sys.modules.get(module), name, None)
        if cls is not None and isinstance(exc, cls):
            return code
    return None


def _a_stray_eof(abort: BaseException) -> bool:
    """Whether typer's Abort stands for an EOFError that no prompt raised. typer turns every EOFError out of a
    command into Abort, as if the user had pressed Ctrl-D at a prompt; but the CLI's prompts raise their own
    `EndOfInput`, so any other EOFError (`marshal` reading a torn .pyc, a bug) is a bug, not a user's abort."""
    from cpictl.cli.line_input import EndOfInput

    cause = abort.__cause__
    return isinstance(cause, EOFError) and not isinstance(cause, EndOfInput)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point."""
    from cpictl import shutdown
    from cpictl.cli.output import error_message

    with shutdown.ending_signals_interrupt():  # SIGTERM, SIGHUP: like Ctrl-C, so nothing is left running
        return _main(argv, error_message)


def _main(argv: list[str] | None, error_message: Callable[..., None]) -> int:
    from cpictl import shutdown
    from cpictl.cli.output import readable_anywhere
    from cpictl.cli.shell_complete import use_cpictl_classes

    readable_anywhere()
    args = sys.argv[1:] if argv is None else argv
    try:
        command = typer.main.get_command(build_app(invoked_command(args)))
        use_cpictl_classes()  # after get_command: building the command registers typer's own classes
        returned = command.main(args=args, prog_name="cpictl", standalone_mode=False)
        if returned == 130:  # typer's exit for KeyboardInterrupt (Ctrl-C, SIGTERM, SIGHUP), or run's own
            killed = "; a running CPI's process group was killed" if shutdown.stopped_cpi() else ""
            error_message(shutdown.describe() + killed)
            return shutdown.exit_code()
        if isinstance(returned, int):  # click hands back typer.Exit codes when not in standalone mode
            return returned
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt as exc:
        result = getattr(exc, "result", None)
        suffix = "; the CPI's process group was killed" if result is not None else ""
        error_message(shutdown.describe() + suffix)
        return shutdown.exit_code()
    except Exception as exc:  # the one place errors become messages
        if isinstance(exc, typer.Exit):
            return exc.exit_code
        if isinstance(exc, typer.Abort) and not _a_stray_eof(exc):
            error_message("aborted")
            return 130
        if isinstance(exc, typer.Abort):  # typer made an EOFError from no prompt into Abort: report the bug
            exc = exc.__cause__  # type: ignore[assignment]
        if _is_usage_error(exc):
            exc.show()  # type: ignore[attr-defined]
            from cpictl.cli.word_hints import dash_value_hint

            hint = dash_value_hint(exc, args)
            if hint:
                error_message(hint, "hint", "yellow")
            code = getattr(exc, "exit_code", exits.USAGE)
            return code if code not in (0, 1) else exits.USAGE
        code = _known_error(exc)
        if code is None or os.environ.get("CPICTL_DEBUG"):
            if code is None:
                error_message(f"internal error: {type(exc).__name__}: {exc} (please report it; --debug shows "
                              "the traceback)")
            if os.environ.get("CPICTL_DEBUG"):
                import traceback

                traceback.print_exc()
            return code if code is not None else exits.INTERNAL
        error_message(str(exc))
        if getattr(exc, "hint", None):
            error_message(exc.hint, "hint", "yellow")  # type: ignore[attr-defined]
        return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
