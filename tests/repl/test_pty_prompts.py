"""A parameter's question in a real pseudo-terminal: an open bracket continues the answer on the next line, a
rejected answer comes back in the input line for editing, and create_vm's agent_id is a fresh UUID on Enter.

Waits are generous (30 s); nothing here measures time.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path

from tests.repl.conftest import STEMCELL_IMAGE
from tests.repl.test_pty import CID, GAP, PROMPT, call, leave, spawn, styled

BACKSPACE = "\x7f"


def sent_arguments() -> list[list]:
    """The arguments of every call the session traced, oldest first."""
    trace = Path(os.environ["XDG_STATE_HOME"]) / "cpictl" / "sessions" / "default.jsonl.trace.jsonl"
    return [json.loads(line)["request"]["arguments"] for line in trace.read_text().splitlines() if line.strip()]


def test_an_open_bracket_continues_an_answer_and_a_rejected_one_comes_back_to_edit(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    child.sendline("create_disk")
    child.expect(re.escape("size>"))
    child.sendline("12x")  # not an integer
    child.expect(styled("parameter 'size': expected integer"))
    child.expect(re.escape("size> ") + GAP + re.escape("12x"))  # asked again, the answer in the line
    child.send(BACKSPACE)
    child.sendline("")  # Enter on the edited text "12": no new value was read in between
    child.expect(re.escape("cloud_properties>"))
    child.sendline("{type: fast,")  # open: Enter starts another line of the same answer
    child.expect(re.escape("... (Ctrl-C cancels)"))
    child.sendline("  tags: [a, b]}")
    child.expect(re.escape("vm_cid>"))
    child.sendline("")
    child.expect(styled("created", "disk") + GAP + CID)
    child.expect(PROMPT)
    assert sent_arguments()[-1] == [12, {"type": "fast", "tags": ["a", "b"]}, None]
    leave(child)


def test_a_broken_multi_line_answer_is_handed_back_whole(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    child.sendline("create_disk")
    child.expect(re.escape("size>"))
    child.sendline("64")
    child.expect(re.escape("cloud_properties>"))
    child.sendline("{a: [1,")
    child.expect(re.escape("... (Ctrl-C cancels)"))
    child.sendline(" 2}")  # closes the wrong bracket: no later line could repair it, so Enter answers
    child.expect(styled("parameter 'cloud_properties': not valid YAML (line 2, column 3)"))
    child.expect(re.escape("cloud_properties> ") + GAP + re.escape("{a: [1,"))  # both lines back, to edit
    child.send(BACKSPACE)
    child.sendline("]}")  # `{a: [1,\n 2]}`
    child.expect(re.escape("vm_cid>"))
    child.sendline("")
    child.expect(styled("created", "disk"))
    child.expect(PROMPT)
    assert sent_arguments()[-1] == [64, {"a": [1, 2]}, None]
    leave(child)


def test_create_vm_offers_a_fresh_agent_id_on_enter(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    call(child, f"create_stemcell {STEMCELL_IMAGE} {{}}", styled("created", "stemcell"), CID)
    child.sendline("create_vm")
    child.expect(r"agent_id \[([0-9a-f-]{36})\]>")
    offered = child.match.group(1)
    child.sendline("")
    for question, answer in (("stemcell_cid>", "${stemcell}"), ("cloud_properties>", ""),
                             ("networks>", "{default: {type: dynamic}}"), ("disk_cids>", ""),
                             ("environment>", "")):
        child.expect(re.escape(question))
        child.sendline(answer)
    child.expect(styled("created", "vm"))
    child.expect(PROMPT)
    assert sent_arguments()[-1][0] == offered and uuid.UUID(offered).version == 4
    leave(child)
