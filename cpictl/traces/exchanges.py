"""Trace entries for exchanges cpictl did not make itself: a call found in a BOSH debug log, or one a recorder saw
pass between a director (or create-env) and its CPI.

They are judged exactly as cpictl judges its own calls — the same decoding, contract check and verdicts
(`CallSession._outcome`), from the bytes that went in and came out — and masked the same way, so `trace list`,
`trace show` and `trace replay` read every entry alike whatever its source. Values the caller had already replaced
with `"<redacted>"` before logging stay as they are: `redacted` lists where they sit, for a replay to ask for them.

Its imports are at the top, not in the functions: this module is itself imported only where an exchange is about
to be judged (an import judges thousands, and an import statement per call costs about half a microsecond).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from cpictl.protocol.codec import RawRequest
from cpictl.protocol.redaction import MASK
from cpictl.session import CallSession, outcome_as_dict
from cpictl.targets.target import Target
from cpictl.traces.entries import call_entry
from cpictl.transport import RunResult

_MASK_BYTES = MASK.encode()


def entry_from_exchange(request: bytes | dict[str, Any], stdout: bytes, stderr: bytes, *, exit_code: int | None,
                        signal: int | None = None, duration_s: float | None = None, caller: str = "director",
                        argv: list[str] | None = None, source: str = "recorder",
                        origin: dict[str, Any] | None = None, timed_out: bool = False,
                        time: str | None = None, redacted: list[str] | None = None) -> dict[str, Any]:
    """The trace entry of one exchange, judged and masked as cpictl's own calls are.

    `request`: the bytes the CPI read (or the request document, as a log shows it); `source`: cpictl, recorder,
    director-log or create-env-log; `origin`: where it was found
    (`{"file": …, "line": …, "request_id": …}` for a log); `time`: when it happened, if not now (a log's);
    `redacted`: where the caller's masks are, when the caller of this function knows already (a log reader whose
    request text holds no `<` knows there are none), else found here."""
    document = _document(request)
    parsed = _request(document)
    target = _target(tuple(argv or ["<unknown CPI>"]), str(parsed.context.get("director_uuid", "")), caller)
    run = RunResult(stdout=stdout, stdout_truncated=False, stderr_tail=stderr[-1024 * 1024:],
                    stderr_bytes=len(stderr), exit_code=exit_code, signal=signal, duration_s=duration_s or 0.0,
                    timed_out=timed_out, lingering_pipes=False, pid=0, stdout_bytes=len(stdout))
    # the entry never reads the outcome's stdin: a logged request (a document) is not encoded just to fill it
    outcome = CallSession._outcome(parsed, request if isinstance(request, bytes) else b"", run, target)
    entry = call_entry(outcome_as_dict(outcome), target, source=source, time=time)
    if duration_s is None:
        entry["duration_s"] = None
    entry["origin"] = origin
    entry["redacted"] = _redacted(request, document) if redacted is None else redacted
    return entry


@lru_cache(maxsize=64)
def _target(argv: tuple[str, ...], director_uuid: str, caller: str) -> Any:
    """The Target an exchange is judged against: one per CPI, director and caller, not one per call (a Target is
    frozen, and building one costs as much as masking a small request)."""
    return Target(argv=list(argv), director_uuid=director_uuid, caller=caller)


def _redacted(request: bytes | dict[str, Any], document: dict[str, Any]) -> list[str]:
    """`redacted_paths`, without walking a recorded request that holds no mask (most hold none; Go's encoder
    writes `<` as \\u003c). A logged request is a document already: walking it costs less than encoding it."""
    if isinstance(request, bytes) and _MASK_BYTES not in request and b"\\u003c" not in request:
        return []
    return redacted_paths(document)


def _document(request: bytes | dict[str, Any]) -> dict[str, Any]:
    if isinstance(request, dict):
        return request
    try:
        document = json.loads(request)
    except (ValueError, RecursionError):
        return {}
    return document if isinstance(document, dict) else {}


def _request(document: dict[str, Any]) -> Any:
    api_version = document.get("api_version")
    arguments, context = document.get("arguments"), document.get("context")
    return RawRequest(str(document.get("method") or "?"), arguments if isinstance(arguments, list) else [],
                      context if isinstance(context, dict) else {},
                      api_version if isinstance(api_version, int) and not isinstance(api_version, bool) else None,
                      document=document)


def redacted_paths(document: Any, path: str = "") -> list[str]:
    """Where the caller itself wrote `"<redacted>"` (`arguments[2].password`, `context.secret_access_key`)."""
    found: list[str] = []
    if isinstance(document, (dict, list)):
        _find_masks(document, path, found)
    elif document == MASK:
        found.append(path)
    return found


def _find_masks(node: dict[Any, Any] | list[Any], path: str, found: list[str]) -> None:
    """`redacted_paths` of a container, in document order. A path is spelt only for a mask or a container: every
    imported request is walked, and most of its values are neither."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        if isinstance(value, (dict, list)) or value == MASK:
            at = (f"{path}.{key}" if path else str(key)) if isinstance(node, dict) else f"{path}[{key}]"
            if isinstance(value, (dict, list)):
                _find_masks(value, at, found)
            else:
                found.append(at)
