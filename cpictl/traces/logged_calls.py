"""What the log readers find: the calls a BOSH debug log holds (`LoggedCall`) and what kept one from being read
whole (`LogProblem`), each with its line number.

A call keeps exactly what the log shows: the request document as logged (the director's `"<redacted>"` values
included), the CPI's stdout and stderr as bytes, the exit status. What the log does not show stays None, and a
`note` says why (the task died before the response, the log was cut inside it), so an import never invents an
answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

#: The most of a call's stderr an import keeps (its end, where a CPI says what went wrong); a trace entry keeps
#: less still (`entries.KEPT_TEXT`), so this bounds memory without changing an entry.
KEPT_STDERR = 1 << 20
#: The largest answer (stdout) an import judges; past it the call is imported without its response, and said so.
MAX_STDOUT = 8 << 20

CALLERS = {"director": "director-log", "create-env": "create-env-log"}


@dataclass
class LoggedCall:
    """One CPI call found in a log. `number`: its place among the file's requests (1 = the first); `line`: where
    its request is (the director's `request:` line, create-env's `Exit Code` line)."""

    caller: str
    number: int
    line: int
    request: dict[str, Any]
    command: str
    request_id: str | None = None
    #: What the CPI answered; None when the log holds no answer (see `notes`).
    stdout: bytes | None = None
    stderr: bytes = b""
    exit_code: int | None = None
    response_line: int | None = None
    #: The log's own time stamp of the call, as written, and as an ISO-8601 UTC time.
    logged_at: str | None = None
    time: str | None = None
    duration_s: float | None = None
    notes: list[str] = field(default_factory=list)
    #: False when the request's text cannot hold the caller's `"<redacted>"` (`text_may_hold_masks`): its entry's
    #: `redacted` is then known to be empty without walking the document.
    may_hold_masks: bool = True

    @property
    def method(self) -> str:
        method = self.request.get("method")
        return method if isinstance(method, str) else "?"

    @property
    def label(self) -> str:
        """How a message names the call: `create_vm cpi-735110` or `create_vm (call 3)`."""
        return f"{self.method} {self.request_id}" if self.request_id else f"{self.method} (call {self.number})"


def text_may_hold_masks(text: bytes) -> bool:
    """Whether a request's JSON text may hold a `"<redacted>"` value: one needs a `<`, written as itself or as an
    escape (`\\u003c`, `\\u003C`). Byte by byte, so it holds for any encoding `json.loads` detects: in UTF-8, -16
    and -32 alike a `<` holds the byte 0x3C and a backslash the byte 0x5C."""
    return b"<" in text or b"\\" in text


@dataclass(frozen=True)
class LogProblem:
    """Something at `line` that could not be read as (part of) a call; `message` says what and what became of it."""

    line: int
    message: str


class TailBuffer:
    """The last `limit` bytes of a text written in pieces, and how many bytes came before them."""

    def __init__(self, limit: int = KEPT_STDERR) -> None:
        self.limit = limit
        self.dropped = 0
        self._parts: list[bytes] = []
        self._size = 0

    def add(self, data: bytes) -> None:
        self._parts.append(data)
        self._size += len(data)
        if self._size > 2 * self.limit:  # compact now and then, not on every piece
            self._compact()

    def value(self) -> bytes:
        """What is kept, prefixed with a note of what was not."""
        self._compact()
        kept = b"".join(self._parts)
        return f"[{self.dropped:,} bytes of stderr not kept] ".encode() + kept if self.dropped else kept

    def _compact(self) -> None:
        joined = b"".join(self._parts)
        if len(joined) > self.limit:
            self.dropped += len(joined) - self.limit
            joined = joined[-self.limit:]
        self._parts, self._size = [joined], len(joined)


def utc_time(stamp: str, *, local: bool) -> str | None:
    """An ISO-8601 UTC time (as entries write theirs) from a log's time stamp: one without a zone is taken as UTC
    (a director's VM runs in UTC) or, `local`, as this machine's local time (create-env logs on the operator's
    machine, and its import most likely runs there too)."""
    moment = _moment(stamp)
    if moment is None:
        return None
    moment = moment.astimezone(timezone.utc) if local and not stamp.endswith("Z") else moment.replace(
        tzinfo=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def seconds_between(start: str | None, end: str | None) -> float | None:
    """Seconds from one log stamp to another (the time a logged call took, to the log's precision)."""
    first, last = _moment(start or ""), _moment(end or "")
    if first is None or last is None:
        return None
    return round((last - first).total_seconds(), 6)


_STAMP = re.compile(r"(\d{4})[-/](\d\d)[-/](\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?Z?")


def _moment(stamp: str) -> datetime | None:
    """`2026-11-21T09:14:05.310001` (director), `2026/11/21 09:14:05` or `…T09:14:05.000000000Z` (create-env)."""
    if "T" in stamp and not stamp.endswith("Z"):
        try:  # the director's stamps, by the C parser (they are ISO-8601 with 6 fractional digits)
            return datetime.fromisoformat(stamp)
        except ValueError:
            pass
    match = _STAMP.fullmatch(stamp)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(field) for field in match.groups()[:6])
    fraction = match.group(7) or "0"
    try:
        return datetime(year, month, day, hour, minute, second, int(fraction[:6].ljust(6, "0")))
    except ValueError:
        return None
