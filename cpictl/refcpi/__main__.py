"""The `cpictl-refcpi` executable (also `python -m cpictl.refcpi`): one request on stdin, one response on stdout.

Logs go to stderr; the exit status is 0 whenever a response was written, also for malformed requests. This module
owns the process: it reads stdin, writes stdout and acts out the faults that are about the process itself (hang,
crash, garbage). Start-up time is a measured goal, so the imports here and in `service` stay minimal.
"""

from __future__ import annotations

import os
import sys

from cpictl.refcpi.failures import cpi_error
from cpictl.refcpi.service import Reply, handle_request

USAGE = """usage: cpictl-refcpi [--state-dir DIR] < request.json

The cpictl reference CPI: reads one CPI request (JSON) on stdin and writes one response on stdout.
State lives in --state-dir, else $CPICTL_REFCPI_DIR, else $XDG_STATE_HOME/cpictl/refcpi.
Environment: CPICTL_REFCPI_API_VERSION (1-3, default 2), CPICTL_REFCPI_SEED, CPICTL_REFCPI_FAULTS,
CPICTL_REFCPI_REGISTRY_URL, CPICTL_REFCPI_MBUS, CPICTL_REFCPI_NTP, CPICTL_REFCPI_BLOBSTORE.
"""


def parse_argv(argv: list[str]) -> tuple[str | None, str | None, bool]:
    """(state_dir, problem, wants_help). Positional arguments are ignored: BOSH `bin/cpi` wrappers pass the
    path of a config file, which this CPI does not need."""
    state_dir: str | None = None
    position = 0
    while position < len(argv):
        arg = argv[position]
        if arg in ("-h", "--help"):
            return state_dir, None, True
        if arg == "--state-dir":
            if position + 1 >= len(argv) or not argv[position + 1]:
                return state_dir, "--state-dir needs a directory", False
            state_dir = argv[position + 1]
            position += 1
        elif arg.startswith("--state-dir="):
            state_dir = arg.partition("=")[2] or None
        elif arg.startswith("-"):
            return state_dir, f"unknown option {arg!r}; see --help", False
        position += 1
    return state_dir, None, False


def act_out(reply: Reply) -> None:
    """Write the reply, or misbehave as the injected fault asks."""
    sys.stderr.flush()
    if reply.fault == "crash":
        import signal

        os.kill(os.getpid(), signal.SIGKILL)  # no response, no exit handlers: as if the OOM killer struck
    out = reply.stdout_bytes()
    if out:
        sys.stdout.buffer.write(out)
        sys.stdout.buffer.flush()
    if reply.fault == "hang":
        import time

        while True:  # hang forever, holding stdout and stderr open like a stuck CPI
            time.sleep(3600)


def main(argv: list[str] | None = None) -> int:
    state_dir, problem, wants_help = parse_argv(sys.argv[1:] if argv is None else list(argv))
    if wants_help:
        sys.stdout.write(USAGE)
        return 0
    raw = sys.stdin.buffer.read()
    if problem is not None:
        sys.stderr.write(f"cpictl-refcpi: {problem}\n")
        reply = Reply({"result": None, "error": cpi_error(f"cpictl-refcpi: {problem}").as_error(), "log": problem})
    else:
        reply = handle_request(raw, os.environ, state_dir)
    act_out(reply)
    return reply.exit_code


if __name__ == "__main__":
    sys.exit(main())
