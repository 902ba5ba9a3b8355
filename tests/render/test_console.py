"""`make_console` and `SafeConsole`: a plain view printed off a terminal reads exactly as rich would print it,
styles survive on a terminal, captures still capture, and no CPI escape sequence reaches the output raw whatever
renderable carries it (views make them visible before layout; the console removes any a view let through)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from cpictl.render.console import FittedText, make_console


def styled_text() -> Text:
    text = Text()
    text.append("✔ ok", style="bold green").append("\n")
    text.append("result", style="bold underline").append("\n")
    text.append("  api_version       ", style="dim").append("2", style="cyan").append("\n")
    text.append("request_id ", style="dim").append("cpi-123456   exit 0   12 ms")
    return text


def plain_console(width: int) -> Console:
    return Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False, highlight=False,
                   markup=False)


def test_off_a_terminal_a_fitting_view_is_written_as_its_plain_text_exactly_as_rich_would():
    file = io.StringIO()
    console = make_console(file=file)
    text = styled_text()
    console.print(FittedText(text))
    assert file.getvalue() == text.plain + "\n"
    assert "\x1b" not in file.getvalue()
    reference = plain_console(console.width)
    reference.print(text)
    assert file.getvalue() == reference.file.getvalue()  # type: ignore[attr-defined]


def test_a_line_wider_than_the_console_is_wrapped_by_rich(monkeypatch):
    monkeypatch.setenv("COLUMNS", "30")
    file = io.StringIO()
    console = make_console(file=file)
    assert console.width == 30
    text = Text("the CPI answered with a rather long sentence that cannot fit thirty columns", style="bold")
    console.print(FittedText(text))
    lines = file.getvalue().splitlines()
    assert len(lines) > 1
    assert all(len(line) <= 30 for line in lines), lines
    assert " ".join(" ".join(lines).split()) == text.plain


def test_on_a_terminal_styles_are_kept(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    file = io.StringIO()
    console = make_console(file=file, force_terminal=True, color_system="truecolor", width=80)
    console.print(FittedText(styled_text()))
    out = file.getvalue()
    assert "\x1b[" in out  # rich's style codes: the plain fast path was not taken
    assert Text.from_ansi(out).plain.rstrip("\n") == styled_text().plain


def test_a_capture_gets_the_view_and_the_file_gets_nothing():
    file = io.StringIO()
    console = make_console(file=file)
    with console.capture() as captured:
        console.print(FittedText(Text("captured line", style="bold")))
    assert captured.get() == "captured line\n"
    assert file.getvalue() == ""
    console.print(FittedText(Text("after the capture")))
    assert file.getvalue() == "after the capture\n"


CLIPBOARD = "a\x1b]52;c;aGk=\x07b"  # OSC 52: write the clipboard
CLEAR = "clear\x1b[2J"  # clear the screen


def hostile_renderables() -> dict[str, object]:
    table = Table("log", "state")
    table.add_row(Text(CLIPBOARD), Text(CLEAR))
    return {
        "table cell": table,
        "panel": Panel(Text(f"{CLIPBOARD}\n{CLEAR}"), title="log"),
        "group": Group(Text("before"), Panel(Text(CLIPBOARD)), Text(CLEAR)),
        "fitted text": FittedText(Text(f"{CLIPBOARD}\n{CLEAR}", style="bold")),
        "plain string": f"{CLIPBOARD} {CLEAR}",
    }


def console_of_kind(kind: str, file: io.StringIO) -> Console:
    if kind == "plain":
        return make_console(file=file)
    return make_console(file=file, force_terminal=True, color_system="truecolor", width=80)


@pytest.mark.parametrize("kind", ["plain", "truecolor terminal"])
@pytest.mark.parametrize("what", list(hostile_renderables()))
def test_cpi_escape_sequences_are_shown_not_obeyed_in_any_renderable(monkeypatch, kind, what):
    monkeypatch.delenv("NO_COLOR", raising=False)
    file = io.StringIO()
    console_of_kind(kind, file).print(hostile_renderables()[what])
    out = file.getvalue()
    assert "\x1b]" not in out
    assert "\x1b[2J" not in out
    assert "\x07" not in out
    plain = Text.from_ansi(out).plain if kind != "plain" else out
    assert "a]52;c;aGk=b" in plain  # the control itself is removed; nothing around it is lost
    assert "clear[2J" in plain


def test_text_after_an_escape_in_a_table_cell_is_not_lost():
    """The console's net runs after rich measured the cell (a control takes no cell there), so it removes the
    control instead of widening the text: a visible escape would be cut off at the measured width."""
    file = io.StringIO()
    table = Table("cloud id")
    table.add_row(Text("vm-\x1b[2J1234"))
    make_console(file=file).print(table)
    assert "│ vm-[2J1234 │" in file.getvalue()


def test_off_a_terminal_the_size_is_settled_once(monkeypatch):
    monkeypatch.setenv("COLUMNS", "123")
    monkeypatch.setenv("LINES", "45")
    console = make_console(file=io.StringIO())
    assert console.is_terminal is False
    assert tuple(console.size) == (123, 45)
    monkeypatch.setenv("COLUMNS", "50")
    monkeypatch.setenv("LINES", "10")
    assert tuple(console.size) == (123, 45)
    console.print(Text("word " * 40))
    assert max(len(line) for line in console.file.getvalue().splitlines()) > 50  # type: ignore[attr-defined]


def test_off_a_terminal_without_columns_the_width_is_rich_default(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)
    console = make_console(file=io.StringIO())
    assert console.is_terminal is False
    reference = Console(file=io.StringIO())
    assert tuple(console.size) == tuple(reference.size)


def test_tabs_go_through_rich_which_expands_them(monkeypatch):
    """rich counts a tab as no cell; written raw, a line of tabs could overrun the width. Through rich's Text path
    tabs become spaces and the line is wrapped to the width."""
    monkeypatch.setenv("COLUMNS", "30")
    file = io.StringIO()
    make_console(file=file).print(FittedText(Text("note\t" + "\t".join("abcdefg"))))
    out = file.getvalue()
    assert "\t" not in out
    assert all(len(line) <= 30 for line in out.splitlines()), out


def test_a_given_width_is_kept_off_a_terminal():
    file = io.StringIO()
    console = make_console(file=file, width=20)
    assert console.width == 20
    console.print(FittedText(Text("twenty-one characters")))
    assert all(len(line) <= 20 for line in file.getvalue().splitlines())


def test_output_held_back_by_rich_keeps_its_order():
    """Inside `with console:` rich holds output until the block ends; a plain view must queue behind it."""
    file = io.StringIO()
    console = make_console(file=file)
    with console:
        console.print("first")
        console.print(FittedText(Text("second")))
        assert file.getvalue() == ""
    assert file.getvalue() == "first\nsecond\n"


def test_off_a_terminal_a_fitting_view_skips_richs_rendering(monkeypatch):
    """The one-write path relies on rich's private `_buffer_index`/`_render_hooks`; should a rich release rename
    them the path turns itself off (correct, but slow): this says so before `make bench` does."""
    from cpictl.render.console import SafeConsole

    def not_expected(*args, **kwargs):
        raise AssertionError("a fitting plain view went through rich's rendering")

    file = io.StringIO()
    console = make_console(file=file)
    monkeypatch.setattr(SafeConsole, "render", not_expected)
    console.print(FittedText(Text("✔ ok", style="bold green")))
    assert file.getvalue() == "✔ ok\n"
