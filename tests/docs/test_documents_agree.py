"""The documents a user reads beside the README say what it says: recipes/README.md lists exactly the recipes
that ship, with their own tags, and points at the one description of the format instead of keeping a second
copy; the README's completion lines are the ones completions/README.md (and `cpictl help completion`) give."""

from __future__ import annotations

import re

import yaml

from cpictl.help_topics import load_topic
from tests.conftest import ROOT

RECIPES = ROOT / "recipes"


def recipes_table() -> dict[str, list[str]]:
    text = (RECIPES / "README.md").read_text()
    rows = re.findall(r"^\| `([^`]+)` \|([^|]*)\|", text, flags=re.MULTILINE)
    return {name: [tag.strip() for tag in tags.split(",") if tag.strip()] for name, tags in rows}


def test_the_recipes_readme_lists_every_shipped_recipe_with_its_own_tags():
    table = recipes_table()
    shipped = {path.relative_to(RECIPES).as_posix() for path in RECIPES.rglob("*.yml")}
    assert set(table) == shipped
    for name, tags in table.items():
        assert tags == (yaml.safe_load((RECIPES / name).read_text()).get("tags") or []), name


def test_the_recipes_readme_points_at_the_format_instead_of_copying_it():
    text = (RECIPES / "README.md").read_text()
    assert "cpictl help recipes" in text and "../README.md#recipes" in text
    format_words = load_topic("recipes").text.split("## The format in one example", 1)[1][:400]
    assert format_words not in text and "```yaml" not in text
    for command in ("cpictl recipe list", "cpictl recipe show NAME", "cpictl recipe copy NAME"):
        assert command in " ".join(text.split()), command


def test_the_readme_loads_completion_as_completions_readme_says():
    readme = (ROOT / "README.md").read_text().split("## Shell completion", 1)[1].split("\n## ", 1)[0]
    [block] = re.findall(r"```sh\n(.*?)```", readme, flags=re.DOTALL)
    topic = load_topic("completion").text
    for line in block.splitlines():
        command = line.split("  #")[0].strip()
        assert f"`{command}`" in topic, command
    assert "completions/README.md" in readme
