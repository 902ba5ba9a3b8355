"""Answer one request: validate, apply injected faults, dispatch by catalogue, build the response.

`handle_request(raw, env, state_dir)` is the whole CPI without the process around it, so tests and an in-process
transport can drive it directly. It never raises: every failure becomes an error response, like the Ruby and Go
libraries (an unexpected exception is an `Unknown` error with the traceback in `log`, as the Ruby library does).
Faults that replace the response (hang, crash, garbage) come back as `Reply.fault` for the process entry point to
act out; delays happen here, and so do the faults that change a normal answer (noise before it, an empty ID, a
numeric lun, another info version).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping
from typing import Any, NamedTuple, TextIO

from cpictl.refcpi import config, faults
from cpictl.refcpi.call import Call
from cpictl.refcpi.envelope import Envelope, bind, check_api_version, parse_envelope
from cpictl.refcpi.failures import CpiFailure, cloud_error
from cpictl.refcpi.handlers import HANDLERS
from cpictl.refcpi.state import StateStore


class Reply(NamedTuple):
    """What the CPI process does: print `response` and exit `exit_code`, or act out a process-level `fault`."""

    response: dict[str, Any] | None
    exit_code: int = 0  # always 0, like both CPI libraries, also for malformed requests
    fault: str | None = None  # "hang", "crash" or "garbage"
    noise: tuple[str, ...] = ()  # lines written on stdout before the response (the `noise` fault)

    def stdout_bytes(self) -> bytes:
        """The bytes to write on stdout: one line of JSON (after noise lines, if any), or junk for the garbage
        fault, or nothing."""
        if self.fault == "garbage":
            return faults.GARBAGE
        if self.response is None:
            return b""
        noise = "".join(line + "\n" for line in self.noise).encode("utf-8")
        return noise + encode_response(self.response)


def encode_response(response: dict[str, Any]) -> bytes:
    try:
        return (json.dumps(response, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from \ud800-style escapes in the request
        return (json.dumps(response) + "\n").encode("ascii")


class CallLog:
    """Ruby-library-style log lines, written to stderr as they happen and kept for the response's `log`."""

    def __init__(self, stream: TextIO | None, request_id: str = "") -> None:
        self._stream = stream
        self.request_id = request_id
        self.lines: list[str] = []

    def write(self, message: str, level: str = "INFO") -> None:
        tag = f" [req_id {self.request_id}]" if self.request_id else ""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        line = f"{level[0]}, [{stamp} #{os.getpid()}] {level:>5} -- refcpi{tag}: {message}"
        self.lines.append(message)
        if self._stream is not None:
            self._stream.write(line + "\n")
            self._stream.flush()

    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)


def handle_request(raw: bytes, env: Mapping[str, str] | None = None, state_dir: str | None = None,
                   stderr: TextIO | None = None) -> Reply:
    """Answer one raw request. `env` defaults to os.environ, `state_dir` to the configured one, `stderr` to
    sys.stderr (pass `io.StringIO()` to capture it)."""
    env = os.environ if env is None else env
    log = CallLog(sys.stderr if stderr is None else stderr)
    started = time.monotonic()
    method = "request"
    try:
        envelope = parse_envelope(raw)
        method = envelope.spec.name
        log.request_id = envelope.request_id
        log.write(f"Starting {method}...")
        reply = _serve(envelope, env, StateStore(config.state_dir(env, state_dir)), log)
    except OSError as exc:  # the state directory is unwritable, the disk is full…: the CPI's own trouble
        return _failed(log, CpiFailure("CpiError", f"reference CPI state I/O failed: {exc}"))
    except CpiFailure as failure:
        return _failed(log, failure)
    except Exception as exc:  # a bug in the reference CPI must still produce a response
        import traceback

        log.write(f"backtrace: {traceback.format_exc()}", "ERROR")
        return _failed(log, CpiFailure("Unknown", f"{type(exc).__name__}: {exc}"))
    if reply.response is not None:
        log.write(f"Finished {method} in {time.monotonic() - started:.3f} seconds")
        reply.response["log"] = log.text()
    return reply


def _failed(log: CallLog, failure: CpiFailure) -> Reply:
    log.write(f"Rescued {failure.type}: {failure.message}", "ERROR")
    return Reply({"result": None, "error": failure.as_error(), "log": log.text()})


def _serve(envelope: Envelope, env: Mapping[str, str], store: StateStore, log: CallLog) -> Reply:
    api_version = check_api_version(envelope, lambda: config.cpi_api_version(env))
    spec = envelope.spec
    arguments = bind(spec, envelope.arguments, api_version)
    fault = faults.call_fault(spec, arguments, api_version, env.get(config.ENV_FAULTS, ""))
    if fault is not None:
        faults.check_fits(fault, spec, api_version)
        log.write(f"injecting fault {fault.spec!r}", "WARN")
        if fault.kind in faults.PROCESS_FAULTS:
            return Reply(None, 0, fault.kind)
        _apply_fault(fault, spec.name, store)
    call = Call(spec.name, arguments, api_version, envelope.context, env, store, log=log.write)
    entry = HANDLERS[spec.name]
    handler = entry.handler(spec.name)
    if entry.uses_state:
        with store.transaction() as state:
            call.state = state
            result = handler(call)
    else:
        result = handler(call)
    if fault is not None and fault.kind in faults.ANSWER_FAULTS:
        result = faults.answer_with_fault(fault, spec, result, api_version)
    noise = tuple(faults.noise_lines(fault, spec.name)) if fault is not None and fault.kind == "noise" else ()
    return Reply({"result": result, "error": None, "log": ""}, noise=noise)


def _apply_fault(fault: faults.Fault, method: str, store: StateStore) -> None:
    """Faults that let the call go on (delay) or fail it with an error response."""
    if fault.kind == "delay":
        time.sleep(fault.seconds)  # outside the state lock: a slow call must not block the others
    elif fault.kind in ("error", "short-error"):
        raise faults.injected_error(fault, method)
    elif fault.kind == "fail-first":
        with store.locked():
            count = store.bump_counter(method)
        if count <= fault.count:
            raise cloud_error(f"injected fault {fault.spec!r} in {method}: call {count} of the first "
                              f"{fault.count} fails")
