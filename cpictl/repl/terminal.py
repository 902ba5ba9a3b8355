"""The REPL's side of the screen: print results, say errors in one line, ask, confirm, page, edit.

`Terminal` is the plain version (pipes, tests, benchmarks): it cannot ask, a confirmation is answered "no" and
nothing is paged. `PromptTerminal` asks through prompt_toolkit and pages through rich's pager. Handlers only talk
to this interface, so they run the same in a pseudo-terminal, a pipe and a test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.console import Console, RenderableType
from rich.text import Text

from cpictl.render.console import make_console

if TYPE_CHECKING:
    from cpictl.repl.editor import Edited


class CannotAsk(Exception):
    """The terminal cannot ask questions (stdin is not a terminal)."""


CONTINUATION_HINT = "... (Ctrl-C cancels) "


def continuation_prompt(width: int, line_number: int, wrap_count: int) -> str:
    """The prefix of a continuation line, at the main prompt and at a parameter's question alike: the first one
    says how to get out, the others just `...`. A row that only carries on a long line the terminal wrapped gets
    none: a `...` there would look like a new line."""
    if wrap_count:
        return ""
    return CONTINUATION_HINT if line_number == 1 else "...".ljust(width)


class Terminal:
    """Consoles are made with `markup=False`: CIDs, error messages and synopses like `[edit]` are text, not tags."""

    can_ask = False  # `ask` raises CannotAsk: a call that leaves parameters out is refused, not asked about

    def __init__(self, console: Console | None = None, err: Console | None = None) -> None:
        self.console = console or make_console()
        self.err = err or self.console

    @property
    def progress_console(self) -> Console | None:
        """Where a running call draws its spinner and live stderr; None draws nothing (pipes, tests)."""
        return self.err if self.err.is_terminal else None

    def print(self, *renderables: RenderableType, **options: Any) -> None:
        self.console.print(*renderables, **options)

    def error(self, message: str) -> None:
        self.err.print(Text.assemble(("error: ", "bold red"), message), soft_wrap=True)

    def note(self, message: str, style: str = "dim") -> None:
        self.err.print(Text(message, style=style), soft_wrap=True)

    def confirm(self, question: str) -> bool:
        self.note(f"{question} [y/N] no (not a terminal)")
        return False

    def ask(self, message: str, *, completer: Any = None, default: str = "",
            continues: Callable[[str], bool] | None = None) -> str:
        """One answer. `default`: the text the answer starts with (kept from a rejected answer, for editing);
        `continues`: while it holds for the text typed so far, Enter opens another line instead of answering."""
        raise CannotAsk("cannot ask for parameters: not a terminal; give the arguments on the line")

    def ask_secret(self, message: str) -> str:
        """One answer that is a secret (a value a trace masked): not echoed where the terminal can help it."""
        return self.ask(message)

    def page(self, renderable: RenderableType) -> None:
        self.console.print(renderable, soft_wrap=True)

    def edit(self, text: str) -> Edited | None:
        """The text after the user edited it in $VISUAL/$EDITOR (and whether they saved it); None when the editor
        failed."""
        from cpictl.repl.editor import open_in_editor

        return open_in_editor(text, self.error)


class PromptTerminal(Terminal):
    """A real terminal: questions through prompt_toolkit, long text through the pager."""

    can_ask = True

    def __init__(self, console: Console | None = None, err: Console | None = None) -> None:
        super().__init__(console, err)
        self._asker: Any = None  # one PromptSession for every question, made on first use

    def _session(self) -> Any:
        if self._asker is None:
            from prompt_toolkit import PromptSession

            self._asker = PromptSession()
        return self._asker

    def ask(self, message: str, *, completer: Any = None, default: str = "",
            continues: Callable[[str], bool] | None = None) -> str:
        """One answer; Ctrl-C raises KeyboardInterrupt, Ctrl-D (EOFError) counts as Ctrl-C."""
        from prompt_toolkit.completion import DummyCompleter
        from prompt_toolkit.filters import Condition

        session = self._session()
        multiline = False if continues is None else Condition(lambda: continues(session.default_buffer.text))
        # prompt_toolkit keeps the options one prompt() is given for the later ones: each is given every time, so
        # a secret's hidden input, a value's continuation or a parameter's cloud IDs never carry over to the next
        # question (a confirmation offered VM IDs, a question after a secret showed asterisks)
        try:
            return str(session.prompt(message, completer=completer or DummyCompleter(), default=default,
                                      complete_while_typing=True, multiline=multiline,
                                      prompt_continuation=continuation_prompt, is_password=False))
        except EOFError:
            raise KeyboardInterrupt from None

    def ask_secret(self, message: str) -> str:
        from prompt_toolkit.completion import DummyCompleter

        try:
            return str(self._session().prompt(message, is_password=True, multiline=False,
                                              completer=DummyCompleter(), default=""))
        except EOFError:
            raise KeyboardInterrupt from None

    def confirm(self, question: str) -> bool:
        try:
            answer = self.ask(f"{question} [y/N] ")
        except KeyboardInterrupt:
            return False
        return answer.strip().lower() in ("y", "yes")

    def page(self, renderable: RenderableType) -> None:
        """Through the pager ($PAGER, else less) only when it does not fit on the screen."""
        if not self.console.is_terminal:
            super().page(renderable)
            return
        with self.console.capture() as captured:
            self.console.print(renderable)
        text = captured.get()
        if text.count("\n") < self.console.height - 1:
            self.console.file.write(text)
            self.console.file.flush()
            return
        with self.console.pager(styles=True):
            self.console.print(renderable)
