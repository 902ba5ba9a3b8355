"""`cpictl trace import` end to end, in-process through `main()`: the summary and its exit codes, the trace it
writes (the session's or --file), and an import of a large log in bounded memory."""

from __future__ import annotations

import gc
import gzip
import json
import tracemalloc
from pathlib import Path

import pytest

from cpictl.cli.main import main
from cpictl.traces.trace_file import TraceFile, session_trace
from tests.traces.log_writers import answer, director_request, director_response, noise
from tests.traces.test_create_env_log import create_env_log
from tests.traces.test_director_log import deploy_log


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["trace", "import", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def logs(tmp_path: Path) -> tuple[Path, Path]:
    director = tmp_path / "task-42-debug.gz"
    director.write_bytes(gzip.compress(deploy_log().replace("\n", "\r\n").encode()))
    create_env = tmp_path / "bosh.log"
    create_env.write_text(create_env_log())
    return director, create_env


def test_the_summary_names_entries_problems_and_faulty_calls(capsys, tmp_path, logs):
    director, create_env = logs
    trace = tmp_path / "t.jsonl"
    code, out, err = run(capsys, str(director), str(create_env), "--file", str(trace), "-o", "table")
    assert (code, err) == (0, "")
    assert f"{director} (director task debug log): 5 calls imported as entries 1–5; 1 without an answer" in out
    assert "  line 1: the file starts inside a log message" in out
    assert "  line 21: the request of cpi-100006 is cut" in out
    assert "    entry 2  create_vm cpi-100002  result.v1-shape" in out
    assert "    entry 3  attach_disk cpi-100003  result.hint-not-string" in out
    assert f"{create_env} (create-env debug log): 5 calls imported as entries 6–10; 1 without an answer" in out
    assert "    entry 8  set_vm_metadata (call 3)  exit.nonzero" in out
    assert f"cpictl trace show 2 --file {trace}" in out
    assert f"cpictl call --from-log {director} --request-id cpi-100002" in out
    assert [line.entry["n"] for line in TraceFile(trace)] == list(range(1, 11))


def test_json_output_and_a_second_import_that_finds_everything_there(capsys, tmp_path, logs):
    director, _ = logs
    trace = tmp_path / "t.jsonl"
    assert run(capsys, str(director), "--file", str(trace))[0] == 0
    code, out, _ = run(capsys, str(director), "--file", str(trace), "-o", "json")
    document = json.loads(out)
    assert code == 0 and document["trace"] == str(trace)
    (file,) = document["files"]
    assert {key: file[key] for key in ("file", "format", "imported", "already", "entries", "error")} == {
        "file": str(director), "format": "director", "imported": 0, "already": 5, "entries": None, "error": None}
    assert [problem["line"] for problem in file["problems"]] == [1, 21]


def test_entries_go_to_the_session_trace_by_default(capsys, tmp_path, logs):
    from cpictl.store import default_journal_path

    director, _ = logs
    assert run(capsys, str(director), "--session", "imports", "-o", "json")[0] == 0
    trace = session_trace(default_journal_path("imports"))
    assert len(list(trace)) == 5
    code, out, _ = run(capsys, str(director), "--session", "imports", "-o", "table")
    assert "cpictl trace list --session imports" in out and "5 already in the trace" in out


def test_a_file_that_is_not_a_log_fails_the_command_but_not_the_others(capsys, tmp_path, logs):
    _, create_env = logs
    other = tmp_path / "manifest.yml"
    other.write_text("name: zookeeper\n")
    code, out, _ = run(capsys, str(other), str(create_env), "--file", str(tmp_path / "t.jsonl"), "-o", "json")
    assert code == 2
    first, second = json.loads(out)["files"]
    assert first["error"].startswith("no CPI calls found") and second["imported"] == 5


def test_usage_errors_are_messages(capsys, tmp_path, logs):
    director, _ = logs
    code, _, err = run(capsys, str(director), "--file", str(tmp_path / "t"), "--session", "x")
    assert code == 2 and "give --file, or --session/--state, not both" in err
    (tmp_path / "a-file").write_text("")
    code, _, err = run(capsys, str(director), "--file", str(tmp_path / "a-file" / "t.jsonl"))
    assert code == 2 and "the trace" in err and "Not a directory" in err and "Traceback" not in err


def test_a_large_log_is_imported_in_bounded_memory(tmp_path):
    """64 MB of log: the director's noise, a call every 200 KB, one with 6 MB of stderr over 60,000 lines. Memory
    (tracemalloc's peak of the import) must stay a fraction of the file, which is never held."""
    log = tmp_path / "big-task-debug"
    chunk = noise(1000).encode()
    calls = 0
    with open(log, "wb") as out:
        while out.tell() < 64 << 20:
            out.write(chunk)
            calls += 1
            request_id = f"cpi-{100000 + calls}"
            stderr = "".join(f"I, [2026] INFO -- : line {i} of a chatty CPI\n" for i in range(60000 if calls == 9
                                                                                              else 3))
            out.write((director_request(request_id, "has_vm", [f"i-{calls}"]) +
                       director_response(request_id, answer(True), stderr)).encode())
    assert log.stat().st_size > 64 << 20
    from cpictl.traces.importing import import_logs

    import_logs([tmp_path / "warm-up"], TraceFile(tmp_path / "warm.jsonl"))  # imports and caches load here
    gc.collect()
    tracemalloc.start()
    try:
        (report,) = import_logs([log], TraceFile(tmp_path / "t.jsonl"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (report.imported, report.problems) == (calls, [])
    assert peak < 16 << 20, f"peak {peak / 2**20:.1f} MiB importing a {log.stat().st_size >> 20} MiB log"
    chatty = json.loads(next(line for line in (tmp_path / "t.jsonl").read_text().splitlines()
                             if '"request_id":"cpi-100009"' in line))
    assert chatty["stderr"].startswith("[") and chatty["stderr"].endswith("line 59999 of a chatty CPI\n")


def test_a_log_piped_in_is_read_from_stdin(capsys, monkeypatch, tmp_path):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(gzip.compress(
        deploy_log().encode())))))
    trace = tmp_path / "t.jsonl"
    code, out, _ = run(capsys, "-", "--file", str(trace), "-o", "table")
    assert code == 0 and "<stdin> (director task debug log): 5 calls imported as entries 1–5" in out
    assert "--from-log" not in out  # stdin cannot be read again
    assert {line.entry["origin"]["file"] for line in TraceFile(trace)} == {"<stdin>"}
