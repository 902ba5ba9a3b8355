"""A create call that times out reads in the order it happened: first that it timed out (and was killed), then
what it may have left in the cloud — never the warning about a disk that may exist before the reason there is no
answer. Against a CPI that really makes something and then hangs (tests/cpis/creates_then_hangs.sh)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cpictl.cli.main import main
from tests.conftest import CPIS, NO_INFO

CPI = str(CPIS / "creates_then_hangs.sh")
TIMED_OUT = "timed out after 1 s"
MAY_EXIST = "a disk may exist that cpictl cannot record"


@pytest.fixture
def cloud(tmp_path: Path) -> Path:
    made = tmp_path / "cloud"
    made.mkdir()
    return made


def _read_in_order(text: str) -> None:
    assert TIMED_OUT in text and MAY_EXIST in text, text
    assert text.index(TIMED_OUT) < text.index(MAY_EXIST), text


def test_call_says_timed_out_before_what_may_be_left(capsys, cloud):
    code = main(["call", "create_disk", "1024", "{}", "--cpi", CPI, "--env", f"CREATED_IN={cloud}", *NO_INFO,
                 "--timeout", "1", "-o", "table"])
    out = capsys.readouterr().out
    assert code == 3
    assert (cloud / "disk-made-before-the-hang").exists()  # the CPI did make something before it hung
    _read_in_order(out)


def test_a_recipe_step_says_timed_out_before_what_may_be_left_and_says_it_once(capsys, cloud, tmp_path):
    recipe = tmp_path / "disk.yml"
    recipe.write_text("name: disk\nsteps:\n  - {name: disk, call: create_disk, args: [1024, {}]}\n")
    code = main(["run", str(recipe), "--cpi", CPI, "--env", f"CREATED_IN={cloud}", *NO_INFO, "--timeout", "1"])
    out = capsys.readouterr().out
    assert code == 3
    assert (cloud / "disk-made-before-the-hang").exists()
    _read_in_order(out)
    assert out.count(MAY_EXIST) == 1, out  # the step's panel says it after the timeout; the step line not before
