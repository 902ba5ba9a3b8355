"""Arguments get the recipe loader's limits: only regular files are read, nothing beyond 16 MiB, nesting and YAML
alias expansion capped — each a clear usage error (exit 2) naming the parameter or option, never exit 70, and
never a secret quoted back. One test runs a real cpictl with its address space capped to show that a "billion
laughs" argument costs bounded memory."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from cpictl.input_limits import MAX_DEPTH, MAX_INPUT_BYTES, MAX_NODES
from tests.cli.test_call import call
from tests.conftest import cpictl_bin

TIMEOUT = 120.0


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    """A YAML mapping whose last key expands to width**levels strings (9**9: 387 million), in under 1 KB."""
    lines = ["a: &a [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, levels):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * width) + "]")
    return "\n".join(lines) + "\n"


def fails_cleanly(capsys, *argv: str) -> str:
    code, out, err = call(capsys, *argv)
    assert code == 2, err
    assert "internal error" not in err and "Traceback" not in err
    return err


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("argv", [
    ["create_disk", "1", "@{path}"],
    ["create_disk", "--args-file", "{path}"],
    ["--raw", "{path}"],
])
@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_only_regular_files_are_read_and_a_fifo_never_blocks(capsys, tmp_path, fifo, argv, kind):
    path = {"fifo": str(fifo), "device": "/dev/zero", "directory": str(tmp_path)}[kind]
    # a FIFO nobody writes to would block an open() for reading forever: the test finishing is the proof
    err = fails_cleanly(capsys, *[word.format(path=path) for word in argv], "--dry-run")
    assert "not a regular file" in err and path in err
    assert {"fifo": "a FIFO", "device": "a device", "directory": "a directory"}[kind] in err


@pytest.mark.parametrize(("argv", "named"), [
    (["create_disk", "1", "@{path}"], "parameter 'cloud_properties'"),
    (["create_disk", "--args-file", "{path}"], "--args-file"),
    (["--raw", "{path}"], "--raw"),
])
def test_a_file_beyond_the_size_limit_is_refused_before_it_is_read(capsys, tmp_path, argv, named):
    path = tmp_path / "huge.yml"
    with path.open("wb") as sparse:  # sparse: no disk space used, and it must not be read to be refused
        sparse.truncate(MAX_INPUT_BYTES + 1)
    err = fails_cleanly(capsys, *[word.format(path=path) for word in argv], "--dry-run")
    assert named in err and "larger than 16 MiB" in err


def test_stdin_is_read_with_the_same_cap(tmp_path):
    with (tmp_path / "big").open("wb") as big:
        big.truncate(MAX_INPUT_BYTES + 4096)
    with (tmp_path / "big").open("rb") as stdin:
        proc = subprocess.run([cpictl_bin(), "call", "create_disk", "1", "@-", "--dry-run"], stdin=stdin,
                              capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 2, proc.stderr
    assert "stdin holds more than 16 MiB" in proc.stderr and "Traceback" not in proc.stderr


def test_stdin_within_the_cap_still_works(capsys, tmp_path, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"[2048, {}]\n")))
    code, out, err = call(capsys, "create_disk", "--args-file", "-", "--dry-run", "-o", "json")
    assert code == 0, err
    assert json.loads(json.loads(out)["stdin"])["arguments"][0] == 2048


DEEP_JSON = "[" * 5000 + "]" * 5000
DEEP_FLOW_YAML = "{a: " * 2000 + "x" + "}" * 2000
DEEP_BLOCK_YAML = "".join(f"{'  ' * level}k:\n" for level in range(200)) + "  " * 200 + "x: 1\n"


@pytest.mark.parametrize("value", [DEEP_JSON, DEEP_FLOW_YAML, "[" * 100_000])
def test_deeply_nested_words_are_refused_by_their_depth(capsys, value):
    err = fails_cleanly(capsys, "create_disk", "1", value, "--dry-run")
    assert "parameter 'cloud_properties'" in err
    assert f"nested more than {MAX_DEPTH} deep" in err and "too deeply" not in err


@pytest.mark.parametrize("text", [DEEP_JSON, DEEP_FLOW_YAML, DEEP_BLOCK_YAML])
@pytest.mark.parametrize("option", ["@", "--args-file"])
def test_deeply_nested_files_are_refused_by_their_depth(capsys, tmp_path, text, option):
    path = tmp_path / "deep.yml"
    indented = "".join(f"  {line}\n" for line in text.splitlines())
    path.write_text(text if option == "@" else f"size: 1\ncloud_properties:\n{indented}")
    argv = ["create_disk", "1", f"@{path}"] if option == "@" else ["create_disk", "--args-file", str(path)]
    err = fails_cleanly(capsys, *argv, "--dry-run")
    assert f"nested more than {MAX_DEPTH} deep" in err


def test_nesting_up_to_the_limit_is_fine(capsys):
    value = "{a: " * (MAX_DEPTH - 1) + "x" + "}" * (MAX_DEPTH - 1)
    code, out, err = call(capsys, "create_disk", "1", value, "--dry-run", "-o", "json")
    assert code == 0, err


def test_a_deep_raw_document_is_refused(capsys, tmp_path):
    path = tmp_path / "raw.json"
    path.write_text('{"method": "info", "arguments": [' + DEEP_JSON + '], "context": {}}')
    err = fails_cleanly(capsys, "--raw", str(path), "--dry-run")
    assert "--raw" in err and f"nested more than {MAX_DEPTH} deep" in err


@pytest.mark.parametrize("where", ["word", "file", "context"])
def test_a_billion_laughs_argument_is_refused_by_its_expansion(capsys, tmp_path, where):
    bomb = billion_laughs()
    (tmp_path / "bomb.yml").write_text(bomb)
    flow = "{" + bomb.strip().replace("\n", ", ") + "}"
    argv = {"word": ["create_disk", "1", flow], "file": ["create_disk", "1", f"@{tmp_path / 'bomb.yml'}"],
            "context": ["info", "--context", f"bomb={flow}"]}[where]
    err = fails_cleanly(capsys, *argv, "--dry-run")
    assert f"expands to more than {MAX_NODES} values" in err


def test_a_billion_laughs_argument_costs_bounded_memory_in_process():
    """What parsing the bomb allocates, measured: parsed the old way (safe_load, then json.dumps) it grew without
    bound; now it stops after MAX_NODES values."""
    from cpictl.wordargs import InputError, parse_value

    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="expands to more than"):
            parse_value("{" + billion_laughs().strip().replace("\n", ", ") + "}", None, "parameter 'x'")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS is what Linux enforces")
def test_a_billion_laughs_file_is_refused_by_a_real_cpictl_in_256_mib(tmp_path):
    """A real process with its address space capped at 256 MiB: enough for cpictl (it runs in far less), and
    far too little for 387 million strings, so growing memory would end in MemoryError (exit 70), not exit 2."""
    (tmp_path / "bomb.yml").write_text(billion_laughs())
    limit = 256 * 1024 * 1024

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    proc = subprocess.run([cpictl_bin(), "call", "create_disk", "1", f"@{tmp_path / 'bomb.yml'}", "--dry-run"],
                          preexec_fn=cap, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 2, proc.stderr
    assert "parameter 'cloud_properties'" in proc.stderr and "expands to more than" in proc.stderr
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr
    sane = subprocess.run([cpictl_bin(), "call", "create_disk", "1", "{a: b}", "--dry-run"], preexec_fn=cap,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert sane.returncode == 0, sane.stderr  # the cap leaves room for cpictl itself


@pytest.mark.parametrize("value", ["!!python/object:os.system x", "{a: 1, a: 2}", "[1, *nope]", "\x00",
                                   "{? [a]: 1}", "&a [*a]", "!!binary aGk=", "- a\n b: c"])
def test_malformed_yaml_words_are_usage_errors(capsys, value):
    fails_cleanly(capsys, "create_disk", "1", value, "--dry-run")


# -- secrets are never quoted back ------------------------------------------------------------------------------

SECRET = "hunter2-s3cr3t"


@pytest.mark.parametrize("argv", [
    ["info", "--context", f"secret_access_key=[{SECRET}"],
    ["info", "--context", f"secret_access_key=*{SECRET}"],
    ["info", "--context", f"password=!!binary {SECRET}"],
    ["info", "--context", f"={SECRET}"],
    ["info", "--env", f"MY-PASSWORD={SECRET}"],
    ["info", "--env", f"={SECRET}"],
    ["create_disk", "1", f"{{password: {SECRET}, when: 2024-01-01, x: [}}"],
    ["create_disk", "1", f"{{password: *{SECRET}}}"],
    ["create_disk", "1", "{password: 2024-01-01, token: .nan}"],
    ["create_disk", "size=1", f"{{api_key: {SECRET}}}"],
    ["create_disk", "size=1", f"cloud_propertie={{password: {SECRET}}}"],
    ["create_disk", "size=1", f"https://admin:{SECRET}@example.com"],
])
def test_usage_errors_never_quote_a_secret(capsys, argv):
    err = fails_cleanly(capsys, *argv, "--dry-run")
    assert SECRET not in err and "2024-01-01" not in err, err


def test_a_bad_file_of_credentials_is_named_but_not_quoted(capsys, tmp_path):
    path = tmp_path / "credentials"
    path.write_text(f"[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = {SECRET}\n[x\n")
    err = fails_cleanly(capsys, "create_disk", "1", f"@{path}", "--dry-run")
    assert str(path) in err and SECRET not in err
    path.write_text(f"password: {SECRET}\nwhen: 2024-01-01\nnote: [\n")
    err = fails_cleanly(capsys, "create_disk", "--args-file", str(path), "--dry-run")
    assert "--args-file" in err and SECRET not in err


def test_a_var_value_is_never_quoted(tmp_path, capsys):
    from cpictl.cli.main import main

    recipe = tmp_path / "r.yml"
    recipe.write_text("name: r\nsteps: [{call: info}]\n")
    code = main(["recipe", "check", str(recipe), "--var", f"={SECRET}"])
    err = capsys.readouterr().err
    assert code == 2 and "--var" in err and SECRET not in err
    code = main(["metadata", "expected", "--recipe", str(recipe), "--step", "info-1", "--var", f"={SECRET}"])
    err = capsys.readouterr().err
    assert code == 2 and SECRET not in err
