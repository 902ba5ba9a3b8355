"""The REPL's history file holds every line with its secrets masked (contract §9), as `cpictl.repl.line_masks`
masks it. Only the file is masked: the running session keeps the real line in memory, so Up-arrow and history
suggestions still recall what was typed. Lines of earlier sessions come back from the file masked: sending one
again would send the text `<redacted>`, so such a line needs its values typed again.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from prompt_toolkit.history import FileHistory

from cpictl.repl.line_masks import mask_history_line


class MaskedFileHistory(FileHistory):
    """prompt_toolkit's FileHistory, writing each line masked (`mask_history_line`); memory keeps the real one."""

    def __init__(self, filename: str, api_version: Callable[[], int | None] = lambda: None) -> None:
        super().__init__(filename)
        self._api_version = api_version

    def store_string(self, string: str) -> None:
        # created 0600 should it have gone since `history_path` made it: prompt_toolkit would create it 0644
        os.close(os.open(self.filename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        super().store_string(mask_history_line(string, self._api_version()))
