"""Read an answer typed at the terminal without losing a Ctrl-C (or SIGTERM, SIGHUP) that lands just before it.

`input()` alone can hang: a signal that arrives after Python last looked for one but before the read starts runs
its handler, the read then blocks, and the KeyboardInterrupt waits behind a line nobody will type. A scripted
Ctrl-C right after `cpictl run --step` asked "run, skip or quit?" hung that way, with a CPI's stemcell left for the
finally steps that never ran. So we first wait until the terminal has a line, polling the signal module's wakeup
fd as well: a signal in that window writes to it, the poll returns, and the KeyboardInterrupt is raised as soon as
control is back in Python. In canonical mode a terminal is readable only once a whole line (or end of input) is
there, so the `input()` that follows does not block.

End of input at a prompt (Ctrl-D) is `EndOfInput`, an EOFError of its own: the CLI ends such a command as a
clean abort, while an EOFError from anywhere else (`marshal` reading a torn .pyc, a bug) is reported as the bug
it is (`cpictl.cli.main`). Every prompt of the CLI reads through here (`read_line`, `read_key`, `confirm`,
`secret`).

`read_key` takes one key without Enter: the terminal is in cbreak mode (no echo, no line editing, Ctrl-C and
Ctrl-Z still signals) only while it waits, and is put back as it was however the wait ends — a key, Ctrl-C,
SIGTERM — so the shell never inherits a terminal that does not echo.
"""

from __future__ import annotations

import os
import select
import signal
import sys
from contextlib import suppress
from typing import TextIO

_wakeup_pipe: tuple[int, int] | None = None  # made once: a pipe per question would leak on every Ctrl-C


class EndOfInput(EOFError):
    """The user ended the input at a prompt (Ctrl-D), or stdin ran out while one was asked."""


def read_line() -> str:
    """One line from stdin like `input()` (EndOfInput at end of input), but interruptible at any moment."""
    wait_for_input(sys.stdin)
    try:
        return input()
    except EOFError as error:
        raise EndOfInput(*error.args) from None


def read_key(question: str) -> str:
    """Ask `question` on stderr and take one key pressed after it, without Enter: its characters, "" for Enter
    (as an empty line reads); EndOfInput for Ctrl-D or a terminal that hung up. Keys pressed before the question
    appeared are dropped: an Enter typed out of habit after the last answer must not answer this one. Without a
    terminal descriptor (a test's fake terminal), one line (`read_line`) stands for the key."""
    import termios
    import tty

    try:
        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
    except (AttributeError, OSError, ValueError, termios.error):
        _ask(question)
        return read_line()
    try:
        tty.setcbreak(fd, termios.TCSAFLUSH)  # flushes what was typed before the question: then it is asked
        _ask(question)
        wait_for_input(sys.stdin)
        pressed = os.read(fd, 64)  # an arrow or function key is a few bytes at once: one key, not several
    finally:
        with suppress(termios.error, OSError):
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    if pressed in (b"", b"\x04"):
        raise EndOfInput
    key = pressed.decode("utf-8", errors="replace")
    return "" if key in ("\r", "\n", "\r\n") else key


def _ask(question: str) -> None:
    sys.stderr.write(question)
    sys.stderr.flush()


def secret(prompt: str) -> str:
    """One answer typed without echo (`getpass`); EndOfInput at end of input."""
    import getpass

    try:
        return getpass.getpass(prompt)
    except EOFError as error:
        raise EndOfInput(*error.args) from None


def confirm(question: str, *, default: bool = False) -> bool:
    """Ask a yes/no question on stdout until answered; EndOfInput at end of input."""
    hint = "[Y/n]" if default else "[y/N]"
    while True:
        sys.stdout.write(f"{question} {hint}: ")
        sys.stdout.flush()
        answer = read_line().strip().lower()
        if not answer:
            return default
        if answer in ("y", "yes", "n", "no"):
            return answer.startswith("y")
        sys.stdout.write("please answer y or n\n")


def wait_for_input(stream: TextIO) -> None:
    """Block until `stream` can be read without blocking, or raise what a signal's handler raises.

    Only for a terminal: it hands over one line per read, so nothing can wait in a buffer above the descriptor
    (from a pipe, `input()` may already hold the next answer, and polling the descriptor would wait for more).
    Does nothing without a descriptor (a test's fake terminal) or off the main thread (signals are handled
    there only); the plain read that follows then behaves like `input()`."""
    try:
        fd = stream.fileno()
        if not os.isatty(fd):
            return
    except (AttributeError, OSError, ValueError):
        return
    wakeup_read, wakeup_write = _pipe()
    try:
        previous = signal.set_wakeup_fd(wakeup_write, warn_on_full_buffer=False)
    except ValueError:  # not the main thread
        return
    try:
        _poll_until_readable(fd, wakeup_read)
    finally:
        signal.set_wakeup_fd(previous)


def _poll_until_readable(fd: int, wakeup_read: int) -> None:
    # A function of its own on purpose: entering it is a point where Python runs pending signal handlers, so a
    # signal that came just before the wakeup fd was set is acted on here, before the poll could block.
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    poller.register(wakeup_read, select.POLLIN)
    while True:
        ready = {ready_fd for ready_fd, _ in poller.poll()}
        if fd in ready:  # a line, end of input, or a hang-up: the read will say which
            return
        # A signal woke us. Its handler runs at the next bytecode (the KeyboardInterrupt is raised there); a
        # handler that does not raise leaves us waiting for the line.
        _drain(wakeup_read)


def _pipe() -> tuple[int, int]:
    global _wakeup_pipe
    if _wakeup_pipe is None:
        read_end, write_end = os.pipe()
        for end in (read_end, write_end):
            os.set_blocking(end, False)  # the signal handler must never block on a full pipe
            os.set_inheritable(end, False)
        _wakeup_pipe = (read_end, write_end)
    _drain(_wakeup_pipe[0])  # wake-ups from signals handled before this question
    return _wakeup_pipe


def _drain(fd: int) -> None:
    with suppress(BlockingIOError, InterruptedError):
        while os.read(fd, 4096):
            pass
