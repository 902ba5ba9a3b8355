"""The console cpictl prints through, and the cheap way to print a view that is plain lines.

`SafeConsole` is a rich Console that:
- never lets a terminal control through: views make CPI text visible before layout
  (`terminal_text.visible_controls`); whatever a view missed is removed here (`without_controls`);
- writes a `FittedText` off a terminal as its plain text in one write. Without a terminal rich drops every style
  and, since every line fits, would write exactly these characters; skipping its per-print machinery matters
  because a view is printed after every call (`make bench`, recipes with hundreds of steps).

`make_console` builds one with markup and highlighting off, so CPI answers, IDs and messages are shown as they
are, never parsed as rich markup.
"""

from __future__ import annotations

from typing import IO, Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.text import Text

from cpictl.render.terminal_text import without_controls


class FittedText:
    """A Text that skips rich's word-wrapping when every line already fits the width.

    Wrapping measures and divides each line; the common call view is a handful of short lines, and this is on the
    path of every call (`make bench`). Text that does not fit is handed to rich as usual."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def plain_if_fits(self, width: int) -> str | None:
        """The plain text when every line fits `width`; None sends it through rich (which also expands tabs)."""
        plain = self.text.plain
        if "\t" in plain or any(cell_len(line) > width for line in plain.split("\n")):
            return None
        return plain

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        plain = self.plain_if_fits(options.max_width)
        if plain is None:
            yield self.text
        elif console.color_system is None:  # a pipe or a file: styles are dropped anyway, so skip the spans
            yield Segment(plain + "\n")
        else:
            yield from self.text.render(console, end="")
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.text)


class IndentedText:
    """A Text shown `indent` columns in, its wrapped lines too (as `Padding` would), without `Padding`'s cost when
    every line already fits: the log beneath a call is on the path of every call (`make bench`)."""

    def __init__(self, text: Text, indent: int = 2) -> None:
        self.text, self.indent = text, indent

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.padding import Padding

        width = options.max_width - self.indent
        plain = self.text.plain
        if width < 1 or "\t" in plain or any(cell_len(line) > width for line in plain.split("\n")):
            yield Padding(self.text, (0, 0, 0, self.indent))
            return
        pad = Segment(" " * self.indent)
        for line in self.text.split("\n", allow_blank=True):
            yield pad
            yield from line.render(console, end="")
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        measured = Measurement.get(console, options, self.text)
        return Measurement(measured.minimum + self.indent, measured.maximum + self.indent)


class SafeConsole(Console):
    """A rich Console whose printed text cannot carry terminal controls, with a fast path for plain views.

    rich's own cursor movements and styles are untouched: they are control segments or are added after this."""

    def print(self, *objects: Any, **options: Any) -> None:
        if len(objects) == 1 and not options and isinstance(objects[0], FittedText) and self._writes_plainly():
            plain = objects[0].plain_if_fits(self.width)
            if plain is not None:
                with self._lock:
                    self.file.write(without_controls(plain) + "\n")
                    self.file.flush()
                return
        super().print(*objects, **options)

    def _writes_plainly(self) -> bool:
        """True when rich would write a FittedText's characters as they are: no terminal, no colour, nothing
        capturing, recording or redrawing the output."""
        # rich's own state: output held back (capture, pager, `with console:`) or redrawn (Live, status). Should a
        # rich release rename these, the defaults turn the fast path off rather than bypass them.
        held_back = getattr(self, "_buffer_index", 1) or getattr(self, "_render_hooks", [None])
        return (not held_back and not self.is_terminal and self.color_system is None and not self.record
                and not self.quiet)

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Any:
        for segment in super().render(renderable, options):
            text = segment.text
            if segment.control is None and not text.isprintable() and text != "\n":
                safe = without_controls(text)
                if safe is not text:
                    segment = Segment(safe, segment.style)
            yield segment


def make_console(*, stderr: bool = False, file: IO[str] | None = None, **options: Any) -> SafeConsole:
    """A console for cpictl's views (see the module docstring).

    Off a terminal (a pipe, a file, a CI log) the terminal check and the size are settled once here: rich would
    otherwise ask the system for both (four system calls) on every print, and printing is on the path of every
    call (`make bench`). A pipe cannot be resized, so nothing is lost."""
    settings: dict[str, Any] = {"stderr": stderr, "file": file, "highlight": False, "soft_wrap": False,
                                "markup": False, **options}
    console = SafeConsole(**settings)
    if console.is_terminal or "force_terminal" in options:
        return console
    return SafeConsole(**{**settings, "force_terminal": False, "width": console.width, "height": console.height})
