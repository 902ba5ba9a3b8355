"""The running-call display erases itself: after the call (also after a Ctrl-C, whose `^C` the terminal echoes
where the cursor waits) the screen holds none of the live stderr lines or the spinner, so the call's view shows
each line once."""

from __future__ import annotations

import io
import re

from rich.console import Console

from cpictl.render.progress import running_call

WIDTH = 80
_CSI = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])")


def screen_after(output: str, width: int = WIDTH) -> list[str]:
    """The rows a terminal of `width` columns shows after `output`: printable text wraps at the width; CR, LF,
    cursor up (CSI n A), erase line (CSI 2 K) are obeyed; colours and cursor hiding are ignored."""
    rows, row, column = [""], 0, 0
    position = 0
    while position < len(output):
        escape = _CSI.match(output, position)
        if escape:
            argument, command = escape.groups()
            if command == "A":
                row = max(0, row - int(argument or 1))
            elif command == "K":
                rows[row] = ""
            position = escape.end()
            continue
        char = output[position]
        position += 1
        if char == "\r":
            column = 0
        elif char == "\n":
            row, column = row + 1, 0
        elif char.isprintable():
            if column == width:  # the terminal wraps before the character that does not fit
                row, column = row + 1, 0
            while len(rows) <= row:
                rows.append("")
            rows[row] = rows[row][:column].ljust(column) + char + rows[row][column + 1:]
            column += 1
        while len(rows) <= row:
            rows.append("")
    return [line for line in rows if line.strip()]


def run_display(lines: list[str], *, interrupted: bool) -> list[str]:
    stream = io.StringIO()
    console = Console(file=stream, width=WIDTH, force_terminal=True, color_system=None)
    label = "create_disk → a CPI whose name makes the spinner line reach the edge ....."
    try:
        with running_call(console, label) as on_line:
            for line in lines:
                on_line(line)
            if interrupted:
                stream.write("^C")  # what the terminal echoes at the cursor when Ctrl-C is pressed
                raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    return screen_after(stream.getvalue())


def test_a_finished_call_leaves_nothing_of_its_live_lines():
    assert run_display(["INFO -- cpi: Starting create_disk...", "WARN -- cpi: slow"], interrupted=False) == []


def test_an_interrupted_call_leaves_only_the_terminals_echo():
    shown = run_display(["INFO -- cpi: Starting create_disk..." + "." * 70, "WARN -- cpi: slow"], interrupted=True)
    assert not [row for row in shown if "Starting" in row or "create_disk →" in row], shown
