"""One call of a BOSH debug log, picked by the director's request id (`cpi-735110`) or by its place in the file
(`3`: the third request; create-env logs have no request ids) — what `cpictl call --from-log` sends again.

Request ids are six random digits, so a long log may hold one twice: a lookup by id reads the whole file and
refuses to guess between two calls, naming both by their place. A lookup by place stops at the call.
"""

from __future__ import annotations

from pathlib import Path

from cpictl.traces.bosh_logs import DESCRIPTIONS, NOT_A_LOG, BoshLog
from cpictl.traces.logged_calls import LoggedCall, LogProblem


class LogLookupError(Exception):
    """No such call in the log, or more than one, or no log: the message says which and what to give instead."""


def find_call(path: Path, which: str) -> LoggedCall:
    """The call `which` names (`cpi-NNNNNN`, or N for the Nth request of the file); raises LogLookupError."""
    wanted = which.strip()
    number = int(wanted) if wanted.isdigit() else None
    request_id = f"cpi-{wanted}" if number is not None else wanted  # `735110` may mean cpi-735110 as well
    log = BoshLog(path)
    by_id: list[LoggedCall] = []
    related: list[LogProblem] = []
    try:
        for found in log.calls():
            if isinstance(found, LogProblem):
                if request_id in found.message or (number is not None and f"call {number} " in found.message):
                    related.append(found)
            elif number is not None and found.number == number:
                return found
            elif found.request_id == request_id:
                by_id.append(found)
    except OSError as error:
        raise LogLookupError(f"cannot read {path}: {error.strerror or error}") from None
    if log.format is None:
        raise LogLookupError(f"{path}: {NOT_A_LOG}")
    if len(by_id) == 1:
        return by_id[0]
    if by_id:
        places = ", ".join(f"{call.number} ({call.method}, line {call.line})" for call in by_id)
        raise LogLookupError(f"{request_id} names {len(by_id)} calls in {path} (request ids are random and "
                             f"repeat): give --request-id with the call's place instead: {places}")
    raise LogLookupError(_not_found(path, log.format, wanted, related))


def _not_found(path: Path, log_format: str, wanted: str, related: list[LogProblem]) -> str:
    kind = DESCRIPTIONS[log_format]
    if log_format == "create-env" and not wanted.isdigit():
        message = f"{path} is a {kind}, which has no request ids: give --request-id N for its Nth call"
    else:
        message = f"no call {wanted} in {path} ({kind})"
    return message + "".join(f"; line {problem.line}: {problem.message}" for problem in related[:3])
