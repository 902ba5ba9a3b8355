"""In a real pseudo-terminal: leaving names the session's live cloud IDs, coming back counts them, Ctrl-C after the
CPI answered says what its answer kept, and a long line the terminal wraps is not dressed up as a continuation.

Waits are generous (30 s); nothing here measures time.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pexpect

from tests.conftest import write_cpi
from tests.repl.test_pty import CID, GAP, PROMPT, call, spawn, styled

ANSWERS_THEN_HANGS = """
import json, sys, time
request = json.load(sys.stdin)
json.dump({"result": ["vm-leaked-1", {}], "error": None, "log": ""}, sys.stdout)
sys.stdout.flush()
open(sys.argv[1], "w").write("answered")
time.sleep(60)
"""


def words(text: str) -> str:
    """A phrase however the terminal spaced or styled it."""
    return styled(*text.split())


def leave_with_eof(child: pexpect.spawn) -> str:
    """Ctrl-D; what was printed on the way out. The exit code of an interactive REPL is 0, whatever happened."""
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    return child.before or ""


def test_leaving_says_what_was_left_live_and_a_restart_says_what_the_session_holds(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    call(child, "create_disk size=big", styled("error:"))  # a failure does not change the exit code
    image = Path(__file__).resolve().parents[2] / "recipes" / "assets" / "image.tgz"
    stemcell = call(child, f"create_stemcell {image} {{}}", styled("created", "stemcell"), CID)
    child.sendeof()
    child.expect(words("left live in session default —") + GAP + re.escape("`cpictl cleanup --session default`"))
    child.expect(styled("stemcell", stemcell))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    child = spawn(tmp_path)  # the banner came before the prompt
    assert re.search(words("live in session default: 1 stemcell — :ids lists them, :cleanup deletes them"),
                     child.before or "")
    left = leave_with_eof(child)  # this REPL created nothing, but the session still holds the stemcell
    assert re.search(words("left live in session default —"), left) and stemcell in left


def test_ctrl_c_after_the_cpi_answered_says_which_ids_were_kept(tmp_path: Path) -> None:
    answered = tmp_path / "answered"
    cpi = write_cpi(tmp_path / "answers_then_hangs.py", ANSWERS_THEN_HANGS)
    child = spawn(tmp_path)
    call(child, f":cpi {cpi} {answered}", re.escape("target:"))
    call(child, ":set api_version 2", re.escape("api_version = 2"))  # a toy CPI: no info to negotiate with
    child.sendline("create_vm agent-1 sc-1 {} {default: {type: dynamic}}")
    deadline = time.monotonic() + 30
    while not answered.exists() and time.monotonic() < deadline:  # the CPI has answered and now hangs
        time.sleep(0.05)
    assert answered.exists()
    child.sendintr()
    child.expect(words("interrupted after the CPI had answered"))
    child.expect(words("+ created vm vm-leaked-1 (kept in the journal)"))
    child.expect(PROMPT)
    child.sendline(":ids")
    child.expect(re.escape("vm-leaked-1"))
    child.expect(PROMPT)
    child.sendeof()
    child.expect(words("left live in session default —"))
    child.expect(styled("vm", "vm-leaked-1"))
    child.expect(pexpect.EOF)


def test_a_long_line_the_terminal_wraps_gets_no_continuation_prefix(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    child.setwinsize(40, 60)
    time.sleep(0.5)  # let the REPL see the new width before typing
    child.send("has_vm " + "a" * 60 + "ZZ")  # wraps once: 8 + 69 characters on 60 columns
    child.expect("ZZ")
    assert "..." not in (child.before or "")
    child.sendcontrol("u")  # clears the line, in the same prompt (Ctrl-C would start a new one)
    leave_with_eof(child)
