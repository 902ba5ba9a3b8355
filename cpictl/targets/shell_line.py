"""A CPI call as one line of shell, for a person to paste: `printf '%s' '<stdin>' | env -i K=V … <argv>`.

`cpictl call --dry-run` and `cpictl trace export --shell` both print it, made here. The line starts the process
the transport would: the very stdin bytes (`printf '%s'` adds no newline), the environment (for a cleared one,
`env -i` and every variable; else the variables that differ from the pasting shell's, as assignments before the
command), the argv, and the working directory — in a subshell, so pasting the line does not move the user's own
shell.

A value the line must not hold (a masked secret) is given as a placeholder in the stdin or an environment
value; `blanks` maps each placeholder to a shell variable. The line reads `"$NAME"` there, inside the JSON
string or value that held it, and starts `: "${NAME?}" &&`, so with one unset the shell stops before the CPI
runs instead of sending it an empty value.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence


def shell_line(stdin: str, argv: Sequence[str], *, env: Mapping[str, str], clear_env: bool, cwd: str | None,
               blanks: Mapping[str, str] | None = None) -> str:
    """The one-liner (see the module docstring). `env`: the whole environment when `clear_env`, else only the
    variables to set on top of the pasting shell's."""
    blanks = blanks or {}
    if clear_env:
        prefix = "env -i " + " ".join(_word(f"{name}={value}", blanks) for name, value in env.items()) + " "
    else:
        prefix = "".join(f"{name}={_word(value, blanks)} " for name, value in env.items())
    line = f"printf '%s' {_word(stdin, blanks)} | {prefix}{shlex.join(argv)}"
    if cwd:
        line = f"(cd {shlex.quote(cwd)} && {line})"
    texts = [stdin, *env.values()]
    used = [name for token, name in blanks.items() if any(token in text for text in texts)]
    if used:
        line = ": " + " ".join(f'"${{{name}?}}"' for name in dict.fromkeys(used)) + f" && {line}"
    return line


def _word(text: str, blanks: Mapping[str, str]) -> str:
    """`text` as one shell word, single-quoted, with each placeholder in it read from its variable."""
    present = [token for token in blanks if token in text]
    if not present:
        return shlex.quote(text)
    pieces = re.split("(" + "|".join(map(re.escape, present)) + ")", text)
    return "".join(f'"${blanks[piece]}"' if piece in blanks else shlex.quote(piece) if piece else ""
                   for piece in pieces)
