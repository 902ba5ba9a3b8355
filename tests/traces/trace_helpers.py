"""Helpers for the trace command tests: run cpictl in-process, read the session's trace, and a CPI that keeps the
exact bytes it read (the one thing that can tell a replay or an exported one-liner sent what the original sent)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cpictl.cli.main import main
from tests.conftest import write_cpi


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def trace_entries(home: Path, session: str = "default") -> list[dict[str, Any]]:
    path = home / "state" / "cpictl" / "sessions" / f"{session}.jsonl.trace.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def last_number(home: Path) -> int:
    return int(trace_entries(home)[-1]["n"])


def capture_cpi(tmp_path: Path) -> Path:
    """A CPI that appends each request's exact bytes, as one JSON string per line, to the file named by its first
    argument, and answers create_disk-like: a new disk ID (any method, `info` included: api_version 2)."""
    return write_cpi(tmp_path / "capture_cpi.py", """
import json, sys
raw = sys.stdin.buffer.read()
with open(sys.argv[1], "a") as kept:
    kept.write(json.dumps(raw.decode("latin-1")) + "\\n")
request = json.loads(raw)
result = {"api_version": 2, "stemcell_formats": ["raw"]} if request["method"] == "info" else "disk-%d" % len(raw)
json.dump({"result": result, "error": None, "log": ""}, sys.stdout)
""")


def captured(path: Path) -> list[bytes]:
    """Every request the capture CPI read, in order, as the bytes it read."""
    if not path.exists():
        return []
    return [json.loads(line).encode("latin-1") for line in path.read_text().splitlines()]
