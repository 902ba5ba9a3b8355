"""The in-process transport gives the layers above the same RunResult a real process would."""

from __future__ import annotations

import os

from cpictl.transport import CpiCommand, run_in_process


def test_handler_plays_the_cpi():
    seen: list[bytes] = []
    lines: list[str] = []

    def handler(request: bytes) -> tuple[bytes, bytes, int]:
        seen.append(request)
        return b'{"result":"ok","error":null,"log":""}', b"one\ntwo", 3

    result = run_in_process(handler, b'{"method":"info"}', lines.append)
    assert seen == [b'{"method":"info"}']
    assert result.stdout == b'{"result":"ok","error":null,"log":""}'
    assert (result.exit_code, result.signal, result.pid) == (3, None, os.getpid())
    assert lines == ["one", "two"]
    assert (result.stderr_tail, result.stderr_bytes) == (b"one\ntwo", 7)
    assert not (result.timed_out or result.lingering_pipes)


def test_negative_code_is_a_signal_and_limits_apply():
    result = run_in_process(
        lambda request: (b"x" * 10, b"e" * 10, -9), b"", command=CpiCommand(["ignored"], stdout_limit=4, stderr_keep=3)
    )
    assert (result.exit_code, result.signal) == (None, 9)
    assert (result.stdout, result.stdout_truncated, result.stdout_bytes) == (b"xxxx", True, 10)
    assert result.stderr_tail == b"eee"
