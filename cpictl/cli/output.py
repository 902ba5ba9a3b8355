"""Where output goes: a rich console for people, plain JSON/YAML for machines.

Results go to stdout and diagnostics to stderr. Colour follows the terminal and NO_COLOR.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from cpictl.cli.exits import UsageError

OUTPUT_FORMATS = ("table", "json", "yaml")


def resolve_format(requested: str | None) -> str:
    """Table on a terminal, JSON on a pipe, unless asked."""
    if requested is None:
        return "table" if sys.stdout.isatty() else "json"
    if requested not in OUTPUT_FORMATS:
        raise UsageError(f"-o: expected one of {', '.join(OUTPUT_FORMATS)}, got '{requested}'")
    return requested


def stdout_console():
    from cpictl.render.console import make_console

    return make_console()


def stderr_console():
    from cpictl.render.console import make_console

    return make_console(stderr=True)


def emit_document(document: Any, fmt: str) -> None:
    """Write a machine-readable document to stdout."""
    if fmt == "yaml":
        import yaml

        sys.stdout.write(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120))
    else:
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def error_message(message: str, label: str = "error", style: str = "bold red") -> None:
    """A one-line diagnostic on stderr, styled when stderr is a terminal. Messages quote what users and CPIs wrote
    (a recipe line, a path, an error): terminal controls in them are shown, not obeyed, on a pipe too."""
    from cpictl.render.terminal_text import visible_controls

    message = visible_controls(message)
    if sys.stderr.isatty():
        from rich.text import Text

        stderr_console().print(Text.assemble((f"{label}: ", style), message))
    else:
        sys.stderr.write(f"{label}: {message}\n")
