"""The stderr panel of `cpictl call`: what its note claims about the lines left out must be true. cpictl keeps only
the last MiB of stderr, so past that it cannot know how many lines the CPI wrote, and must not count them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cpictl.cli.main import main
from tests.conftest import write_cpi

LINE_BYTES = 64  # every line, newline included


@pytest.fixture
def chatty_cpi(tmp_path: Path) -> Path:
    """Writes argv[1] numbered stderr lines of 64 bytes each, then answers `info` correctly."""
    return write_cpi(tmp_path / "chatty_cpi.py", f"""
import json, sys
count = int(sys.argv[1])
sys.stdin.read()
for number in range(1, count + 1):
    sys.stderr.write(f"line {{number:06d}} ".ljust({LINE_BYTES - 1}, ".") + "\\n")
json.dump({{"result": {{"api_version": 2, "stemcell_formats": ["raw"]}}, "error": None, "log": ""}}, sys.stdout)
""")


def call_table(capsys, cpi: Path, lines: int, *extra: str) -> str:
    code = main(["call", "info", "--cpi", str(cpi), "--cpi-arg", str(lines), "-o", "table", *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    return " ".join(out.replace("│", " ").split())  # the panel's text with its borders and folds undone


def test_past_the_kept_mib_the_note_gives_bytes_not_a_line_count(capsys, chatty_cpi):
    lines = 40_000  # 2,560,000 bytes: more than the MiB cpictl keeps
    out = call_table(capsys, chatty_cpi, lines)
    assert (f"… the CPI wrote {lines * LINE_BYTES:,} bytes of stderr; the last 1 MiB was kept and its last 6 "
            "lines are shown (-o json has the kept 1 MiB)") in out
    assert "earlier line(s)" not in out  # 16,372 would be the kept MiB's count, not the 39,988 the CPI wrote
    shown = re.findall(r"line (\d{6})", out)
    assert shown == [f"{n:06d}" for n in range(lines - 5, lines + 1)]


def test_within_the_kept_mib_the_note_counts_the_lines_left_out(capsys, chatty_cpi):
    out = call_table(capsys, chatty_cpi, 100)
    assert "… 94 more lines: --print stderr" in out
    whole = call_table(capsys, chatty_cpi, 100, "--print", "stderr")  # asked for by name: every line
    assert re.findall(r"line (\d{6})", whole) == [f"{n:06d}" for n in range(1, 101)]
    code = main(["call", "info", "--cpi", str(chatty_cpi), "--cpi-arg", "100", "-o", "json"])
    assert code == 0 and json.loads(capsys.readouterr().out)["stderr"].count("\n") == 100  # it has


@pytest.fixture
def ruby_like_cpi(tmp_path: Path) -> Path:
    """Logs each message to stderr with a stamp (as a Ruby CPI's logger does) and returns them as its `log`."""
    return write_cpi(tmp_path / "ruby_like.py", """
import json, sys
sys.stdin.read()
messages = ["Starting create_disk...", "Finished create_disk in 0.01 seconds"]
for message in messages:
    sys.stderr.write(f"I, [2026-12-06T10:00:00 #1]  INFO -- cpi [req_id cpi-1]: {message}\\n")
extra = sys.argv[1:]  # a log line stderr does not hold
json.dump({"result": "disk-1", "error": None, "log": "\\n".join(messages + extra) + "\\n"}, sys.stdout)
""")


def call_view(capsys, cpi: Path, *extra: str) -> str:
    argv = ["call", "create_disk", "1", "{}", "--cpi", str(cpi), "--api-version", "2", "-o", "table"]
    code = main([*argv, *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_a_log_that_stderr_already_shows_is_shown_once(capsys, ruby_like_cpi):
    out = call_view(capsys, ruby_like_cpi)
    assert out.count("Starting create_disk...") == 1 and "stderr has them too, time-stamped" in out
    assert "INFO -- cpi" not in out  # the log's own words, without the logger's stamps
    assert out.count("disk-1") == 1 and "(the result)" in out  # the result is the ID it created
    both = call_view(capsys, ruby_like_cpi, "--print", "log,stderr")  # asked for by name: both, under headings
    assert both.count("Starting create_disk...") == 2 and "INFO -- cpi" in both


def test_a_log_with_its_own_lines_keeps_its_panel(capsys, ruby_like_cpi):
    out = call_view(capsys, ruby_like_cpi, "--cpi-arg", "a line only the log has")
    assert out.count("Starting create_disk...") == 2 and "a line only the log has" in out
    assert "has them too" not in out
