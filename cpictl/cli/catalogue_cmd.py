"""`cpictl methods` and `cpictl describe METHOD`: the contract at your fingertips."""

from __future__ import annotations

from typing import Annotated

import typer

from cpictl.cli import metavars
from cpictl.cli.completion import complete_method
from cpictl.cli.help_examples import examples
from cpictl.cli.output import emit_document, resolve_format

METHODS_EXAMPLES = examples(
    "cpictl methods",
    "cpictl methods -o json  # the whole catalogue, for scripts",
)
DESCRIBE_EXAMPLES = examples(
    "cpictl describe create_vm",
    "cpictl describe attach_disk -o yaml",
)


def methods_command(
    output: Annotated[str | None, typer.Option("-o", "--output", metavar=metavars.FORMATS, help="Output format "
                                                  "(default: table on a terminal, json otherwise).")] = None,
) -> None:
    """List every CPI method with its parameters and v1/v2 results."""
    fmt = resolve_format(output)
    from cpictl.render.catalogue_view import methods_document, methods_table

    if fmt == "table":
        from cpictl.cli.output import stdout_console

        stdout_console().print(methods_table())
    else:
        emit_document(methods_document(), fmt)


def describe_command(
    method: Annotated[str, typer.Argument(metavar="METHOD", click_type=metavars.TEXT, help="CPI method name.",
                                          autocompletion=complete_method)],
    output: Annotated[str | None, typer.Option("-o", "--output", metavar=metavars.FORMATS, help="Output format "
                                                  "(default: table on a terminal, json otherwise).")] = None,
) -> None:
    """Describe one CPI method: parameters, results, example, errors.

    Its parameters, its result per api_version, an example request and the errors it typically answers."""
    from cpictl.protocol.catalogue import get_method
    from cpictl.session import UnknownMethod

    spec = get_method(method)
    if spec is None:
        raise UnknownMethod(method)
    fmt = resolve_format(output)
    from cpictl.render.catalogue_view import describe_example, describe_method, example_request, methods_document

    if fmt == "table":
        from cpictl.cli.output import stdout_console

        console = stdout_console()
        console.print(describe_method(spec))
        console.print(describe_example(spec), soft_wrap=True)
    else:
        document = next(d for d in methods_document() if d["name"] == method)
        emit_document({**document, "example_request": example_request(spec)}, fmt)
