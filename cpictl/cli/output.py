"""Where output goes: a rich console for people, plain JSON/YAML for machines.

Results go to stdout and diagnostics to stderr. Colour follows the terminal and NO_COLOR.
"""

from __future__ import annotations

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
    """Write a machine-readable document to stdout: strict JSON (or YAML holding only what JSON can), whatever a
    CPI put in it — no NaN, big numbers as their digits, lone surrogates escaped — and never an exception. A
    stdout that cannot take a character (an ASCII locale) gets it escaped instead."""
    if fmt == "json" and _utf8(sys.stdout):
        # UTF-8 takes any text (surrogates come escaped): send the encoder's pieces as they are, so a 256 MB log is
        # never held as one joined text too (peak memory against the answer's size is a goal of `make bench`)
        from cpictl.protocol.strict_json import strict_pieces

        pieces = strict_pieces(document, indent=2)
        pieces.reverse()
        while pieces:
            piece = pieces.pop()
            for start in range(0, len(piece), _WRITE_SLICE):  # the stream encodes what it is given whole
                sys.stdout.write(piece[start:start + _WRITE_SLICE])
            del piece
        sys.stdout.write("\n")
        sys.stdout.flush()
        return
    # Another encoding (an ASCII locale) may not take every character, and the stream itself escapes what it
    # cannot encode in a way JSON does not read (`\U0001f600`): the document escapes them itself, all of them.
    sys.stdout.write(_document_text(document, fmt, ascii_only=not _utf8(sys.stdout)))
    sys.stdout.flush()


def _utf8(stream: Any) -> bool:
    return (getattr(stream, "encoding", "") or "").lower().replace("-", "") == "utf8"


def readable_anywhere() -> None:
    """Let stdout and stderr show, escaped, what their encoding cannot take (an ASCII locale, a CPI's emoji),
    instead of failing with a traceback halfway through a view."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


_WRITE_SLICE = 1 << 20


def _document_text(document: Any, fmt: str, *, ascii_only: bool) -> str:
    if fmt == "yaml":
        from cpictl.render.yaml_output import strict_yaml

        return strict_yaml(document, ascii_only=ascii_only)
    from cpictl.protocol.strict_json import strict_dumps

    return strict_dumps(document, indent=2, ensure_ascii=ascii_only) + "\n"


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
