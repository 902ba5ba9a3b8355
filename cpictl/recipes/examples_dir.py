"""Where the example recipes are: `cpictl/example_recipes/` in an installed wheel (setup.py copies the checkout's
top-level `recipes/` there), the checkout's `recipes/` itself in an editable install, which is a plain path entry
to the checkout and so has no copy.

One job, no reading: `cpictl.recipes.shipped` says which recipes these are.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent
#: In a wheel: package data beside the modules.
PACKAGED = _PACKAGE / "example_recipes"
#: In a checkout (editable install): the top-level recipes/ next to the package.
CHECKOUT = _PACKAGE.parent / "recipes"


def examples_dir() -> Path | None:
    """The directory of the example recipes, or None when this cpictl has none (a damaged install)."""
    for candidate in (PACKAGED, CHECKOUT):
        if (candidate / "walkthrough.yml").is_file():  # a file of ours, not any directory that happens to be there
            return candidate
    return None
