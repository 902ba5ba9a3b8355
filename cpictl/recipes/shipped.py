"""The recipes that ship with cpictl, by name: what `cpictl recipe list|show|copy NAME` and `cpictl run NAME` find.

Two kinds, told apart by their names:
- examples (`walkthrough`, `lifecycle`, …): the checkout's top-level `recipes/`, wherever this install keeps them
  (`cpictl.recipes.examples_dir`);
- check groups (`check/info`, `check/vms`, …): the recipes of `cpictl check`'s suite (`cpictl.conformance.groups`),
  in suite order. The `check/` prefix keeps every name unique and says what the recipe is for.

A shipped recipe is a YAML file at the top of its directory; the files it includes live in subdirectories
(`common/`, `parts/`). So the names are known from a directory listing without reading any YAML — completion asks
for them on every Tab. Reading a recipe's description and tags (`describe`) is a separate, slower step.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXAMPLE = "example"
CHECK_GROUP = "check"
CHECK_PREFIX = "check/"
_SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True)
class ShippedRecipe:
    """One shipped recipe: its name, its kind (EXAMPLE or CHECK_GROUP) and its file."""

    name: str
    kind: str
    file: Path

    @property
    def root(self) -> Path:
        """The directory it ships in: its includes and assets are found relative to it."""
        return self.file.parent

    @property
    def group(self) -> str | None:
        """The `cpictl check` group this recipe is (`--only GROUP`), for a check group."""
        return self.name.removeprefix(CHECK_PREFIX) if self.kind == CHECK_GROUP else None


class UnknownRecipe(LookupError):
    """No shipped recipe has this name; the message names the closest one and all of them."""

    def __init__(self, name: str, names: list[str]) -> None:
        from cpictl.recipes.validation import did_you_mean

        super().__init__(f"no shipped recipe '{name}'{did_you_mean(name, names)}; shipped recipes: "
                         f"{', '.join(names) or 'none (this install has lost them)'}")


def shipped_recipes() -> list[ShippedRecipe]:
    """Every shipped recipe: the examples (sorted by name), then the check groups in the order the suite runs."""
    from cpictl.conformance.groups import GROUP_NAMES, group_file
    from cpictl.recipes.examples_dir import examples_dir

    found = []
    directory = examples_dir()
    if directory is not None:
        for file in sorted(directory.iterdir()):
            if file.suffix in _SUFFIXES and not file.name.startswith(".") and file.is_file():
                found.append(ShippedRecipe(file.stem, EXAMPLE, file))
    found += [ShippedRecipe(CHECK_PREFIX + name, CHECK_GROUP, group_file(name)) for name in GROUP_NAMES]
    return found


def shipped_names() -> list[str]:
    return [recipe.name for recipe in shipped_recipes()]


def find_shipped(name: str) -> ShippedRecipe:
    """The shipped recipe called `name`. Raises UnknownRecipe."""
    recipes = shipped_recipes()
    for recipe in recipes:
        if recipe.name == name:
            return recipe
    raise UnknownRecipe(name, [recipe.name for recipe in recipes])


def describe(recipe: ShippedRecipe) -> dict[str, Any]:
    """What `cpictl recipe list` shows of a recipe: its name, kind, description, tags and file. A recipe that cannot
    be read is still listed (with an empty description): `cpictl recipe show` and `run` say what is wrong."""
    from cpictl.recipes.discovery import yaml_document

    document = yaml_document(recipe.file)
    description = document.get("description") if isinstance(document, dict) else None
    tags = document.get("tags") if isinstance(document, dict) else None
    return {"name": recipe.name, "kind": recipe.kind,
            "description": " ".join(description.split()) if isinstance(description, str) else "",
            "tags": [tag for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else [],
            "file": str(recipe.file)}

