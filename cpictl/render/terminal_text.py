"""What keeps a CPI's bytes from steering the operator's terminal, or breaking the table they are shown in.

A CPI's log, stderr, error messages, results and IDs are shown as text. Left alone, an escape sequence in any of
them would be obeyed by the terminal: clear the screen, retitle the window, write the clipboard (OSC 52), hide
text, or reorder it with bidi overrides. `visible_controls` turns such characters into visible escapes (`\\x1b`)
and drops colour codes (a CPI's coloured log reads as plain text). Views apply it to CPI text before layout, so
columns line up. `SafeConsole` (console.py) removes any control left in what it prints (`without_controls`), so
a view that forgets is still safe.

A lone surrogate (`\\ud800`: a CPI may put one in an ID, and JSON can carry it) is shown as that escape: no
terminal can show it and no encoder can write it, so printed raw it would raise UnicodeEncodeError.

A cloud ID is shown with `one_line`: every character that is not printable — newline and tab included — as an
escape, and nothing dropped. A newline in an ID would otherwise split its table row into what looks like two
rows, a tab would shift the columns after it, and an ID shown without its colour codes would name an ID that
does not exist. The ID itself stays as it is everywhere else: only its display is escaped.
"""

from __future__ import annotations

import re

#: Colour and style codes (SGR): dropped, since they only colour text.
_SGR = re.compile(r"\x1b\[[0-9;:]*m")
#: C0 controls but tab and newline, DEL, C1 controls (0x9b is a one-byte CSI), bidi embeddings/overrides, and lone
#: surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape_char(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _escape(match: re.Match[str]) -> str:
    return _escape_char(match.group())


def visible_controls(text: str) -> str:
    """`text` with terminal controls made visible (`\\x1b[2J`), colour codes dropped, CRLF turned into LF."""
    if text.isprintable():  # the common case, checked in C; "\n", "\t" and any control make it False
        return text
    if "\x1b[" in text:
        text = _SGR.sub("", text)
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return _UNSAFE.sub(_escape, text)


def one_line(text: str) -> str:
    """`text` (a cloud ID) on one line, every character that is not printable shown as an escape: `vm-1\\nx`,
    `vm\\tx`, `vm-\\x1b[2J`, `vm-\\ud800`, `vm-\\x00`. Nothing is dropped, so what is shown names the real ID."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _NAMED.get(char) or _escape_char(char) for char in text)


#: Longer cloud IDs are shown cut in the middle: real ones stay far below (Azure's resource IDs run to ~300), and a
#: CPI that hands out 10,000 characters must not fill the screen twice over.
LONG_ID = 512


def displayed_id(cid: str) -> str:
    """A cloud ID for a view: `one_line`, and an absurdly long one cut in the middle, saying so."""
    shown = one_line(cid)
    if len(shown) <= LONG_ID:
        return shown
    return f"{shown[:LONG_ID - 96]}…{shown[-64:]} [{len(cid)} characters; -o json shows it whole]"


def without_controls(text: str) -> str:
    """`text` with terminal controls removed. For text rich has already measured: a control takes no cell there,
    so removing it keeps the layout, where a visible escape would be cut off at the measured width. A lone
    surrogate takes one cell there: it becomes U+FFFD, which takes one too and can be written."""
    if text.isprintable():
        return text
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    return _UNSAFE.sub("", text)
