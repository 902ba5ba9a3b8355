"""How much of a call a view shows: one vocabulary for `call`, `run`, `repl`, `trace show` and `cleanup`.

Three levels and a picker, in the manner of httpie's `--print` and grpcurl's `-v`:

* quiet (`-q`): one line per call — outcome, method, the IDs it created or deleted, duration, verdict count;
* normal (the default): the header, arguments, verdicts, result, IDs, the log once (stderr on its own only when it
  says something else or the call failed), a one-line agent-settings check; long parts are cut with a pointer to
  the `--print` that shows them whole;
* verbose (`-v`): everything, whole — the request as sent, the full log, stderr, the CPI's environment, the agent
  settings panel;
* `--print WHAT`: exactly these parts, whole (comma-separated or repeated).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: What `--print` can pick, in the order a view shows them.
PARTS = ("request", "arguments", "result", "ids", "log", "stderr", "settings", "checks")
LEVELS = ("quiet", "normal", "verbose")
#: What the default view shows; `log`/`stderr` merged and cut, `settings` as one line.
NORMAL_PARTS = frozenset(("arguments", "result", "ids", "log", "stderr", "settings", "checks"))
PRINT_HELP = f"Show only these parts, whole: {', '.join(PARTS)} (comma-separated or repeated)."


class DetailError(ValueError):
    """A `--print` part or a level that does not exist; the message names the choices."""


@dataclass(frozen=True)
class Detail:
    """A level, and the parts `--print` picked (None: the level's own)."""

    level: str = "normal"
    chosen: frozenset[str] | None = None
    uncut: frozenset[str] = frozenset()  # parts shown whole at this level too (`--full-log`: the log)

    def shows(self, part: str) -> bool:
        if self.chosen is not None:
            return part in self.chosen
        if self.level == "quiet":
            return False
        return self.level == "verbose" or part in NORMAL_PARTS

    def whole(self, part: str) -> bool:
        """Whether `part` is shown uncut: in verbose, or picked by name."""
        return self.level == "verbose" or part in self.uncut or (self.chosen is not None and part in self.chosen)

    @property
    def quiet(self) -> bool:
        return self.chosen is None and self.level == "quiet"

    @property
    def verbose(self) -> bool:
        return self.chosen is None and self.level == "verbose"

    @property
    def name(self) -> str:
        """How the user would say it: a level, or `print log,stderr`."""
        return self.level if self.chosen is None else "print " + ",".join(p for p in PARTS if p in self.chosen)


NORMAL = Detail()
QUIET = Detail("quiet")
VERBOSE = Detail("verbose")


def parse_parts(values: Iterable[str]) -> frozenset[str]:
    """`--print result,ids --print log` → {result, ids, log}; an unknown part is an error naming the choices."""
    chosen: set[str] = set()
    for value in values:
        for word in value.replace(" ", ",").split(","):
            word = word.strip().lower()
            if not word:
                continue
            if word not in PARTS:
                raise DetailError(f"--print: no part '{word}'; choose from {', '.join(PARTS)}")
            chosen.add(word)
    if not chosen:
        raise DetailError(f"--print: name at least one part: {', '.join(PARTS)}")
    return frozenset(chosen)


def parse_level(word: str) -> Detail:
    """`quiet|normal|verbose` (the REPL's `:set detail`)."""
    if word not in LEVELS:
        raise DetailError(f"detail: expected one of {'|'.join(LEVELS)}, got '{word}'")
    return Detail(word)


def detail_from_flags(quiet: bool = False, verbose: bool = False, printed: Iterable[str] | None = None, *,
                      full_log: bool = False) -> Detail:
    """The Detail that `-q`, `-v`, `--print` (and the older `--full-log`, the log whole) ask for together."""
    printed = list(printed or [])
    if quiet and verbose:
        raise DetailError("-q and -v ask for opposite things: give one")
    if printed:
        if quiet or verbose:
            raise DetailError(f"--print picks the parts itself: drop {'-q' if quiet else '-v'}")
        chosen = parse_parts(printed)
        return Detail("normal", chosen)
    if quiet:
        return QUIET
    if verbose:
        return VERBOSE
    return Detail("normal", uncut=frozenset({"log"})) if full_log else NORMAL
