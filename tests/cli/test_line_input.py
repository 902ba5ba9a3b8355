"""Answers read at a real pseudo-terminal: a signal at any moment of the wait interrupts it, lines and end of input
come through as `input()` gives them, and `confirm` asks until it gets a yes or a no."""

from __future__ import annotations

import _thread
import os
import signal
import sys
import threading
from collections.abc import Iterator

import pytest

from cpictl.cli import line_input

SAFETY_S = 20.0  # if the wait missed the interrupt, a line arrives after this and the test fails instead of hanging


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """stdin is the user side of a fresh pseudo-terminal; yields the side the test types on."""
    typing_side, user_side = os.openpty()
    stdin = open(user_side, encoding="utf-8", closefd=True)  # noqa: SIM115 - closed below
    monkeypatch.setattr("sys.stdin", stdin)
    try:
        yield typing_side
    finally:
        stdin.close()
        os.close(typing_side)


class _TypedLater:
    """`text` typed at the terminal after `delay` seconds, unless cancelled first."""

    def __init__(self, fd: int, text: bytes, delay: float) -> None:
        self.typed = threading.Event()
        self._timer = threading.Timer(delay, self._type, (fd, text))
        self._timer.start()

    def _type(self, fd: int, text: bytes) -> None:
        os.write(fd, text)
        self.typed.set()

    def cancel(self) -> None:
        self._timer.cancel()


def _type_later(fd: int, text: bytes, delay: float) -> _TypedLater:
    return _TypedLater(fd, text, delay)


def test_a_signal_handled_while_waiting_for_the_answer_interrupts_the_wait(terminal):
    # interrupt_main trips SIGINT's handler without interrupting a blocked read: exactly the state a real Ctrl-C
    # leaves when it lands between Python's last look for signals and the read. A plain input() waits on forever.
    safety = _type_later(terminal, b"late\n", SAFETY_S)
    try:
        with pytest.raises(KeyboardInterrupt):
            # started in here: however late the timer fires, its KeyboardInterrupt lands inside pytest.raises
            threading.Timer(0.05, _thread.interrupt_main).start()
            line_input.read_line()
        assert not safety.typed.is_set()  # interrupted while waiting, not once the late line ended the read
    finally:
        safety.cancel()


def test_a_signal_that_arrived_before_the_wait_is_not_lost(terminal):
    # Handled and not yet acted on (no bytecode has run since) when the wait begins.
    safety = _type_later(terminal, b"late\n", SAFETY_S)
    try:
        with pytest.raises(KeyboardInterrupt):
            _thread.interrupt_main()
            line_input.wait_for_input(sys.stdin)
        assert not safety.typed.is_set()
    finally:
        safety.cancel()


def test_a_typed_line_is_returned_and_the_previous_wakeup_fd_is_put_back(terminal):
    other_read, other_write = os.pipe()
    os.set_blocking(other_write, False)
    previous = signal.set_wakeup_fd(other_write)
    try:
        _type_later(terminal, b"  skip \n", 0.05)
        assert line_input.read_line() == "  skip "
        assert signal.set_wakeup_fd(previous) == other_write
    finally:
        os.close(other_read)
        os.close(other_write)


def test_a_signal_whose_handler_does_not_raise_leaves_the_question_waiting(terminal):
    seen: list[int] = []
    previous = signal.signal(signal.SIGUSR1, lambda signum, frame: seen.append(signum))
    try:
        threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGUSR1)).start()
        _type_later(terminal, b"r\n", 1.0)
        assert line_input.read_line() == "r"
        assert seen == [signal.SIGUSR1]
    finally:
        signal.signal(signal.SIGUSR1, previous)


def test_end_of_input_at_the_terminal_is_eof(terminal):
    _type_later(terminal, b"\x04", 0.05)  # Ctrl-D at the start of a line
    with pytest.raises(line_input.EndOfInput):  # an EOFError the CLI can tell from a stray one
        line_input.read_line()


def test_confirm_asks_again_until_it_gets_yes_or_no_and_an_empty_answer_is_the_default(terminal, capsys):
    os.write(terminal, b"maybe\n")
    _type_later(terminal, b"yes\n", 0.3)
    assert line_input.confirm("Make these 2 call(s)?") is True
    asked = capsys.readouterr().out
    assert asked.count("Make these 2 call(s)? [y/N]: ") == 2 and "please answer y or n" in asked
    os.write(terminal, b"\n")
    assert line_input.confirm("Delete?") is False
    os.write(terminal, b"\n")
    assert line_input.confirm("Delete?", default=True) is True


def test_from_a_pipe_answers_sent_at_once_are_read_one_by_one(monkeypatch):
    # The first read takes both lines into the stream's buffer; waiting on the descriptor for the second would hang.
    read_end, write_end = os.pipe()
    os.write(write_end, b"r\ns\n")  # the write end stays open: no end of input to wake a wait
    stdin = open(read_end, encoding="utf-8")  # noqa: SIM115 - closed below
    monkeypatch.setattr("sys.stdin", stdin)
    safety = _type_later(write_end, b"late\n", SAFETY_S)
    try:
        assert [line_input.read_line(), line_input.read_line()] == ["r", "s"]
    finally:
        safety.cancel()
        stdin.close()
        os.close(write_end)
