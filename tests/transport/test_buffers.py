"""The output sinks: exact stdout limit, bounded stderr tail, stderr lines however the chunks fall."""

from __future__ import annotations

from cpictl.transport.buffers import MAX_LINE_BYTES, StderrTail, StdoutBuffer


def test_stdout_keeps_exactly_the_limit_across_chunks():
    out = StdoutBuffer(5)
    for chunk in (b"ab", b"cd", b"ef", b"gh"):
        out.feed(chunk)
    assert (out.value(), out.truncated, out.total) == (b"abcde", True, 8)


def test_stdout_limit_zero_keeps_nothing():
    out = StdoutBuffer(0)
    out.feed(b"x")
    assert (out.value(), out.truncated) == (b"", True)


def feed_all(chunks: list[bytes], keep: int = 1024) -> tuple[list[str], StderrTail]:
    lines: list[str] = []
    err = StderrTail(keep, lines.append)
    for chunk in chunks:
        err.feed(chunk)
    err.finish()
    return lines, err


def test_lines_split_across_chunks_and_crlf():
    lines, _ = feed_all([b"one\r\ntw", b"o\n", b"\nthr", b"ee"])
    assert lines == ["one", "two", "", "three"]


def test_final_line_without_newline_is_delivered_once():
    lines, err = feed_all([b"a\nb"])
    err.finish()
    assert lines == ["a", "b"]


def test_tail_is_bounded_and_exact():
    err = StderrTail(10)
    for index in range(1000):
        err.feed(b"%04d\n" % index)
        assert len(err._tail) <= 20
    assert (err.tail(), err.total) == (b"0998\n0999\n", 5000)
    assert StderrTail(0).tail() == b""


def test_endless_line_is_delivered_in_pieces_without_splitting_characters():
    lines, _ = feed_all([("é" * MAX_LINE_BYTES).encode()])  # 2 bytes each: pieces must not cut one in half
    assert "".join(lines) == "é" * MAX_LINE_BYTES
    assert all(len(line.encode()) <= MAX_LINE_BYTES and "\ufffd" not in line for line in lines)
    assert len(lines) == 2


def test_callback_error_is_recorded_and_the_callback_dropped():
    calls: list[str] = []

    def broken(line: str) -> None:
        calls.append(line)
        raise ValueError(line)

    err = StderrTail(100, broken)
    err.feed(b"a\nb\nc")
    err.finish()
    assert calls == ["a"]
    assert isinstance(err.callback_error, ValueError)
    assert err.tail() == b"a\nb\nc"


def test_stdout_past_the_spill_size_goes_to_disk_and_comes_back_whole():
    from cpictl.transport.buffers import StdoutBuffer

    buffer = StdoutBuffer(limit=10_000, spill_at=1000)
    chunks = [bytes([65 + n % 26]) * 700 for n in range(10)]
    for chunk in chunks:
        buffer.feed(chunk)
    assert buffer._file is not None and buffer._buffer.getvalue() == b""  # held on disk, not in memory
    assert buffer.value() == b"".join(chunks) and not buffer.truncated


def test_stdout_past_its_limit_keeps_a_short_head_only():
    from cpictl.transport.buffers import TRUNCATED_HEAD, StdoutBuffer

    buffer = StdoutBuffer(limit=200_000, spill_at=50_000)
    for _ in range(100):
        buffer.feed(b"y\n" * 5000)
    assert buffer.truncated and buffer.total == 1_000_000
    assert buffer.value() == (b"y\n" * 50_000)[:TRUNCATED_HEAD]
