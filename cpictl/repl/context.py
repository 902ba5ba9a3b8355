"""What a meta-command handler receives: the state, the terminal and the registry — and nothing global.

The loop, tests and benchmarks each build one `ReplContext`; handlers take it as their first argument. The two
exceptions here are the only ways a handler steers the loop: `ReplError` (one line, the REPL goes on) and
`QuitRepl` (leave).
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
