"""`cpictl run --step`: before each step, show the request and ask, one key, what to do with it.

Rules kept here:
- One key answers, no Enter needed (`line_input.read_key`): r run, s skip, q quit, c continue — run this step
  and every one after it without asking again. Enter runs the step. Any other key is answered with the list of
  keys, and the question is asked again: a typo neither runs nor skips anything. Only keys pressed after the
  question count: an Enter typed out of habit after the last key does not run the next step.
- Ctrl-C at the prompt interrupts like Ctrl-C in a call: the KeyboardInterrupt reaches the runner, which runs the
  finally steps, unasked, and the run exits 130.
- Ctrl-D (end of input) means "quit"; since nothing more can be read, the finally steps then run without asking.
- Secrets in the request are masked, and the request is shown whole: the user decides on what will be sent.
"""

from __future__ import annotations

import sys
from typing import Any

#: Each key (and the word that may be typed where a line is read) and what it does.
KEYS = {"r": "run", "s": "skip", "q": "quit", "c": "continue"}
KEY_LIST = "r run, s skip, q quit, c continue without asking, Enter runs"


class StepPrompt:
    """`--step`: before each step, the whole request (secrets masked) and "run, skip, quit or continue?".

    Read through `line_input` rather than with click's prompt, which turns Ctrl-C and Ctrl-D alike into one
    Abort: here Ctrl-C is KeyboardInterrupt (the runner stops and cleans up), and end of input is "quit"."""

    QUESTION = "run, skip, quit or continue without asking? [r/s/q/c] (Enter: run) "

    def __init__(self) -> None:
        self.ended = False  # input is at its end: nothing more can be asked
        self.asking = True  # until `c`: the rest of the run goes unasked

    def __call__(self, step: Any, request: Any) -> str:
        if self.ended:  # quit the main steps, run the finally steps: the cleanup must not wait for an answer
            return "quit" if step.phase == "main" else "run"
        if not self.asking:
            return "run"
        from cpictl.protocol.redaction import mask_request
        from cpictl.protocol.strict_json import strict_dumps

        # The whole request, secrets masked: the user decides on what will be sent, not on a prefix of it. Strict
        # JSON: an argument taken from a CPI's answer may hold a 5,000-digit number or a lone surrogate.
        preview = strict_dumps(mask_request(request.as_dict()), indent=2) if request is not None else ""
        sys.stderr.write(f"\nnext: {step.name} ({step.method})\n{preview}\n")
        return self._answer(step)

    def _answer(self, step: Any) -> str:
        from cpictl.cli.line_input import EndOfInput, read_key

        while True:
            try:
                pressed = read_key(self.QUESTION)
            except EndOfInput:  # Ctrl-D
                self.ended = True
                sys.stderr.write("\nend of input: quitting; the finally steps run without asking\n")
                return "quit" if step.phase == "main" else "run"
            key = pressed.strip().lower()
            # Enter; a key; or a word, where a line is read (a terminal without a descriptor)
            decision = "run" if not pressed else KEYS.get(key) or (key if key in KEYS.values() else None)
            if decision is None:
                from cpictl.render.terminal_text import visible_controls

                shown = visible_controls(pressed)  # an arrow key is an escape sequence: shown, not obeyed
                sys.stderr.write(f"\n'{shown}' is not one of the keys: {KEY_LIST}\n")
                continue
            sys.stderr.write(f"{decision}\n")  # the terminal does not echo a key read alone
            if decision == "continue":
                self.asking = False
                sys.stderr.write("continuing: the rest of the run goes without asking\n")
                return "run"
            return decision
