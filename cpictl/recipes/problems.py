"""What is wrong with a recipe, said so a user can fix it: file:line:column, the message, the line with a caret.

Every problem the loader finds (YAML syntax, unknown keys, wrong types, unknown methods, bad arguments, undefined
references, bad JMESPath or regex …) becomes one `RecipeProblem`; the loader collects as many as it can and raises
one `RecipeError` carrying all of them. Nothing here prints: `str(error)` is the full text the CLI shows, and the
fields are there for a renderer that wants colour. A renderer passes `visible` (its way of making terminal controls
visible) to `format`/`quote`: the quoted line is then shown that way, and the caret still lands under the token.
Quoted lines arrive with their secret values already masked (`secret_lines`, applied where problems are made).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

MAX_SHOWN = 100  # problems a report lists; `problems` keeps them all


def _as_is(text: str) -> str:
    return text


@dataclass(frozen=True)
class RecipeProblem:
    """One problem in one file. `line`/`column` are 1-based; None when the problem has no position."""

    file: str
    line: int | None
    column: int | None
    message: str
    #: The offending source line(s), verbatim (the first one is `line`).
    source_lines: tuple[str, ...] = ()
    #: 1-based column just past the offending token on the first line, for the caret's width (None: one caret).
    end_column: int | None = None
    #: (column, end_column) of the token in the quoted line as shown, when masking a secret in it moved the token
    #: (`column` still names its place in the file).
    caret_span: tuple[int, int | None] | None = None

    @property
    def location(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column or 1}"

    def caret(self, visible: Callable[[str], str] = _as_is) -> tuple[str, int]:
        """Where the caret goes under the first quoted line as `visible` shows it: the text before the token
        (tabs kept, everything else blanked, so it lines up with tab-indented text) and the caret's width."""
        column, end = self.caret_span or (self.column, self.end_column)
        column = max(column or 1, 1)
        width = max((end or column + 1) - column, 1)
        first = self.source_lines[0].rstrip() if self.source_lines else ""
        width = max(min(width, len(first) - column + 1), 1)
        before, token = visible(first[: column - 1]), visible(first[column - 1: column - 1 + width])
        padding = "".join(ch if ch == "\t" else " " for ch in before)
        return padding, max(len(token), 1)

    def quote(self, visible: Callable[[str], str] = _as_is) -> list[str]:
        """The quoted source lines with a caret under the offending token, gutter-aligned."""
        if not self.source_lines or self.line is None:
            return []
        gutter = len(str(self.line + len(self.source_lines) - 1))
        out = [f"  {str(self.line + offset).rjust(gutter)} | {visible(text.rstrip())}"
               for offset, text in enumerate(self.source_lines)]
        padding, width = self.caret(visible)
        out.insert(1, f"  {' ' * gutter} | {padding}{'^' * width}")
        return out

    def format(self, visible: Callable[[str], str] = _as_is) -> str:
        return "\n".join([f"{self.location}: {visible(self.message)}", *self.quote(visible)])

    def __str__(self) -> str:
        return self.format()


class RecipeError(Exception):
    """A recipe that cannot be run; `problems` lists everything found, in file and line order."""

    def __init__(self, problems: Iterable[RecipeProblem]) -> None:
        self.problems = _ordered(problems)
        super().__init__(self.format())

    def format(self, visible: Callable[[str], str] = _as_is) -> str:
        count = len(self.problems)
        head = "invalid recipe" if count == 1 else f"invalid recipe: {count:,} problems"
        shown = [problem.format(visible) for problem in self.problems[:MAX_SHOWN]]
        if count > MAX_SHOWN:  # a generated file can have a problem per value: the first ones say what to fix
            shown.append(f"… and {count - MAX_SHOWN:,} more")
        return head + "\n" + "\n".join(shown)


def _ordered(problems: Iterable[RecipeProblem]) -> list[RecipeProblem]:
    """Files in the order they were first met, lines in order within each; duplicates dropped."""
    unique = list(dict.fromkeys(problems))
    file_rank: dict[str, int] = {}
    for problem in unique:
        file_rank.setdefault(problem.file, len(file_rank))
    return sorted(unique, key=lambda p: (file_rank[p.file], p.line or 0, p.column or 0))
