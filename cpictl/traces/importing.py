"""`cpictl trace import`: the calls of BOSH debug logs turned into trace entries, and what became of each file.

Every call found is judged and masked by `entry_from_exchange`, as cpictl's own calls are: the caller is the log's
(director or create-env), the CPI the command the log names, the time the log's own. Where the log holds no
answer (the task died, the log was cut, the answer is too large to judge) the entry says so: no response, no exit
status, a `log.no-answer` verdict instead of the verdicts of an empty answer the CPI never gave, and `origin.notes`.

Rules kept:
- One pass over each file, in bounded memory (the readers hold only requests awaiting an answer and at most one
  batch of entries); entries are written in batches (`TraceFile.batching`: up to 64 entries or 1 MiB, and what is
  left at the end of each file or when reading it fails), each under one lock, numbered as one-by-one appends
  would number them, so other writers still interleave between batches. An import that stops half-way keeps
  what it wrote; one killed mid-batch loses at most that batch's entries, which running it again adds (calls
  already in the trace are skipped).
- A call already in the trace (the same file and line, from an earlier import) is not added twice.
- Nothing a file holds raises: what cannot be read is a `LogProblem` with its line, and a file that cannot be
  opened or holds no calls is an `error` of its `FileImport`.

Its imports are at the top, not in the functions that judge each call: this module is imported only to import
(and by the view of an import's summary), and an import statement per call costs about half a microsecond.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cpictl.targets.profiles import profile_named
from cpictl.traces.bosh_logs import NOT_A_LOG, BoshLog
from cpictl.traces.exchanges import entry_from_exchange
from cpictl.traces.log_lines import STDIN
from cpictl.traces.logged_calls import CALLERS, LoggedCall, LogProblem
from cpictl.traces.read_aside import calls_of
from cpictl.traces.trace_file import EntryBatch, TraceFile

#: Problems and flagged calls a summary keeps per file; the rest are counted.
KEPT_PROBLEMS = 200
KEPT_FLAGGED = 50
NO_ANSWER = "log.no-answer"
#: How entries name standard input, read with `-` (nothing read from it counts as imported before).
STDIN_NAME = "<stdin>"


@dataclass
class FileImport:
    """What one file gave: counts, the entries written, the problems (with lines) and the calls judged faulty."""

    path: str
    format: str | None = None
    imported: int = 0
    already: int = 0
    unanswered: int = 0
    first_entry: int | None = None
    last_entry: int | None = None
    problems: list[LogProblem] = field(default_factory=list)
    more_problems: int = 0
    #: (entry number, call label, codes of its error verdicts), for calls a caller would fail or misread.
    flagged: list[tuple[int, str, list[str]]] = field(default_factory=list)
    more_flagged: int = 0
    #: The file could not be read at all, or holds no calls.
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The `-o json` form: fixed keys."""
        return {"file": self.path, "format": self.format, "imported": self.imported, "already": self.already,
                "unanswered": self.unanswered,
                "entries": [self.first_entry, self.last_entry] if self.first_entry is not None else None,
                "problems": [{"line": problem.line, "message": problem.message} for problem in self.problems],
                "more_problems": self.more_problems,
                "flagged": [{"entry": number, "call": label, "verdicts": codes}
                            for number, label, codes in self.flagged],
                "more_flagged": self.more_flagged, "error": self.error}

    def problem(self, problem: LogProblem) -> None:
        if len(self.problems) < KEPT_PROBLEMS:
            self.problems.append(problem)
        else:
            self.more_problems += 1


Progress = Callable[[FileImport], None]


def import_logs(paths: Iterable[Path], trace: TraceFile, on_file: Progress | None = None) -> list[FileImport]:
    """Import every file into `trace`, in order; `on_file` hears of each file as it is done."""
    paths = list(paths)
    known = imported_before(trace, {_name(path) for path in paths} - {STDIN_NAME})
    reports = []
    for path in paths:
        report = import_log(path, trace, known)
        reports.append(report)
        if on_file is not None:
            on_file(report)
    return reports


def import_log(path: Path, trace: TraceFile, known: set[tuple[str, int]] | None = None) -> FileImport:
    """Import one file; `known` holds the (file, line) of calls already in the trace. Raises TraceError when
    the trace cannot be written."""
    name = _name(path)
    report = FileImport(name)
    log = BoshLog(path)
    pending: list[tuple[LoggedCall, list[str]]] = []  # calls whose entries await their numbers, with their errors
    try:
        with trace.batching() as batch:
            try:
                for found in calls_of(log):  # read in a child process when the file is large
                    if isinstance(found, LogProblem):
                        report.problem(found)
                    elif known is not None and (name, found.line) in known:
                        report.already += 1
                    else:
                        entry = entry_for(found, name)
                        pending.append((found, _errors(entry)))
                        if batch.add(entry):
                            _flush(report, batch, pending)
                        if known is not None and name != STDIN_NAME:  # the same file twice in one command
                            known.add((name, found.line))
            finally:  # what was judged is written, also when reading the file fails half-way
                _flush(report, batch, pending)
    except IsADirectoryError:
        report.error = "a directory, not a log file"
    except OSError as error:
        report.error = f"cannot read it: {error.strerror or error}"
    report.format = log.format
    if report.error is None and log.format is None:  # a read that failed says why better than "no calls"
        report.error = f"line {report.problems[-1].line}: {report.problems[-1].message}; {NOT_A_LOG}" \
            if report.problems else NOT_A_LOG
    return report


def _flush(report: FileImport, batch: EntryBatch, pending: list[tuple[LoggedCall, list[str]]]) -> None:
    """Write the batch and count its calls in the report, now that their entries have numbers. `pending` is
    emptied first: a write that fails is not counted, nor tried again."""
    calls = pending[:]
    pending.clear()
    for (call, errors), number in zip(calls, batch.flush(), strict=True):
        _count(report, call, errors, number)


def _errors(entry: dict[str, Any]) -> list[str]:
    """The codes of an entry's error verdicts: a call a caller would fail or misread is flagged."""
    return [v["code"] for v in entry["violations"] if v.get("severity") == "error"]


def _count(report: FileImport, call: LoggedCall, errors: list[str], number: int) -> None:
    report.imported += 1
    report.first_entry = report.first_entry or number
    report.last_entry = number
    if call.stdout is None:
        report.unanswered += 1
    if errors:
        if len(report.flagged) < KEPT_FLAGGED:
            report.flagged.append((number, call.label, errors))
        else:
            report.more_flagged += 1


def entry_for(call: LoggedCall, file: str) -> dict[str, Any]:
    """The trace entry of a logged call: judged and masked by `entry_from_exchange`, with where the log has it."""
    origin = {"file": file, "line": call.line, "request_id": call.request_id, "call": call.number,
              "response_line": call.response_line, "logged_at": call.logged_at, "notes": call.notes}
    answered = call.stdout is not None
    entry = entry_from_exchange(call.request, call.stdout or b"", call.stderr, exit_code=call.exit_code,
                                duration_s=call.duration_s, caller=call.caller, argv=[call.command or "<unknown CPI>"],
                                source=CALLERS[call.caller], origin=origin, time=call.time,
                                redacted=None if call.may_hold_masks else [])
    if not answered:
        # the verdicts of an empty answer would blame the CPI for what the log does not hold; keep only the note
        # that a cloud ID may exist nobody knows of
        entry["violations"] = [_no_answer(call)] + [v for v in entry["violations"]
                                                   if v.get("code", "").startswith("cloud-id.")]
        entry["exit_code"] = None
    entry["target"] = {**entry["target"], **_caller_target(call)}
    return entry


def _no_answer(call: LoggedCall) -> dict[str, Any]:
    why = call.notes[-1] if call.notes else "no response in the log"
    return {"code": NO_ANSWER, "severity": "warning", "message": f"{why}; nothing is known of the CPI's answer",
            "director": None, "create_env": None}


def _caller_target(call: LoggedCall) -> dict[str, Any]:
    """What the entry's target says beyond the CPI: the environment its caller gives it, the stemcell version the
    request carries."""
    context = call.request.get("context")
    vm = context.get("vm") if isinstance(context, dict) else None
    stemcell = vm.get("stemcell") if isinstance(vm, dict) else None
    version = stemcell.get("api_version") if isinstance(stemcell, dict) else None
    return {"env_mode": profile_named(call.caller).env_mode,
            "stemcell_api_version": version if isinstance(version, int) else None}


def imported_before(trace: TraceFile, files: set[str]) -> set[tuple[str, int]]:
    """(file, line) of every call of `files` the trace already holds."""
    known = set()
    for line in trace:
        origin = line.entry.get("origin")
        if isinstance(origin, dict) and origin.get("file") in files and isinstance(origin.get("line"), int):
            known.add((origin["file"], origin["line"]))
    return known


def _name(path: Path) -> str:
    """How entries name a file: its absolute path, so an import from elsewhere recognises it."""
    return STDIN_NAME if str(path) == STDIN else os.path.abspath(path)
