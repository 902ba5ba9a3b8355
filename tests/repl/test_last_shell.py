"""`:last --shell`: the last call as the one-liner `cpictl trace export N --shell` prints, secrets as $VARIABLES.
The line is run in a real shell to show it sends the very request the REPL sent."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from cpictl.repl import handle_line, make_context
from cpictl.session import Target
from cpictl.store import CloudIdStore
from tests.conftest import cpictl_bin
from tests.repl.conftest import Repl, ScriptedTerminal


def test_the_shell_line_sends_the_same_request_with_the_secret_from_its_variable(tmp_path: Path,
                                                                                echo_cpi: Path) -> None:
    term = ScriptedTerminal()
    ctx = make_context(Target(argv=[str(echo_cpi)], director_uuid="d-shell"), CloudIdStore(tmp_path / "s.jsonl"),
                       terminal=term)
    handle_line(ctx, "create_disk 1024 {type: gp3, password: hunter2}")
    sent = ctx.state.last.outcome.request.as_dict()
    term.take_output()
    handle_line(ctx, ":last --shell")
    output = term.take_output()
    assert "hunter2" not in output  # masked, as everywhere in the REPL
    line = next(text for text in output.splitlines() if "printf '%s'" in text)
    assert "set these first" in output and "CLOUD_PROPERTIES_PASSWORD (arguments[1].password)" in output
    ran = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "CLOUD_PROPERTIES_PASSWORD": "hunter2"})
    received = json.loads(ran.stdout)["result"]["request"]
    assert received["arguments"] == [1024, {"type": "gp3", "password": "hunter2"}, None]
    assert received["context"] == sent["context"] and received["method"] == "create_disk"
    unset = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=60,
                           env={k: v for k, v in os.environ.items() if k != "CLOUD_PROPERTIES_PASSWORD"})
    assert unset.returncode != 0 and unset.stdout == ""  # the CPI never ran without the secret


def test_it_is_the_line_trace_export_prints_for_the_call(repl: Repl) -> None:
    repl.run("create_disk 2048 {}")
    number = repl.ctx.state.last.outcome.trace_number
    shown = repl.run(":last --shell").strip()
    exported = subprocess.run([cpictl_bin(), "trace", "export", str(number), "--shell", "--state",
                               str(repl.ctx.state.store.path)], capture_output=True, text=True, timeout=60)
    assert exported.returncode == 0, exported.stderr
    assert shown == exported.stdout.strip()


def test_usage_and_no_call_yet(repl: Repl) -> None:
    assert "no call yet" in repl.run(":last --shell")
    repl.run("info")
    assert "usage: :last [--shell]" in repl.run(":last --bash")
