"""Cloud IDs in a column too narrow for them: shortened in the middle only where the rest still tells them apart.

An ID is never cut at its end: `vm-bb96e2e2-52f1-4945-9…` drops exactly the part that distinguishes two VMs
created in the same second on some IaaSes, and a reader cannot search a log for it. Kept head and tail
(`vm-bb96e2e2…c52737a80373`) can be searched for and compared, so an ID is shortened that way — but only when no
other ID in the same view has the same head and the same tail, which would make the two read alike. Otherwise it
stays whole and its column folds it onto more lines.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len

#: Fewer cells of an ID than this tell the reader too little: the view should count the IDs instead.
MIN_KEPT = 12


def middle_cut(text: str, width: int) -> tuple[str, str]:
    """The head and tail kept when `text` is shown in `width` cells with a `…` between them (the tail a little
    longer: IDs end in their most random part)."""
    keep = max(width - 1, 0)
    head_cells = keep // 2
    head, tail = "", ""
    for char in text:
        if cell_len(head + char) > head_cells:
            break
        head += char
    for char in reversed(text[len(head):]):
        if cell_len(head) + cell_len(char + tail) > keep:
            break
        tail = char + tail
    return head, tail


def fit_id(cid: str, width: int, shown: Sequence[str]) -> str:
    """`cid` as shown in `width` cells: whole when it fits, else `head…tail` when no other ID of `shown` (the IDs of
    the same view) has that head and that tail, else whole (for its column to fold)."""
    if cell_len(cid) <= width or width - 1 < MIN_KEPT:
        return cid
    head, tail = middle_cut(cid, width)
    alike = [other for other in shown if other != cid and other.startswith(head) and other.endswith(tail)]
    return cid if alike else f"{head}…{tail}"
