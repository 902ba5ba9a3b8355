"""A BOSH debug log of either kind — a director task debug log or a create-env debug log — told apart by its
content (names and suffixes lie: `debug`, `task.log.1.gz`, `bosh.log`), and the calls it holds, in one pass.

The format is the one whose CPI message comes first; a file holding neither has no calls to import. A first
line that does not start a log message means the file begins inside one (log rotation, a copy of a tail): the call
it belonged to is not in the file, and that is said, since nothing else would show it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cpictl.traces import create_env_log, director_log
from cpictl.traces.log_lines import BLOCK, MAX_LINE, LogLines
from cpictl.traces.logged_calls import LoggedCall, LogProblem

Reader = Callable[[LogLines], Iterator[LoggedCall | LogProblem]]
FORMATS: dict[str, tuple[bytes, re.Pattern[bytes], Reader]] = {
    "director": (director_log.MARKER, director_log.HEADER, director_log.read_calls),
    "create-env": (create_env_log.MARKER, create_env_log.HEADER, create_env_log.read_calls),
}
DESCRIPTIONS = {"director": "director task debug log", "create-env": "create-env debug log"}
NOT_A_LOG = ("no CPI calls found: neither a director task debug log (`[external-cpi] [cpi-NNNNNN] request: …`) "
             "nor a create-env debug log (`[cpiCmdRunner] … Exit Code N when executing external CPI command …`)")


@dataclass
class BoshLog:
    """One log file. `format` is known once `calls()` has found the first call ("director" or "create-env")."""

    path: Path
    format: str | None = None
    #: How the file is read (`LogLines`): smaller in tests, to cross block boundaries everywhere.
    block: int = BLOCK
    max_line: int = MAX_LINE

    def calls(self) -> Iterator[LoggedCall | LogProblem]:
        """The calls in file order of their answers (see the readers), and problems with line numbers; raises
        OSError when the file cannot be opened."""
        with LogLines(self.path, block=self.block, max_line=self.max_line) as lines:
            first = lines.next_line()
            if first is not None:
                lines.push_back(first)
            markers = tuple(marker for marker, _, _ in FORMATS.values())
            found = lines.next_with(markers) if first else None
            while found is not None and not any(marker in found.text for marker in markers):
                found = lines.next_with(markers)  # the marker stood past the end of a line cut at max_line
            if found is not None:
                self.format = next(name for name, (marker, _, _) in FORMATS.items() if marker in found.text)
                _, header, read_calls = FORMATS[self.format]
                if first is not None and first.text.strip() and not header.match(first.text):
                    yield LogProblem(1, "the file starts inside a log message (cut by log rotation, or a copy of "
                                        "a log's end): a call whose start came before it is not in this file")
                lines.push_back(found)
                yield from read_calls(lines)
            if lines.error is not None:
                yield LogProblem(max(lines.lines_read, 1), lines.error)
