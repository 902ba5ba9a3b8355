"""Where `:save`'s steps ran, when a recipe cannot say it: one note per run of consecutive steps.

A recipe has one target: one CPI argv, one environment, one working directory. A REPL session can switch the CPI
(`:cpi`) and run recipes (`:run`) whose steps ran elsewhere. What a step can carry itself (api_version,
stemcell_api_version, context, timeout) `save.py` writes on the step; for the rest this module says, once per run of
consecutive steps that share it, where the steps ran and where the replay will run them. A different CPI is a
warning (the replay talks to another program); a different directory or environment is a note, since path
arguments are rewritten to name the same files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cpictl.repl.state import HistoryEntry
from cpictl.session import Target


@dataclass(frozen=True)
class OriginNote:
    step: int  # 0-based position of the first step of the run, where the comment goes
    text: str
    warning: bool


def _runs(values: Sequence[Any], same_as_replay: Callable[[Any], bool]) -> list[tuple[int, int, Any]]:
    """(first, last, value) for each run of consecutive equal values the replay would not reproduce."""
    runs: list[tuple[int, int, Any]] = []
    for index, value in enumerate(values):
        if same_as_replay(value):
            continue
        if runs and runs[-1][1] == index - 1 and runs[-1][2] == value:
            runs[-1] = (runs[-1][0], index, value)
        else:
            runs.append((index, index, value))
    return runs


def _steps(first: int, last: int) -> tuple[str, str]:
    """`steps 4–6`, `they` (1-based, as a reader counts the steps in the file)."""
    if first == last:
        return f"step {first + 1}", "it"
    return f"steps {first + 1}–{last + 1}", "they"


def cpi_name(target: Target) -> str:
    return "the bundled reference CPI" if target.is_reference else " ".join(target.argv)


def origin_notes(entries: Sequence[HistoryEntry], replay: Target, replay_cwd: Path) -> list[OriginNote]:
    """Notes for steps that ran against another CPI, in another directory or with another environment than the
    saved recipe's target (`replay`, whose directory is `replay_cwd`)."""
    notes: list[OriginNote] = []
    argvs = [tuple(entry.target.argv) for entry in entries]
    for first, last, _ in _runs(argvs, lambda argv: argv == tuple(replay.argv)):
        steps, they = _steps(first, last)
        notes.append(OriginNote(first, f"{steps} ran against {cpi_name(entries[first].target)}; a recipe has one "
                                       f"target: {they} will run against {cpi_name(replay)}", True))
    directories = [Path(entry.cwd).resolve() for entry in entries]
    for first, last, directory in _runs(directories, lambda directory: directory == replay_cwd):
        steps, they = _steps(first, last)
        notes.append(OriginNote(first, f"{steps} ran in {directory}; {they} will run in {replay_cwd} (path "
                                       "arguments are written to name the same files)", False))
    environments = [tuple(sorted(entry.target.env.items())) for entry in entries]
    for first, last, env in _runs(environments, lambda env: env == tuple(sorted(replay.env.items()))):
        steps, they = _steps(first, last)
        keys = sorted({key for key, _ in env} ^ set(replay.env) | {key for key, value in env
                                                                   if replay.env.get(key) != value})
        notes.append(OriginNote(first, f"{steps} ran with other CPI environment variables ({', '.join(keys)}); "
                                       f"{they} will run with the target's env", False))
    return sorted(notes, key=lambda note: note.step)
