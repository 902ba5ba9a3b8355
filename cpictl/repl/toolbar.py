"""The bottom toolbar: which CPI, which versions, which session, and how many live IDs of each kind — or, while
the input continues over several lines, what keeps it open and how to get out.

prompt_toolkit redraws it often; the counts come from the live-ID index, which only recounts when the journal
changed, so a redraw costs one `stat`.
"""

from __future__ import annotations

from collections.abc import Callable

from cpictl.repl.lines import is_incomplete, open_description
from cpictl.repl.live_ids import LiveIdIndex
from cpictl.repl.state import ReplState, target_summary

FormattedText = list[tuple[str, str]]


def toolbar_fragments(state: ReplState, ids: LiveIdIndex) -> FormattedText:
    target = state.target
    counts = ids.counts()
    live = " · ".join(f"{kind} {count}" for kind, count in counts.items()) or "no live IDs"
    version = "omitted" if target.api_version is None else str(target.api_version)
    stemcell = "not sent" if target.stemcell_api_version is None else str(target.stemcell_api_version)
    return [("bold", f" {target_summary(target)} "), ("", f"│ api_version {version} "),
            ("", f"│ stemcell api {stemcell} "), ("", f"│ session {state.session_label} "), ("", f"│ {live} ")]


def continuation_fragments(text: str) -> FormattedText:
    return [("bold", f" continuing: {open_description(text)} is open "), ("", "│ close it to send "),
            ("bold", "│ Ctrl-C cancels "), ("", "│ a line starting with : cancels and runs that command ")]


def make_toolbar(state: ReplState, ids: LiveIdIndex,
                 input_text: Callable[[], str] = lambda: "") -> Callable[[], FormattedText]:
    def fragments() -> FormattedText:
        text = input_text()
        if "\n" in text and is_incomplete(text):
            return continuation_fragments(text)
        return toolbar_fragments(state, ids)

    return fragments
