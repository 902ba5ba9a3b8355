"""The CPI calls in a `bosh create-env`/`delete-env` debug log (BOSH_LOG_LEVEL=debug; BOSH_LOG_PATH or stderr).

The format, read from bosh-cli's code (cloud/cpi_cmd_runner.go, cloud/cloud.go, and the vendored bosh-utils
logger/logger.go and system/exec_process.go; contract §13):
- Each message starts `[<tag>] <time> <LEVEL> - `, the time `2006/01/02 15:04:05` in local time (or RFC 3339
  with nanoseconds and `Z` once a logger is switched to it).
- After the CPI exits, `cpiCmdRunner` logs one message: `Exit Code %d when executing external CPI command
  '%s'\\nSTDIN: '%s'\\nSTDOUT: '%s'\\nSTDERR: '%s'` — the request as sent (json.Marshal: one line, nothing
  redacted), stdout and stderr raw, so they span lines. Exit Code is -1 when the CPI could not be started and
  128+N when signal N killed it. When the answer decodes, `cpiCmdRunner` next logs its `log`.
- create-env runs one CPI process at a time, so a call's message is never interleaved with another's.

Only a `'` marks the end of STDERR, and a Go CPI's stderr holds lines that look like log messages (it logs with
the same logger) and often end with a quote. So STDERR runs until create-env's own next message about its CPI
(`[cpiCmdRunner]` or `[cloud]`, the two tags of a call's code path) or the end of the file, and ends at the last
line before it that ends with `'`; what lies between (other messages, the CLI's own output when stdout and
stderr went to one file) is not part of it. STDIN and STDOUT end where the next of STDOUT/STDERR starts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from cpictl.traces.log_lines import Line, LogLines
from cpictl.traces.logged_calls import (
    KEPT_STDERR,
    MAX_STDOUT,
    LoggedCall,
    LogProblem,
    TailBuffer,
    text_may_hold_masks,
    utc_time,
)

MARKER = b" when executing external CPI command '"
#: How a message of the bosh-utils logger starts: its tag, time stamp and level.
HEADER = re.compile(rb"\[([^\]\n]*)\] (\d{4}/\d\d/\d\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT[\d:.]+Z) [A-Z]+ - ")
_EXIT_CODE = re.compile(rb"Exit Code (-?\d+) when executing external CPI command '(.*)'$")
_OWN_TAGS = (b"cpiCmdRunner", b"cloud")
_STDIN, _STDOUT, _STDERR = b"STDIN: '", b"STDOUT: '", b"STDERR: '"


def read_calls(lines: LogLines) -> Iterator[LoggedCall | LogProblem]:
    """Every call in the log, and a problem for each that could not be read whole."""
    number = 0
    while (line := lines.next_with((MARKER,))) is not None:
        header = HEADER.match(line.text)
        found = _EXIT_CODE.search(line.text, header.end()) if header and header.group(1) == b"cpiCmdRunner" \
            else None
        if found is None:  # the words inside some other text
            continue
        number += 1
        yield _call(lines, line, header.group(2).decode() if header else "", found, number)


def _call(lines: LogLines, first: Line, stamp: str, found: re.Match[bytes], number: int) -> LoggedCall | LogProblem:
    where = f"the message of call {number}"
    stdin = lines.next_line()
    if stdin is None or not stdin.text.startswith(_STDIN):
        if stdin is not None:
            lines.push_back(stdin)
        return LogProblem(first.number, f"{where} is cut before its STDIN: not imported")
    text, stdout_line = _quoted(lines, stdin, _STDIN, _STDOUT)
    if text is None:
        return LogProblem(stdin.number, f"{where} is cut inside its STDIN: not imported")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return LogProblem(stdin.number, f"{where}: its STDIN is not JSON: not imported")
    if not isinstance(document, dict):
        return LogProblem(stdin.number, f"{where}: its STDIN is not a JSON object: not imported")
    exit_code = int(found.group(1))
    call = LoggedCall("create-env", number, first.number, document, found.group(2).decode("utf-8", "replace"),
                      exit_code=exit_code if exit_code >= 0 else None, logged_at=stamp or None,
                      time=utc_time(stamp, local=True) if stamp else None, may_hold_masks=text_may_hold_masks(text))
    if exit_code < 0:
        call.notes.append("Exit Code -1: create-env could not start the CPI (or it stopped without an exit status)")
    assert stdout_line is not None  # _quoted gives the next value's line with every value it reads whole
    call.response_line = stdout_line.number
    stdout, stderr_line = _quoted(lines, stdout_line, _STDOUT, _STDERR)
    if stdout is None or stderr_line is None:
        call.notes.append("the log ends inside its STDOUT (or it is longer than an import judges): imported "
                          "without an answer")
        return call
    call.stderr = _stderr(lines, stderr_line, call)
    call.stdout = stdout if exit_code >= 0 else None  # not started: there is no answer to judge
    return call


def _quoted(lines: LogLines, first: Line, prefix: bytes, following: bytes) -> tuple[bytes | None, Line | None]:
    """The value quoted after `prefix` up to the line starting with `following` (which is returned too); None
    when the log ends first, another call's message starts, or the value is longer than an import judges."""
    parts, size = [first.text[len(prefix):]], len(first.text)
    cut = first.cut
    while True:
        line = lines.next_line()
        if line is None:
            return None, None
        if line.text.startswith(following) and parts[-1].endswith(b"'"):
            return (None if cut else b"\n".join(parts)[:-1]), line
        if _EXIT_CODE.search(line.text) and HEADER.match(line.text):
            lines.push_back(line)
            return None, None
        size += len(line.text) + 1
        cut = cut or line.cut or size > MAX_STDOUT
        if not cut:
            parts.append(line.text)


def _stderr(lines: LogLines, first: Line, call: LoggedCall) -> bytes:
    """STDERR's value: up to the last line ending in `'` before create-env's next message of its own."""
    kept = _Lines()
    since: list[bytes] = []  # lines after the last one ending with a quote: more stderr, or what follows it
    size, quoted = 0, False  # quoted: the last line kept ends with the closing quote
    text = first.text[len(_STDERR):]
    while True:
        if text.endswith(b"'"):
            kept.extend([*since, text])
            since, size, quoted = [], 0, True
        else:
            since.append(text)
            size += len(text)
            if size > KEPT_STDERR:  # that much without a quote is stderr, not what follows it
                kept.extend(since)
                since, size, quoted = [], 0, False
        line = lines.next_line()
        if line is None:
            break
        header = HEADER.match(line.text)
        if header is not None and header.group(1) in _OWN_TAGS:
            lines.push_back(line)
            break
        text = line.text
    if quoted:  # what came after the closing quote is not stderr
        return kept.value()[:-1]
    kept.extend(since)
    call.notes.append("the log ends inside its STDERR (no closing quote): what is there is kept")
    return kept.value()


class _Lines:
    """Lines joined with newlines, only the end kept (`TailBuffer`)."""

    def __init__(self) -> None:
        self._tail = TailBuffer()
        self._first = True

    def extend(self, lines: list[bytes]) -> None:
        for line in lines:
            self._tail.add(line if self._first else b"\n" + line)
            self._first = False

    def value(self) -> bytes:
        return self._tail.value()
