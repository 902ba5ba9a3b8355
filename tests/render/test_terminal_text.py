"""`visible_controls`: a CPI's escape sequences are shown as text instead of being obeyed by the terminal, colour
codes are dropped, CRLF reads as LF, and ordinary text (ASCII or not) passes through untouched."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpictl.render.terminal_text import one_line, visible_controls, without_controls

#: What a terminal may obey: C0 controls but tab and newline, DEL, C1 controls, bidi embeddings/overrides/isolates.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize("text", ["", "i-0abc123", "disk 42 attached to vm-7", "[red]not markup[/red]", "✔ ok",
                                  "日本", "ünïcødé ≠ ascii"])
def test_printable_text_is_returned_as_it_is(text):
    assert visible_controls(text) is text


@pytest.mark.parametrize(("text", "shown"), [
    ("\x1b[2J", "\\x1b[2J"),  # clear screen
    ("before\x1b[2Jafter", "before\\x1b[2Jafter"),
    ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),  # retitle the window
    ("\x1b]52;c;aGk=\x07", "\\x1b]52;c;aGk=\\x07"),  # write the clipboard
])
def test_escape_sequences_become_visible_text(text, shown):
    assert visible_controls(text) == shown


def test_concealed_text_is_shown():
    # SGR 8 (conceal) is a style code like a colour: dropped, so the text it would hide is read.
    assert visible_controls("a\x1b[8msecret\x1b[28m") == "asecret"


def test_colour_codes_are_dropped_leaving_the_words():
    assert visible_controls("\x1b[31mred\x1b[0m") == "red"
    assert visible_controls("warn: \x1b[1;33mcareful\x1b[m now") == "warn: careful now"
    assert visible_controls("\x1b[38;2;255;0;0mtruecolor\x1b[39m") == "truecolor"


def test_crlf_becomes_lf_and_a_lone_cr_is_visible():
    assert visible_controls("one\r\ntwo\r\n") == "one\ntwo\n"
    assert visible_controls("progress 10%\rprogress 100%") == "progress 10%\\x0dprogress 100%"


def test_tab_and_newline_are_kept():
    assert visible_controls("a\tb\nc") == "a\tb\nc"


def test_c1_control_and_bidi_override_become_visible():
    assert visible_controls("\x9b2J") == "\\x9b2J"  # the one-byte CSI
    assert visible_controls("abc\u202edef") == "abc\\u202edef"  # right-to-left override
    assert visible_controls("\u2066x\u2069") == "\\u2066x\\u2069"
    assert visible_controls("nul\x00 del\x7f") == "nul\\x00 del\\x7f"


def test_mixed_text_keeps_its_printable_non_ascii_characters():
    assert visible_controls("✔ ok\x1b[2J 日本\r\n") == "✔ ok\\x1b[2J 日本\n"


DANGEROUS = st.sampled_from(["\x1b", "\x1b[", "\x1b]", "\x07", "\r", "\r\n", "\n", "\t", "\x9b", "\x7f", "\x00",
                             "\u202e", "\u2066", "[", "m", ";", "31", "0"])
TEXT = st.lists(st.one_of(DANGEROUS, st.text(max_size=5)), max_size=30).map("".join)


@settings(deadline=None)  # wall-clock deadlines fail on a loaded machine, not on a bug
@given(TEXT)
def test_output_never_holds_a_character_a_terminal_would_obey(text):
    shown = visible_controls(text)
    assert not UNSAFE.search(shown), repr(shown)
    assert visible_controls(shown) == shown  # printing it again changes nothing (no double escaping)


def test_a_lone_surrogate_is_shown_as_its_escape():
    # printed raw it would raise UnicodeEncodeError on any terminal
    assert visible_controls("vm-\ud800x") == "vm-\\ud800x"
    assert without_controls("vm-\udfff") == "vm-\ufffd"  # measured as one cell: stays one cell


@pytest.mark.parametrize(("cid", "shown"), [
    ("vm-1", "vm-1"),
    ("vm-a\nb", "vm-a\\nb"),  # a newline would split the table row
    ("disk-a\tb", "disk-a\\tb"),  # a tab would shift the columns after it
    ("vm-\r\n", "vm-\\r\\n"),
    ("vm-\x1b[31mred", "vm-\\x1b[31mred"),  # colour codes are kept visible: dropped, they would name another ID
    ("vm-\x00\x7f\x9b", "vm-\\x00\\x7f\\x9b"),
    ("vm-\ud800", "vm-\\ud800"),
    ("vm-\u202e\u2028\u200b", "vm-\\u202e\\u2028\\u200b"),  # bidi override, line separator, zero-width space
    ("vm-é日本", "vm-é日本"),
])
def test_one_line_shows_a_cloud_id_on_one_line_with_nothing_dropped(cid, shown):
    assert one_line(cid) == shown


@settings(deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=())))  # surrogates included
def test_one_line_output_is_always_printable_and_one_line(text):
    shown = one_line(text)
    assert shown.isprintable()  # no newline, tab, control, separator or surrogate left
    shown.encode("utf-8")
