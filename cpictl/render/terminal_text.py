"""What keeps a CPI's bytes from steering the operator's terminal.

A CPI's log, stderr, error messages, results and IDs are shown as text. Left alone, an escape sequence in any of
them would be obeyed by the terminal: clear the screen, retitle the window, write the clipboard (OSC 52), hide
text, or reorder it with bidi overrides. `visible_controls` turns such characters into visible escapes (`\\x1b`)
and drops colour codes (a CPI's coloured log reads as plain text). Views apply it to CPI text before layout, so
columns line up. `SafeConsole` (console.py) removes any control left in what it prints (`without_controls`), so
a view that forgets is still safe.
"""

from __future__ import annotations

import re

#: Colour and style codes (SGR): dropped, since they only colour text.
_SGR = re.compile(r"\x1b\[[0-9;:]*m")
#: C0 controls but tab and newline, DEL, C1 controls (0x9b is a one-byte CSI), and bidi embeddings/overrides.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible_controls(text: str) -> str:
    """`text` with terminal controls made visible (`\\x1b[2J`), colour codes dropped, CRLF turned into LF."""
    if text.isprintable():  # the common case, checked in C; "\n", "\t" and any control make it False
        return text
    if "\x1b[" in text:
        text = _SGR.sub("", text)
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return _UNSAFE.sub(_escape, text)


def without_controls(text: str) -> str:
    """`text` with terminal controls removed. For text rich has already measured: a control takes no cell there,
    so removing it keeps the layout, where a visible escape would be cut off at the measured width."""
    if text.isprintable():
        return text
    return _UNSAFE.sub("", text)
