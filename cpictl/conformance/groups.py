"""The shipped groups of checks: one recipe each, in `recipes/`, run in this order.

A group recipe is an ordinary recipe (`cpictl run` runs it too) that sets up what it needs, checks, and cleans up
in its `finally` steps. `parts/` holds what several groups include: the inputs with their defaults
(`parts/inputs.yml`), a stemcell and a VM. `assets/image.tgz` is the reference CPI's stand-in stemcell image. They
ship inside the package, so an installed cpictl has them; `cpictl check --list` says where.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

RECIPES_DIR = Path(__file__).resolve().parent / "recipes"
#: The groups, in the order they run (cheapest and most basic first: a CPI whose info is broken fails early).
GROUP_NAMES = ("info", "stemcells", "vms", "disks", "errors", "settings")
#: The reference CPI's stand-in stemcell image (the `image` default, made absolute for any working directory).
DEFAULT_IMAGE = RECIPES_DIR / "assets" / "image.tgz"


def group_file(name: str) -> Path:
    return RECIPES_DIR / f"{name}.yml"


def select_groups(only: list[str] | None) -> list[str]:
    """The groups to run, in suite order; raises ValueError for a name that is no group."""
    if not only:
        return list(GROUP_NAMES)
    from cpictl.recipes.validation import did_you_mean

    for name in only:
        if name not in GROUP_NAMES:
            raise ValueError(f"no group '{name}'{did_you_mean(name, GROUP_NAMES)}; groups: "
                             f"{', '.join(GROUP_NAMES)}")
    return [name for name in GROUP_NAMES if name in only]


@dataclass(frozen=True)
class GroupListing:
    """A group as `cpictl check --list` shows it: its file and its checks (step id, name, method)."""

    name: str
    file: Path
    description: str
    checks: tuple[tuple[str, str, str], ...]


def list_groups() -> list[GroupListing]:
    """Every shipped group with its checks, read from the recipes themselves."""
    from cpictl.recipes import load_recipe

    listings = []
    for name in GROUP_NAMES:
        recipe = load_recipe(group_file(name))
        listings.append(GroupListing(name, group_file(name), recipe.description or "",
                                     tuple((step.id, step.name, step.method) for step in recipe.steps)))
    return listings
