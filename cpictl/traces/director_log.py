"""The CPI calls in a director task debug log (`bosh task N --debug`; `/var/vcap/store/director/tasks/N/debug`).

The format, read from the director's code (cloudfoundry/bosh v283.1.6, contract §13):
- Each message starts with the task logger's layout (`thread_formatter.rb`, `"%.1l, [%d #%p] [%T] %5l -- %c: %m\\n"`,
  dates `%Y-%m-%dT%H:%M:%S.%s`): `D, [2026-11-21T09:14:05.310001 #7711] [task:42] DEBUG -- DirectorJobRunner: `.
- `external_cpi.rb` logs, through two TaggedLoggers, `[external-cpi] [cpi-NNNNNN] request: <JSON.dump of the
  request, redacted> with command: <CPI path>` before it runs the CPI, and once both pipes are closed
  `[external-cpi] [cpi-NNNNNN] response: <stdout>, err: <stderr>, exit_status: <exitstatus>`. stdout and stderr
  are raw, so that message spans as many lines as they hold; `exitstatus` is nil, logged as nothing, when a
  signal killed the CPI. The exit status ends the message: it is the only end marker the log has.
- Calls run on many threads: a message is written whole, but other threads' lines come between a request and
  its response. The request id (`cpi-` and six random digits) pairs them.

Rules kept: calls are yielded as their responses come (the order a recorder would append them), unanswered ones
at the end; only requests awaiting their response are held, at most `MAX_PENDING` of them and
`MAX_PENDING_BYTES` in all (past that the oldest is taken as unanswered, and said so); a message cut short (by
rotation, or a task that died) ends at the next CPI message of the director, so it never swallows the log.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from cpictl.traces.log_lines import Line, LogLines
from cpictl.traces.logged_calls import (
    MAX_STDOUT,
    LoggedCall,
    LogProblem,
    TailBuffer,
    seconds_between,
    text_may_hold_masks,
    utc_time,
)

MARKER = b"[external-cpi] [cpi-"
#: How a message of the director's task logger starts (its severity letter, time stamp and pid).
HEADER = re.compile(rb"[A-Z], \[(\d{4}-\d\d-\d\dT[\d:.]+) ?#\d+\] ")
_TAGGED = re.compile(rb"\[external-cpi\] \[(cpi-\d+)\] (request|response): ")
_EXIT = re.compile(rb", exit_status: (-?\d+|)$")
_EXIT_AT_LINE_END = re.compile(rb", exit_status: (-?\d+|)\r?$", re.MULTILINE)
_WITH_COMMAND = b" with command: "
_ERR = b", err: "
#: Requests awaiting a response: a director runs a few dozen CPI processes at once at most.
MAX_PENDING = 1024
MAX_PENDING_BYTES = 16 << 20
TOO_LONG = f"its answer is longer than the {MAX_STDOUT >> 20} MiB an import judges: imported without it"
NO_RESPONSE = "no response in the log: the task ended or died before the CPI answered, or the log was cut there"


@dataclass
class _Response:
    line: int
    stdout: bytes | None = None
    stderr: bytes = b""
    exit_code: int | None = None
    notes: list[str] = field(default_factory=list)


def read_calls(lines: LogLines) -> Iterator[LoggedCall | LogProblem]:
    """Every call in the log, and a problem for each request or response that could not be read whole."""
    waiting, number = _Waiting(), 0
    while (line := lines.next_with((MARKER,))) is not None:
        match = _TAGGED.search(line.text)
        if match is None:  # the marker inside some other text
            continue
        request_id = match.group(1).decode()
        if match.group(2) == b"request":
            number += 1
            call = _request(line, match.end(), request_id, number)
            if isinstance(call, LogProblem):
                yield call
            else:
                yield from waiting.add(call, len(line.text))
            continue
        response = _response(lines, line, match.end())
        answered = waiting.pop(request_id)
        if answered is None:
            yield LogProblem(line.number, f"a response of {request_id} without its request (the log starts after "
                                          "it, or it was cut): not imported")
        else:
            yield _answered(answered, response, _stamp(line))
    for call in waiting.rest():
        yield _unanswered(call, NO_RESPONSE)


class _Waiting:
    """Requests awaiting their response, by request id, in the order they came; bounded (see the module)."""

    def __init__(self) -> None:
        self._calls: dict[str, tuple[LoggedCall, int]] = {}
        self._held = 0

    def add(self, call: LoggedCall, size: int) -> Iterator[LoggedCall]:
        """Keep `call`; yields those given up: an earlier call with its id (ids are random: one that comes again
        means the earlier call got no answer first), and the oldest while too many wait."""
        assert call.request_id is not None
        earlier = self.pop(call.request_id)
        if earlier is not None:
            yield _unanswered(earlier, f"no response before its request id came again at line {call.line}")
        self._calls[call.request_id] = call, size
        self._held += size
        while len(self._calls) > MAX_PENDING or self._held > MAX_PENDING_BYTES:
            oldest = self.pop(next(iter(self._calls)))
            assert oldest is not None
            yield _unanswered(oldest, f"no response within the {len(self._calls)} requests after it, so it is "
                                      "taken as unanswered")

    def pop(self, request_id: str) -> LoggedCall | None:
        call, size = self._calls.pop(request_id, (None, 0))
        self._held -= size
        return call

    def rest(self) -> list[LoggedCall]:
        return [call for call, _ in self._calls.values()]


def _request(line: Line, start: int, request_id: str, number: int) -> LoggedCall | LogProblem:
    body = line.text[start:]
    at = body.rfind(_WITH_COMMAND)
    text, command = (body[:at], body[at + len(_WITH_COMMAND):]) if at >= 0 else (body, b"")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        why = "is cut (the log ends inside it, or it is longer than an import reads)" if line.cut or at < 0 else \
            "is not JSON"
        return LogProblem(line.number, f"the request of {request_id} {why}: not imported")
    if not isinstance(document, dict):
        return LogProblem(line.number, f"the request of {request_id} is not a JSON object: not imported")
    stamp = _stamp(line)
    return LoggedCall("director", number, line.number, document, command.decode("utf-8", "replace"),
                      request_id=request_id, logged_at=stamp, time=utc_time(stamp, local=False) if stamp else None,
                      may_hold_masks=text_may_hold_masks(text))


def _answered(call: LoggedCall, response: _Response, end_stamp: str | None) -> LoggedCall:
    call.stdout, call.stderr, call.exit_code = response.stdout, response.stderr, response.exit_code
    call.response_line = response.line
    call.notes += response.notes
    call.duration_s = seconds_between(call.logged_at, end_stamp)
    return call


def _unanswered(call: LoggedCall, why: str) -> LoggedCall:
    call.notes.append(why)
    return call


def _stamp(line: Line) -> str | None:
    match = HEADER.match(line.text)
    return match.group(1).decode() if match else None


def _ends_message(text: bytes) -> bool:
    """A new CPI message of the director: whatever came before it has ended, cut or not."""
    return HEADER.match(text) is not None and _TAGGED.search(text) is not None


def _response(lines: LogLines, first: Line, start: int) -> _Response:
    """The response message from `first` on: stdout up to `, err: `, stderr up to `, exit_status: N` at a line's
    end, however many lines each spans."""
    response = _Response(first.number)
    head: list[bytes] = []  # stdout's lines before the one where `, err: ` comes
    size, current = 0, first
    text = first.text[start:]
    while _ERR not in text:
        end = _EXIT.search(text)
        if current.cut or end is not None or size > MAX_STDOUT:
            if end is None:  # the reader dropped the rest of a line longer than it keeps, or stdout is endless
                response.notes.append(TOO_LONG)
            else:  # no `err:` part at all
                response.stdout = b"\n".join([*head, text[:end.start()]])
                response.exit_code = _exit_code(end.group(1), response)
            return response
        head.append(text)
        size += len(text) + 1
        following = lines.next_line()
        if following is None or _ends_message(following.text):
            if following is not None:
                lines.push_back(following)
            response.notes.append("the log ends inside its response (before `err:`): taken as unanswered")
            return response
        current, text = following, following.text
    at = _split_at(head, text)
    if size + at > MAX_STDOUT:
        response.notes.append(TOO_LONG)
    else:
        response.stdout = b"\n".join([*head, text[:at]])
    return _stderr(lines, response, text[at + len(_ERR):])


def _split_at(head: list[bytes], text: bytes) -> int:
    """Where stdout ends in `text`: at its only `, err: `, or at the first one after which stdout is JSON (a
    CPI's log string or its stderr may hold the words too)."""
    first = text.find(_ERR)
    if text.find(_ERR, first + 1) < 0:
        return first
    at = first
    while at >= 0:
        try:
            json.loads(b"\n".join([*head, text[:at]]))
            return at
        except (ValueError, RecursionError):
            at = text.find(_ERR, at + 1)
    return first


def _stderr(lines: LogLines, response: _Response, text: bytes) -> _Response:
    """stderr up to `, exit_status: N` at a line's end: the rest of the response's line, then whole lines."""
    kept = TailBuffer()
    end = _EXIT.search(text)
    if end is not None:
        kept.add(text[:end.start()])
        status: bytes | None = end.group(1)
    else:
        kept.add(text + b"\n")
        found = lines.read_until(_EXIT_AT_LINE_END, MARKER, _ends_message, kept.add)
        status = found[1][0] if found is not None else None
    response.stderr = kept.value()
    if status is None:
        response.notes.append("the log ends inside its stderr (no exit_status): the exit status is unknown")
    else:
        response.exit_code = _exit_code(status, response)
    return response


def _exit_code(text: bytes, response: _Response) -> int | None:
    if text:
        return int(text)
    response.notes.append("exit_status is empty: a signal killed the CPI (the log does not say which)")
    return None
