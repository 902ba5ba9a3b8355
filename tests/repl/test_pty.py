"""The REPL in a real pseudo-terminal (pexpect) against the reference CPI run as a subprocess.

Output is matched through the terminal's escape sequences: `styled("created", "vm")` allows style codes and
blanks between the words. Every wait is generous (30 s) except the one that measures Ctrl-C.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pexpect

from tests.conftest import cpictl_bin
from tests.repl.conftest import STEMCELL_IMAGE

PROMPT = "cpictl>"
GAP = r"(?:\x1b\[[0-9;?]*[A-Za-z]|\s)*"  # style codes and blanks between words
CID = r"([a-z]+-[0-9a-f-]{8,})"


def styled(*words: str) -> str:
    return GAP.join(re.escape(word) for word in words)


def repl_argv() -> list[str]:
    return [cpictl_bin(), "repl"]


def spawn(tmp_path: Path, **extra_env: str) -> pexpect.spawn:
    env = {**os.environ, "NO_COLOR": "1", "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1", "PAGER": "cat",
           **extra_env}
    argv = repl_argv()
    child = pexpect.spawn(argv[0], argv[1:], env=env, cwd=str(tmp_path), dimensions=(40, 160),
                          encoding="utf-8", timeout=30)
    child.expect(PROMPT)
    return child


def call(child: pexpect.spawn, line: str, *expected: str) -> str:
    """Send a line, wait for `expected` (a pattern; its first group is returned) and the next prompt."""
    child.sendline(line)
    child.expect(GAP.join(expected))
    found = child.match.group(1) if child.match.groups() else ""
    child.expect(PROMPT)
    return found


def leave(child: pexpect.spawn) -> None:
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def replay(recipe: Path) -> None:
    """`cpictl run` replays a saved session green."""
    finished = subprocess.run([cpictl_bin(), "run", str(recipe)], capture_output=True, text=True, timeout=60)
    assert finished.returncode == 0, finished.stdout + finished.stderr


def test_a_session_completes_ids_prompts_for_parameters_and_saves_a_replayable_recipe(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    call(child, f"create_stemcell {STEMCELL_IMAGE} {{}}", styled("created", "stemcell"), CID)
    child.sendline("create_vm agent-1 ${stemcell} {} {default:")  # an open bracket continues the line
    child.expect(r"\.\.\.")
    vm = call(child, "  {type: dynamic}}", styled("created", "vm"), CID)

    child.send("delete_vm ")
    child.send("\t")
    child.expect(re.escape(vm))  # Tab completed the only live VM
    call(child, "", styled("deleted", "vm"), re.escape(vm))

    child.sendline("create_disk")  # alone: asks for each parameter; Enter keeps an optional one's default
    for question, answer in (("size>", "1024"), ("cloud_properties>", ""), ("vm_cid>", "")):
        child.expect(question)
        child.sendline(answer)
    child.expect(styled("created", "disk") + GAP + CID)
    disk = child.match.group(1)
    child.expect(PROMPT)

    recipe = tmp_path / "session.yml"
    call(child, f":save {recipe}", styled("saved", "4", "step(s)"))
    child.sendline(":quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert vm not in recipe.read_text()
    replay(recipe)

    child = spawn(tmp_path)  # cloud IDs survive leaving and coming back
    child.send("delete_disk ")
    child.send("\t")
    child.expect(re.escape(disk))
    child.sendcontrol("u")
    leave(child)


def test_tab_typed_with_the_blank_completes_the_vm(tmp_path: Path) -> None:
    # "delete_vm " and Tab reaching the REPL at once (typed ahead, pasted, fast): Tab must still complete.
    child = spawn(tmp_path)
    call(child, f"create_stemcell {STEMCELL_IMAGE} {{}}", styled("created", "stemcell"), CID)
    vm = call(child, "create_vm agent-1 ${stemcell} {} {default: {type: dynamic}}", styled("created", "vm"), CID)
    child.send("delete_vm \t")
    child.expect(re.escape(vm))
    time.sleep(0.5)  # Enter comes later, as a person's would
    call(child, "", styled("deleted", "vm"), re.escape(vm))
    leave(child)


def test_create_stemcell_tab_completes_the_image_path(tmp_path: Path) -> None:
    (tmp_path / "image.tgz").write_bytes(STEMCELL_IMAGE.read_bytes())
    child = spawn(tmp_path)
    child.send("create_stemcell ./im")
    child.expect(re.escape("image.tgz"))  # the completion menu is up: Tab now picks from it, whatever the timing
    child.send("\t")
    child.expect(re.escape("age.tgz"))  # Tab inserted the rest of the name before Enter is sent
    stemcell = call(child, "", styled("created", "stemcell"), CID)  # sent as ./image.tgz, completed by Tab
    call(child, f"delete_stemcell {stemcell}", styled("deleted", "stemcell"))
    leave(child)


def test_ctrl_c_during_a_hanging_call_returns_to_the_prompt(tmp_path: Path) -> None:
    child = spawn(tmp_path, CPICTL_REFCPI_FAULTS="has_vm=hang")
    child.sendline("has_vm vm-1")
    child.expect("Ctrl-C stops it")  # the spinner is up …
    child.expect("injecting fault 'hang'")  # … and the CPI runs: its live stderr says it is about to hang
    child.sendintr()
    # The hang lasts far longer than this wait (and than the child's default 60 s): only Ctrl-C can end it here.
    child.expect(re.escape("interrupted; the CPI's process group was killed"), timeout=30)
    child.expect(PROMPT, timeout=30)
    call(child, "info", styled("✔", "ok"))  # the REPL lives on
    leave(child)


def test_errors_are_one_line_in_the_terminal_too(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    for line, message in ((":sav x", "did you mean ':save'"),
                          ("create_disk size=big", "parameter 'size': expected integer")):
        child.sendline(line)
        child.expect(styled("error:") + GAP + ".*" + re.escape(message))
        child.expect(PROMPT)
        assert "Traceback" not in (child.before or "")
    leave(child)


def test_a_broken_line_never_traps_the_prompt_in_continuation(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    call(child, "create_disk 1 {a: [1, 2}", styled("error:"), ".*", re.escape("mismatched '}' at column 24"))
    call(child, 'has_vm "vm-1', styled("error:"), ".*", re.escape('unterminated " quote'))
    child.sendline("create_disk 1 {a: [1,")  # a real continuation: the prompt says how to get out
    child.expect(re.escape("... (Ctrl-C cancels)"))
    call(child, ":ids", re.escape("abandoned the unfinished input"), ".*", re.escape("running :ids"))
    call(child, "info", styled("✔", "ok"))  # and the next line is a line of its own again
    leave(child)
