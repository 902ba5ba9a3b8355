"""What a meta-command handler receives: the state, the terminal and the registry — and nothing global.

The loop, tests and benchmarks each build one `ReplContext`; handlers take it as their first argument. The two
exceptions here are the only ways a handler steers the loop: `ReplError` (one line, the REPL goes on) and
`QuitRepl` (leave). A handler whose work went wrong without raising (a call the CPI failed, a cleanup row that
failed) says so with `report`, so a piped script can end with a non-zero exit code (cpictl.repl.exit_codes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cpictl.repl.state import ReplState
from cpictl.repl.terminal import Terminal

if TYPE_CHECKING:
    from cpictl.repl.metacommands import Registry


class ReplError(Exception):
    """Bad input at the prompt: the message is shown as one line and the REPL goes on."""


class QuitRepl(Exception):
    """`:quit`: leave the loop."""


@dataclass
class ReplContext:
    state: ReplState
    term: Terminal
    registry: Registry
    line_code: int = 0  # the worst exit code reported while the current line ran; `handle_line` resets it

    def report(self, code: int) -> None:
        """Something this line did went wrong in a way `cpictl call` would exit `code` for."""
        self.line_code = max(self.line_code, code)
