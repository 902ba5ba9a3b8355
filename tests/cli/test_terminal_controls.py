"""A CPI cannot steer the operator's terminal through `cpictl call -o table`: escape sequences in its result, log
and stderr are shown as visible text, its colour codes are dropped, CRLF reads as LF — in-process and in a real
process, piped or on a (forced) colour terminal — while `-o json` keeps every original character."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from cpictl.cli.main import main
from tests.conftest import cpictl_bin, write_cpi

NOTE = "clear\u001b[2Jscreen"
LOG = "line one\r\nclip \u001b]52;c;aGk=\u0007 done\r\n"
STDERR = "\x1b]0;pwned\x07 warning: \x1b[31mDANGER\x1b[0m here\n"


@pytest.fixture
def hostile_cpi(tmp_path: Path) -> Path:
    return write_cpi(tmp_path / "hostile_cpi.py", f"""
import json, sys
sys.stdin.read()
sys.stderr.write({STDERR!r})
sys.stderr.flush()
json.dump({{"result": {{"api_version": 2, "stemcell_formats": ["raw"], "note": {NOTE!r}}},
           "error": None, "log": {LOG!r}}}, sys.stdout)
""")


def call(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["call", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_nothing_obeyed(out: str) -> None:
    assert "\x1b]" not in out
    assert "\x1b[2J" not in out
    assert "\x07" not in out
    assert "\x1b[31m" not in out
    assert "\r" not in out


def assert_everything_shown(out: str) -> None:
    assert "clear\\x1b[2Jscreen" in out  # the result value
    assert "clip \\x1b]52;c;aGk=\\x07 done" in out  # the log
    assert "\\x1b]0;pwned\\x07" in out  # stderr
    assert "warning: DANGER here" in out  # the coloured word, its colour codes dropped …
    assert "\\x1b[31m" not in out  # … not shown as escapes either
    first_log_line = next(line for line in out.splitlines() if "line one" in line)
    assert "clip" not in first_log_line  # CRLF read as a line break …
    assert "\\x0d" not in out  # … not as a lone CR


def test_in_process_table_shows_escapes_instead_of_obeying_them(capsys, hostile_cpi):
    code, out, err = call(capsys, "info", "--cpi", str(hostile_cpi), "-o", "table")
    assert code == 0, err
    assert "\x1b" not in out  # a pipe: not even cpictl's own styles
    assert_nothing_obeyed(out)
    assert_everything_shown(out)
    assert "\x1b]" not in err


def test_in_process_json_keeps_the_original_characters(capsys, hostile_cpi):
    code, out, err = call(capsys, "info", "--cpi", str(hostile_cpi), "-o", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["response"]["log"] == LOG
    assert doc["response"]["result"]["note"] == NOTE
    assert doc["stderr"] == STDERR


@pytest.mark.parametrize("terminal", ["pipe", "forced colour"])
def test_real_process_table_shows_escapes_instead_of_obeying_them(run_env, hostile_cpi, terminal):
    env = dict(run_env)
    if terminal == "forced colour":
        env.pop("NO_COLOR", None)
        env["FORCE_COLOR"] = "1"
    proc = subprocess.run([cpictl_bin(), "call", "info", "--cpi", str(hostile_cpi), "-o", "table"],
                          capture_output=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    if terminal == "forced colour":
        assert "\x1b[" in out  # cpictl's own styles: this really took the terminal path
    else:
        assert "\x1b" not in out
    assert_nothing_obeyed(out)
    assert_everything_shown(out if terminal == "pipe" else strip_styles(out))
    assert b"\x1b]" not in proc.stderr


def strip_styles(out: str) -> str:
    """cpictl's own SGR codes removed (the CPI's were checked absent before)."""
    return re.sub(r"\x1b\[[0-9;]*m", "", out)


def test_real_process_json_keeps_the_original_characters(run_env, hostile_cpi):
    proc = subprocess.run([cpictl_bin(), "call", "info", "--cpi", str(hostile_cpi), "-o", "json"],
                          capture_output=True, env=run_env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["response"]["log"] == LOG
    assert doc["response"]["result"]["note"] == NOTE
    assert doc["stderr"] == STDERR


def test_an_error_message_quoting_a_control_shows_it_on_a_pipe_too(tmp_path):
    """Error lines quote what users and CPIs wrote (here a path); a log of stderr must not carry raw escapes."""
    import subprocess

    from tests.conftest import cpictl_bin

    missing = str(tmp_path / "cpi\x1b]0;pwned\x07")
    done = subprocess.run([cpictl_bin(), "call", "info", "--cpi", missing], capture_output=True, timeout=60)
    assert done.returncode in (2, 3)
    assert b"\x1b" not in done.stderr and b"\x07" not in done.stderr
    assert b"\\x1b]0;pwned\\x07" in done.stderr
