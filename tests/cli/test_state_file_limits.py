"""`cpictl ids import-state FILE` and `--state JOURNAL` read only regular files within the input limits: a FIFO or
/dev/zero is refused at once (never a hang, never memory without end), a deep or broken state file is a usage error
(exit 2) naming the file and the line:column — never exit 70. The FIFO and device cases run cpictl as a real
process with a timeout, so a regression fails the test instead of hanging the suite."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from cpictl.input_limits import MAX_DEPTH, MAX_INPUT_BYTES
from tests.cli.test_ids_cleanup import run
from tests.conftest import cpictl_bin

TIMEOUT = 30.0


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


def cpictl(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    return subprocess.run([cpictl_bin(), *argv], capture_output=True, text=True, timeout=TIMEOUT, env=env)


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_import_state_refuses_what_is_not_a_regular_file(tmp_path, fifo, kind):
    path = {"fifo": str(fifo), "device": "/dev/zero", "directory": str(tmp_path)}[kind]
    proc = cpictl(tmp_path, "ids", "import-state", path, "--state", str(tmp_path / "j.jsonl"))
    assert proc.returncode == 2, proc.stderr
    assert f"cannot read create-env state file {path}: not a regular file" in proc.stderr
    assert {"fifo": "a FIFO", "device": "a device", "directory": "a directory"}[kind] in proc.stderr
    assert not (tmp_path / "j.jsonl").exists()


@pytest.mark.parametrize("command", [["ids"], ["ids", "forget", "vm-1"], ["cleanup", "--dry-run"]])
@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_journal_that_is_not_a_regular_file_is_refused_not_read_forever(tmp_path, fifo, kind, command):
    path = {"fifo": str(fifo), "device": "/dev/zero"}[kind]
    proc = cpictl(tmp_path, *command, "--state", path)
    assert proc.returncode == 2, proc.stderr
    assert f"journal {path}: not a regular file ({'a FIFO' if kind == 'fifo' else 'a device'})" in proc.stderr


def test_a_state_file_beyond_the_size_limit_is_refused_unread(capsys, tmp_path):
    path = tmp_path / "state.json"
    with path.open("wb") as sparse:
        sparse.truncate(MAX_INPUT_BYTES + 1)
    code, _, err = run(capsys, "ids", "import-state", str(path))
    assert code == 2
    assert f"cannot read create-env state file {path}: larger than 16 MiB" in err


@pytest.mark.parametrize(("text", "where", "what"), [
    ("[" * 100_000, "1:65", f"values nested more than {MAX_DEPTH} deep"),
    ('{"disks": [{"cloud_properties":\n' + "[" * 70 + "]" * 70 + "}]}", "2:62", "nested more than"),
    ('{\n  "director_id": "d",\n  "disks": [,]\n}', "3:13", "not JSON (Expecting value)"),
    ('{"director_id": "d"', "1:20", "not JSON (Expecting ',' delimiter)"),
])
def test_a_deep_or_broken_state_file_is_a_usage_error_with_its_position(capsys, tmp_path, text, where, what):
    path = tmp_path / "state.json"
    path.write_text(text)
    code, _, err = run(capsys, "ids", "import-state", str(path))
    assert code == 2, err
    assert f"{path}:{where}: " in err and what in err
    assert "internal error" not in err and "Traceback" not in err


def test_a_state_file_that_is_not_utf8_names_the_byte_and_its_place(capsys, tmp_path):
    path = tmp_path / "state.json"
    path.write_bytes(b'{\n  "director_id": "d-\xff"}')
    code, _, err = run(capsys, "ids", "import-state", str(path))
    assert code == 2
    assert "not UTF-8 (byte 0xff at line 2 column 21)" in err
