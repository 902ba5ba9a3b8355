"""The bottom toolbar: which CPI, which versions, which session, and how many live IDs of each kind.

prompt_toolkit redraws it often; the counts come from the live-ID index, which only recounts when the journal
changed, so a redraw costs one `stat`.
"""

from __future__ import annotations

from collections.abc import Callable

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


def make_toolbar(state: ReplState, ids: LiveIdIndex) -> Callable[[], FormattedText]:
    return lambda: toolbar_fragments(state, ids)
