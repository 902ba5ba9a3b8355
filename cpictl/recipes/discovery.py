"""Which files `cpictl run PATH…` runs, and their tags: a file named on the command line always, and in a directory
every `*.yml` / `*.yaml` recipe, in sorted order, its subdirectories included (hidden ones left out).

A directory holds more than recipes, and none of it may run by mistake:

- a YAML file without `steps:` or `finally:` (a vars file, a CPI config) is not a recipe; one that has other
  recipe keys (`name:`, `target:`, a misspelt `step:`) is reported as such, loudly (`Found.suspicious`);
- a recipe another recipe of the directory includes (`recipes/common/stemcell.yml`) is a part of those, not a
  recipe of its own: run alone it would upload a stemcell and delete it again.

Each is listed with the reason (`-v` shows them), so a recipe with a typo in `steps:` is not skipped in silence.
A file that is not even YAML is kept: loading it reports the problem. Files are read with the bounded reader
every recipe input uses, and nothing of their content is ever shown here. The tags (`tags: [..]`) are read from
the YAML as well, so `--tag` can choose before any recipe is loaded: a recipe without the tag stays out of the
run even if it would not load; one whose YAML does not parse (its tags unknown) stays in, and says why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cpictl.recipes.sources import read_recipe_bytes

SUFFIXES = (".yml", ".yaml")


@dataclass
class Found:
    """The recipes to run (in order), the tags each declares, and the files of the directories that are not."""

    recipes: list[Path] = field(default_factory=list)
    tags: dict[Path, tuple[str, ...] | None] = field(default_factory=dict)  # None: unreadable, tags unknown
    left_out: list[tuple[Path, str]] = field(default_factory=list)  # (file, why it is not run)
    suspicious: list[Path] = field(default_factory=list)  # left out, but with recipe keys: to be said always


def find_recipes(paths: list[Path]) -> Found:
    """The recipes `paths` name (module docstring). Raises FileNotFoundError for a path that does not exist."""
    found = Found()
    from_directories: set[Path] = set()
    documents: dict[Path, Any] = {}
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise FileNotFoundError(str(path))
        files = _yaml_files(path) if path.is_dir() else [path]
        for file in files:
            if file in documents:
                continue
            documents[file] = yaml_document(file)
            if path.is_dir():
                from_directories.add(file)
                keys = set(documents[file]) if isinstance(documents[file], dict) else None
                if keys is not None and not {"steps", "finally"} & keys:
                    found.left_out.append((file, "not a recipe: it has no `steps:`"))
                    if _recipe_like(keys):
                        found.suspicious.append(file)
                    continue
            found.recipes.append(file)
    included = _included_by(found.recipes, documents)
    for file in [f for f in found.recipes if f in from_directories and f.resolve() in included]:
        found.recipes.remove(file)
        found.left_out.append((file, f"included by {included[file.resolve()]}, not a recipe of its own"))
    for file in found.recipes:
        found.tags[file] = _tags(documents[file])
    return found


def _recipe_like(keys: set[Any]) -> bool:
    """Keys only a recipe would have (a vars file may well have a `name`): `target`, `as`, `tags`, `description`,
    or a misspelling of `steps`/`finally`."""
    from cpictl.recipes.validation import did_you_mean

    words = {key for key in keys if isinstance(key, str)}
    return bool(words & {"target", "as", "tags", "description"}) or any(
        did_you_mean(word, ["steps", "finally"]) for word in words)


def _yaml_files(directory: Path) -> list[Path]:
    files = []
    for root, directories, names in os.walk(directory):  # symlinked directories are not followed: no loops
        directories[:] = sorted(d for d in directories if not d.startswith("."))
        files += [Path(root) / name for name in sorted(names) if name.endswith(SUFFIXES) and not name.startswith(".")]
    return files


def yaml_document(file: Path) -> Any:
    """The file's YAML, read with the bounded reader, or None when it cannot be read as YAML (loading it will say
    why). Also what `cpictl.recipes.shipped` and `needs` read a recipe's keys with."""
    import yaml

    try:
        return yaml.load(read_recipe_bytes(file), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, ValueError, yaml.YAMLError, RecursionError):
        return None


def _included_by(recipes: list[Path], documents: dict[Path, Any]) -> dict[Path, str]:
    """Resolved path of every file a recipe includes → the (first) recipe that includes it."""
    included: dict[Path, str] = {}
    for recipe in recipes:
        document = documents.get(recipe)
        if not isinstance(document, dict):
            continue
        for key in ("steps", "finally"):
            steps = document.get(key)
            for step in steps if isinstance(steps, list) else []:
                target = step.get("include") if isinstance(step, dict) else None
                if isinstance(target, str) and "\0" not in target:
                    resolved = (recipe.parent / target).resolve()
                    if resolved != recipe.resolve():  # a recipe that includes itself is a cycle its loading reports
                        included.setdefault(resolved, str(recipe))
    return included


def _tags(document: Any) -> tuple[str, ...] | None:
    if not isinstance(document, dict):
        return None
    tags = document.get("tags", [])
    return tuple(tag for tag in tags if isinstance(tag, str)) if isinstance(tags, list) else None
