"""`cpictl record install|status|uninstall`: what it writes, what it refuses, what it reports."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from cpictl.cli.main import main
from cpictl.traces.recorder import read_shim
from tests.recorder.conftest import DIRECTOR_ENV, request, run, sh_cpi, wait_for_entries

OK = ("cat >/dev/null\n"
      "printf '{\"result\":{\"api_version\":2,\"stemcell_formats\":[\"raw\"]},\"error\":null,\"log\":\"\"}'\n")


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_install_writes_an_executable_shim_the_director_can_run(tmp_path: Path, capsys) -> None:
    cpi = sh_cpi(tmp_path / "cpi.real", OK)
    code, out, err = cli(capsys, "record", "install", "--cpi", str(cpi), str(tmp_path / "bin"))
    assert (code, err) == (0, "")
    shim = tmp_path / "bin" / "cpi"
    assert f"recorder installed: {shim}" in out and f"{tmp_path}/bin/cpi.trace.jsonl" in out
    assert stat.S_IMODE(shim.stat().st_mode) == 0o755
    through = run([str(shim)], request(), env=DIRECTOR_ENV, cwd="/")
    assert (through.returncode, through.stdout, through.stderr) == (0, run([str(cpi)], request()).stdout, b"")
    (entry,) = wait_for_entries(tmp_path / "bin" / "cpi.trace.jsonl", 1)
    assert entry["request"]["method"] == "info" and entry["violations"] == []
    assert stat.S_IMODE((tmp_path / "bin" / "cpi.trace.jsonl").stat().st_mode) == 0o600


def test_install_never_replaces_the_real_cpi_and_replaces_other_files_only_when_forced(tmp_path: Path,
                                                                                     capsys) -> None:
    cpi = sh_cpi(tmp_path / "cpi", OK)
    code, _, err = cli(capsys, "record", "install", "--cpi", str(cpi), "--force", str(tmp_path))
    assert code == 2 and f"{cpi} is the CPI itself: move it aside first" in err
    link = tmp_path / "links"
    link.mkdir()
    (link / "cpi").symlink_to(cpi)  # the same file by another name
    code, _, err = cli(capsys, "record", "install", "--cpi", str(cpi), "--force", str(link))
    assert code == 2 and "is the CPI itself" in err
    assert cpi.read_text().endswith(OK) and (link / "cpi").is_symlink()

    other = tmp_path / "other"
    other.mkdir()
    (other / "cpi").write_text("mine\n")
    code, _, err = cli(capsys, "record", "install", "--cpi", str(cpi), str(other))
    assert code == 2 and "exists; --force replaces it" in err and (other / "cpi").read_text() == "mine\n"
    code, _, err = cli(capsys, "record", "install", "--cpi", str(cpi), "--force", str(other))
    assert code == 0 and read_shim(other) is not None


def test_install_refuses_a_cpi_it_cannot_run_or_that_is_a_shim(tmp_path: Path, capsys) -> None:
    code, _, err = cli(capsys, "record", "install", "--cpi", str(tmp_path / "nope"), str(tmp_path / "a"))
    assert code == 2 and "no such file" in err
    plain = tmp_path / "plain"
    plain.write_text(OK)
    code, _, err = cli(capsys, "record", "install", "--cpi", str(plain), str(tmp_path / "a"))
    assert code == 2 and "not executable" in err
    cpi = sh_cpi(tmp_path / "cpi.real", OK)
    assert cli(capsys, "record", "install", "--cpi", str(cpi), str(tmp_path / "first"))[0] == 0
    code, _, err = cli(capsys, "record", "install", "--cpi", str(tmp_path / "first" / "cpi"), str(tmp_path / "b"))
    assert code == 2 and f"is a recorder shim already (in front of {cpi})" in err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_status_counts_the_calls_and_shows_background_failures(tmp_path: Path, capsys, monkeypatch) -> None:
    cpi = sh_cpi(tmp_path / "cpi.real", OK)
    trace = tmp_path / "traces" / "director.jsonl"
    assert cli(capsys, "record", "install", "--cpi", str(cpi), "--trace", str(trace), "--as", "director",
               str(tmp_path / "bin"))[0] == 0
    for n in range(3):
        run([str(tmp_path / "bin" / "cpi")], request(request_id=f"cpi-{n}"))
    wait_for_entries(trace, 3)
    Path(f"{trace}.errors").write_text("2026-01-01T00:00:00Z cpictl recorder: this call is not recorded: boom\n")
    code, out, _ = cli(capsys, "record", "status", str(tmp_path / "bin"), "-o", "json")
    document = json.loads(out)
    assert code == 0
    assert {key: document[key] for key in ("cpi", "trace", "as", "calls_recorded", "recorder_errors",
                                           "cpi_runnable", "python_found", "cpictl_found")} == {
        "cpi": str(cpi), "trace": str(trace), "as": "director", "calls_recorded": 3, "recorder_errors": 1,
        "cpi_runnable": True, "python_found": True, "cpictl_found": True}
    assert document["last_call"]["n"] == 3 and document["last_call"]["method"] == "info"
    code, out, _ = cli(capsys, "record", "status", str(tmp_path / "bin"), "-o", "table")
    assert code == 0 and "calls recorded  3  (last: #3 info" in out and "1 call(s) not recorded" in out
    os.unlink(cpi)
    code, out, _ = cli(capsys, "record", "status", str(tmp_path / "bin"), "-o", "table")
    assert "(missing or not executable)" in out


def test_uninstall_removes_only_a_shim_and_keeps_the_trace(tmp_path: Path, capsys) -> None:
    cpi = sh_cpi(tmp_path / "cpi.real", OK)
    assert cli(capsys, "record", "install", "--cpi", str(cpi), str(tmp_path / "bin"))[0] == 0
    run([str(tmp_path / "bin" / "cpi")], request())
    wait_for_entries(tmp_path / "bin" / "cpi.trace.jsonl", 1)
    code, out, _ = cli(capsys, "record", "uninstall", str(tmp_path / "bin"))
    assert code == 0 and "the trace stays in" in out
    assert not (tmp_path / "bin" / "cpi").exists() and (tmp_path / "bin" / "cpi.trace.jsonl").exists()
    code, _, err = cli(capsys, "record", "uninstall", str(tmp_path))  # holds the real CPI under another name only
    assert code == 2 and "no recorder shim" in err and cpi.exists()
    code, _, err = cli(capsys, "record", "status", str(tmp_path / "bin"))
    assert code == 2 and "no recorder shim" in err


def test_status_reads_a_big_trace_from_its_end(tmp_path: Path, capsys) -> None:
    """A recorder on a busy director writes gigabytes: status counts by the newest entry's number, read from the
    end, so it answers at once whatever came before — here a first entry of 64 MiB that no read may touch."""
    cpi = sh_cpi(tmp_path / "cpi.real", OK)
    trace = tmp_path / "trace.jsonl"
    assert cli(capsys, "record", "install", "--cpi", str(cpi), "--trace", str(trace), str(tmp_path / "bin"))[0] == 0
    with open(trace, "w") as out:
        out.write(json.dumps({"v": 1, "n": 1, "request": {"method": "create_vm"}, "log": "x" * (64 << 20)}) + "\n")
        for n in range(2, 1001):
            out.write(json.dumps({"v": 1, "n": n, "request": {"method": "has_vm"}, "exit_code": 0}) + "\n")
    import tracemalloc

    tracemalloc.start()
    try:
        code, out, _ = cli(capsys, "record", "status", str(tmp_path / "bin"), "-o", "json")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    document = json.loads(out)
    assert code == 0 and document["calls_recorded"] == 1000
    assert document["last_call"]["n"] == 1000 and document["last_call"]["method"] == "has_vm"
    assert peak < 16 << 20, f"{peak / 2**20:.0f} MiB: the 64 MiB entry was read"
