"""Helpers for recipe tests: write recipe files, load them, run them against the reference CPI.

Two ways to reach the reference CPI: `refcpi_session` runs it as a real subprocess (what users get);
`inprocess_refcpi` swaps the session's transport for the same CPI code called in-process, for the many runner
tests that are about recipe semantics, not processes (it keeps the whole suite well under its time budget).
"""

from __future__ import annotations

import io
import os
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cpictl.recipes import LoadedRecipe, RecipeError, RecipeEvent, RecipeProblem, load_recipe
from cpictl.recipes.runner import RecipeRunner
from cpictl.recipes.targets import target_for
from cpictl.session import CallSession, Target, reference_cpi_argv
from cpictl.store import CloudIdStore
from cpictl.transport import CpiCommand, RunResult, run_in_process

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "recipes"
DIRECTOR_UUID = "d-recipes-test"


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def problems(directory: Path, text: str, name: str = "recipe.yml", **kwargs: Any) -> list[RecipeProblem]:
    """The problems loading `text` gives (the test fails if it loads)."""
    path = write(directory, name, text)
    with pytest.raises(RecipeError) as caught:
        load_recipe(path, **kwargs)
    assert "Traceback" not in str(caught.value)
    return caught.value.problems


def only_problem(directory: Path, text: str, **kwargs: Any) -> RecipeProblem:
    found = problems(directory, text, **kwargs)
    assert len(found) == 1, "\n".join(p.format() for p in found)
    return found[0]


def base_target(**changes: Any) -> Target:
    return Target(argv=reference_cpi_argv(), director_uuid=DIRECTOR_UUID, **changes)


def make_session(recipe: LoadedRecipe, journal: Path, **target_changes: Any) -> CallSession:
    return CallSession(target_for(recipe, base_target(**target_changes)), CloudIdStore(journal))


def run_all(runner: RecipeRunner) -> list[RecipeEvent]:
    return list(runner.events())


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    return tmp_path / "journal.jsonl"


@pytest.fixture
def session_for(journal: Path) -> Callable[..., CallSession]:
    def factory(recipe: LoadedRecipe, **target_changes: Any) -> CallSession:
        return make_session(recipe, journal, **target_changes)

    return factory


def _inprocess_run_cpi(command: CpiCommand, stdin: bytes, on_stderr_line: Callable[[str], None] | None = None,
                       outputs: object = None) -> RunResult:
    from cpictl.refcpi.service import handle_request

    def handler(raw: bytes) -> tuple[bytes, bytes, int]:
        stderr = io.StringIO()
        reply = handle_request(raw, command.env if command.env is not None else os.environ, None, stderr)
        if reply.fault == "hang":
            raise AssertionError("an in-process CPI cannot hang; use a real subprocess for this test")
        if reply.fault == "crash":
            return b"", stderr.getvalue().encode(), -9
        return reply.stdout_bytes(), stderr.getvalue().encode(), reply.exit_code

    return run_in_process(handler, stdin, on_stderr_line, command)


@pytest.fixture
def inprocess_refcpi(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The reference CPI's own code, called in-process instead of in a subprocess (same requests, same bytes)."""
    monkeypatch.setattr("cpictl.session.run_cpi", _inprocess_run_cpi)
    yield
