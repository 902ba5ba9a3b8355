"""RECIPE arguments of `cpictl run` and `cpictl recipe check`: a file or directory, or the name of a shipped recipe
(`cpictl recipe list`), so `cpictl run walkthrough` works from any directory of an installed cpictl.

Rules kept:
- An existing path always wins: a file or directory called `walkthrough` in the working directory is what runs.
- A name stands for the shipped file itself, so its includes and `./assets/…` resolve beside it as usual.
- An argument that is neither says so where the missing file is reported, with a hint naming the closest shipped
  recipe and `cpictl recipe list`.
"""

from __future__ import annotations

import contextlib
from pathlib import Path


def shipped_or_given(arguments: list[Path]) -> list[Path]:
    """Each argument as given, or, when no such path exists and a shipped recipe has that name, that recipe's file."""
    resolved = []
    for argument in arguments:
        if not argument.exists() and not argument.is_symlink():
            from cpictl.recipes.shipped import UnknownRecipe, find_shipped

            # no such name either: left as it is, and reported as a missing file where it is read (`not_found_hint`)
            with contextlib.suppress(UnknownRecipe):
                argument = find_shipped(str(argument)).file
        resolved.append(argument)
    return resolved


def not_found_hint(path: Path) -> str | None:
    """For a recipe argument that does not exist: where to find the shipped ones (None when it does exist)."""
    if path.exists() or path.is_symlink():
        return None
    from cpictl.recipes.shipped import shipped_names
    from cpictl.recipes.validation import did_you_mean

    close = did_you_mean(str(path), shipped_names())
    return f"no shipped recipe is called that either{close}: `cpictl recipe list` lists them"
