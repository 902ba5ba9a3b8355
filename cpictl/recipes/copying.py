"""Copying a shipped recipe out with everything it needs, so it runs — and can be edited — from another directory
(`cpictl recipe copy NAME DIR`).

Rules kept:
- The layout below the recipe's own directory is kept (DIR/NAME.yml, DIR/common/…, DIR/assets/…), so its relative
  includes and `./` paths resolve as they did (`cpictl.recipes.needs` finds them).
- Nothing is overwritten without `force`. Every file that exists with other content is named, and then nothing at
  all is written: no half-copied recipe. A file already there with the same bytes is left alone, so two examples
  that share `common/stemcell.yml` can be copied into one directory.
- What is written is private, as every file cpictl writes: files 0600, each written whole (a temporary file
  renamed, so a symlink in the way is replaced, not followed); directories it creates 0700.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cpictl.recipes.needs import needed_files
from cpictl.recipes.shipped import ShippedRecipe


class CopyRefused(Exception):
    """Nothing was copied; the message says why and what to do."""


@dataclass
class Copied:
    """What a copy did: the recipe's new path, the files written, and those already there with the same bytes."""

    recipe: Path
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)


def copy_recipe(recipe: ShippedRecipe, directory: Path, *, force: bool = False) -> Copied:
    """Copy `recipe` and what it needs into `directory` (made if missing). Raises CopyRefused."""
    if directory.exists() and not directory.is_dir():
        raise CopyRefused(f"{directory} is not a directory")
    relative = [Path(recipe.file.name), *needed_files(recipe.file, recipe.root).all()]
    contents = {directory / path: _read(recipe.root / path) for path in relative}
    copied = Copied(directory / recipe.file.name)
    blocked, clashes = [], []
    for destination, data in contents.items():
        state = _state(destination, data, directory)
        if state == "same":
            copied.unchanged.append(destination)
        elif state == "blocked":
            blocked.append(destination)
        elif state == "different" and not force:
            clashes.append(destination)
    if blocked:  # not even --force replaces a directory (or a FIFO, a device) with a file
        raise CopyRefused(f"{_listed(blocked)} cannot be written: something that is not a file is in the way; "
                          "nothing was copied")
    if clashes:
        raise CopyRefused(f"{_listed(clashes)} already exist{'s' if len(clashes) == 1 else ''} with other "
                          "content; nothing was copied (--force replaces them)")
    from cpictl.userdirs import write_private

    for destination, data in contents.items():
        if destination in copied.unchanged:
            continue
        try:
            write_private(destination, data)
        except OSError as error:
            raise CopyRefused(f"cannot write {destination}: {error.strerror or error}") from None
        copied.written.append(destination)
    return copied


def _listed(paths: list[Path]) -> str:
    return ", ".join(map(str, paths))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:  # a damaged install: the recipe is listed but a file of it is gone
        raise CopyRefused(f"cannot read the shipped {path}: {error.strerror or error}") from None


def _state(destination: Path, data: bytes, directory: Path) -> str:
    """absent, same (these bytes are there), different (a file, replaceable), or blocked (a directory, a FIFO or a
    device where the file goes, or a file where one of its directories goes)."""
    parent = destination.parent
    while parent != directory and parent != parent.parent:
        if parent.exists() and not parent.is_dir():
            return "blocked"
        parent = parent.parent
    if not destination.exists():
        return "absent"  # a dangling symlink too: the rename replaces the link itself
    if not destination.is_file():  # never opened: reading a FIFO would block
        return "blocked"
    try:
        return "same" if destination.read_bytes() == data else "different"
    except OSError:  # unreadable: --force replaces it
        return "different"
