"""What a recipe needs beside itself to run from another directory: the files it includes (and those include), and
the files its values name by a relative path (`image: ./assets/image.tgz`). `cpictl recipe show` lists them and
`cpictl recipe copy` copies them.

Rules kept:
- Only `./…` and `../…` values count as paths (the form the recipe format documents for relative paths). They are
  looked up where a run looks for them: from the top-level recipe's directory, which is the CPI's working
  directory, and from the file that says them (an include, a `target.cpi` item).
- Only files inside `root` (the directory the recipe ships in) are needed: anything else is not ours to copy.
- A value that names no existing file is not needed: `./assets/no-such-image.tgz` is a probe for an error answer.
- Files are read with the bounded reader every recipe input uses; one that cannot be read adds nothing (running
  the recipe says what is wrong with it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cpictl.recipes.discovery import yaml_document

_STEP_LISTS = ("steps", "finally")


@dataclass
class Needs:
    """Paths relative to the root, in the order they were found, each once."""

    includes: list[Path] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def all(self) -> list[Path]:
        return self.includes + self.files


def needed_files(recipe: Path, root: Path) -> Needs:
    """What `recipe` (a file inside `root`) needs to run, as paths relative to `root`."""
    root = root.resolve()
    top = recipe.resolve().parent
    needs = Needs()
    seen = {recipe.resolve()}
    queue = [recipe.resolve()]
    while queue:
        file = queue.pop(0)
        document = yaml_document(file)
        for target in _includes(document):
            included = _inside(root, file.parent / target)
            if included is not None and included not in seen and included.is_file():
                seen.add(included)
                queue.append(included)
                needs.includes.append(included.relative_to(root))
        for value in _relative_values(document):
            for base in (top, file.parent):
                found = _inside(root, base / value)
                if found is not None and found not in seen and found.is_file():
                    seen.add(found)
                    needs.files.append(found.relative_to(root))
    return needs


def _inside(root: Path, path: Path) -> Path | None:
    resolved = path.resolve()
    return resolved if resolved.is_relative_to(root) else None


def _includes(document: Any) -> Iterator[str]:
    if not isinstance(document, dict):
        return
    for key in _STEP_LISTS:
        steps = document.get(key)
        for step in steps if isinstance(steps, list) else []:
            target = step.get("include") if isinstance(step, dict) else None
            if isinstance(target, str) and "\0" not in target:
                yield target


def _relative_values(value: Any) -> Iterator[str]:
    """Every string in the document written as a relative path, keys left out (iterative: no depth limit)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and item.startswith(("./", "../")) and "\0" not in item:
            yield item

