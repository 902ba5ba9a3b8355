"""`cpictl run --step`: before each step, show the request and ask "run, skip or quit?" on the terminal.

Rules kept here:
- Ctrl-C at the prompt interrupts like Ctrl-C in a call: the KeyboardInterrupt reaches the runner, which runs the
  finally steps, unasked, and the run exits 130.
- Ctrl-D (end of input) means "quit"; since nothing more can be read, the finally steps then run without asking.
- Secrets in the request are masked, and the request is shown whole: the user decides on what will be sent.
"""

from __future__ import annotations

import sys
from typing import Any


class StepPrompt:
    """`--step`: before each step, the whole request (secrets masked) and "run, skip or quit?" on the terminal.

    Read like `input()` (`line_input.read_line`, which also never misses a Ctrl-C that lands just before the
    read) rather than with click's prompt, which turns Ctrl-C and Ctrl-D alike into one Abort: here Ctrl-C is
    KeyboardInterrupt (the runner stops and cleans up), and end of input is "quit"."""

    QUESTION = "run, skip or quit? [r/s/q] [r]: "

    def __init__(self) -> None:
        self.ended = False  # input is at its end: nothing more can be asked

    def __call__(self, step: Any, request: Any) -> str:
        if self.ended:  # quit the main steps, run the finally steps: the cleanup must not wait for an answer
            return "quit" if step.phase == "main" else "run"
        from cpictl.cli.line_input import EndOfInput, read_line
        from cpictl.protocol.redaction import mask_request
        from cpictl.protocol.strict_json import strict_dumps

        # The whole request, secrets masked: the user decides on what will be sent, not on a prefix of it. Strict
        # JSON: an argument taken from a CPI's answer may hold a 5,000-digit number or a lone surrogate.
        preview = strict_dumps(mask_request(request.as_dict()), indent=2) if request is not None else ""
        sys.stderr.write(f"\nnext: {step.name} ({step.method})\n{preview}\n")
        while True:
            sys.stderr.write(self.QUESTION)
            sys.stderr.flush()
            try:
                answer = read_line().strip().lower() or "r"
            except EndOfInput:  # Ctrl-D
                self.ended = True
                sys.stderr.write("\nend of input: quitting; the finally steps run without asking\n")
                return "quit" if step.phase == "main" else "run"
            if answer in ("r", "run", "s", "skip", "q", "quit"):
                return {"r": "run", "s": "skip", "q": "quit"}[answer[0]]
