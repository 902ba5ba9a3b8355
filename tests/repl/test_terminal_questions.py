"""`PromptTerminal`'s questions share one prompt_toolkit session, which keeps the options a prompt was given: none
may carry over to the next question (hidden input after a secret, a parameter's completer at a confirmation)."""

from __future__ import annotations

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import DummyCompleter, WordCompleter
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from cpictl.repl.lines import is_incomplete
from cpictl.repl.terminal import PromptTerminal


def test_no_question_inherits_the_last_ones_options() -> None:
    with create_pipe_input() as pipe:
        terminal = PromptTerminal()
        session: PromptSession[str] = PromptSession(input=pipe, output=DummyOutput())
        terminal._asker = session
        pipe.send_text("s3cret\r")
        assert terminal.ask_secret("password: ") == "s3cret"
        pipe.send_text("{a: [1,\r 2]}\r")  # the second Enter answers: the brackets are closed
        answer = terminal.ask("  value> ", completer=WordCompleter(["vm-1"]), continues=is_incomplete)
        assert answer == "{a: [1,\n 2]}"
        assert session.is_password is False  # typed in the clear after a secret's hidden one
        pipe.send_text("{a: [1,\r")  # a confirmation answers on the first Enter, whatever was typed
        assert terminal.confirm("overwrite?") is False
        assert isinstance(session.completer, DummyCompleter)  # the value's cloud IDs are not offered there
