"""`cpictl repl` start-up: a `--cpi` that cannot run is refused before the REPL starts, as `:cpi` refuses it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cpictl.cli.main import main


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The REPL's argv each time it would have started (it does not, so no terminal or stdin is needed)."""
    runs: list[list[str]] = []

    def fake_run_repl(target: object, store: object, **options: object) -> int:
        runs.append(list(target.argv))  # type: ignore[attr-defined]
        return 0

    monkeypatch.setattr("cpictl.repl.run_repl", fake_run_repl)
    return runs


@pytest.mark.parametrize("cpi, message", [
    ("/nonexistent/cpi", "--cpi: '/nonexistent/cpi' is not an executable file"),
    ("no-such-cpi-anywhere", "--cpi: 'no-such-cpi-anywhere' is not an executable file on PATH"),
])
def test_a_cpi_that_cannot_run_is_refused_at_start_up(cpi: str, message: str, started: list[list[str]],
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["repl", "--cpi", cpi]) == 2
    assert message in capsys.readouterr().err
    assert started == []


def test_a_plain_file_is_refused_and_a_relative_path_is_the_callers(tmp_path: Path, echo_cpi: Path,
                                                                     started: list[list[str]],
                                                                     capsys: pytest.CaptureFixture[str],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    plain = tmp_path / "notes.txt"
    plain.write_text("not a program")
    assert main(["repl", "--cpi", str(plain)]) == 2
    assert "is not an executable file" in capsys.readouterr().err
    # like `cpictl call`: a relative --cpi is where the user stands, even when --cwd runs the CPI elsewhere
    monkeypatch.chdir(tmp_path)
    assert main(["repl", "--cwd", "/", "--cpi", f"./{echo_cpi.name}"]) == 0
    assert main(["repl", "--cpi", str(echo_cpi)]) == 0
    assert started == [[str(echo_cpi)], [str(echo_cpi)]]
