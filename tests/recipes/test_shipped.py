"""Finding the shipped recipes and what one needs: the example recipes are the package's copy in a wheel and the
checkout's `recipes/` in an editable install; a recipe needs the files it includes and the `./` files it names
that exist inside its directory — nothing outside it, nothing that is not there."""

from __future__ import annotations

from pathlib import Path

import pytest

from cpictl.recipes import examples_dir as located
from cpictl.recipes.needs import needed_files
from cpictl.recipes.shipped import UnknownRecipe, find_shipped, shipped_names
from tests.conftest import ROOT


def test_the_editable_install_finds_the_checkouts_recipes():
    assert not located.PACKAGED.exists()  # built into wheels only, never into the checkout
    assert located.examples_dir() == ROOT / "recipes"


def test_the_packaged_copy_wins_and_a_lost_one_is_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    packaged, checkout = tmp_path / "cpictl" / "example_recipes", tmp_path / "recipes"
    for directory in (packaged, checkout):
        directory.mkdir(parents=True)
        (directory / "walkthrough.yml").write_text("steps: []\n")
    monkeypatch.setattr(located, "PACKAGED", packaged)
    monkeypatch.setattr(located, "CHECKOUT", checkout)
    assert located.examples_dir() == packaged
    (packaged / "walkthrough.yml").unlink()  # a directory of that name without our recipes is not them
    assert located.examples_dir() == checkout
    (checkout / "walkthrough.yml").unlink()
    assert located.examples_dir() is None
    assert shipped_names()[0] == "check/info"  # the check groups are still there
    with pytest.raises(UnknownRecipe, match="no shipped recipe 'walkthrough'"):
        find_shipped("walkthrough")


def test_a_recipe_needs_its_includes_and_the_files_it_names_inside_its_directory(tmp_path: Path):
    root = tmp_path / "shipped"
    (root / "parts" / "deeper").mkdir(parents=True)
    (root / "assets").mkdir()
    (root / "assets" / "image.tgz").write_bytes(b"image")
    (root / "assets" / "key.pem").write_text("key")
    (tmp_path / "outside.txt").write_text("not ours")
    (root / "top.yml").write_text("""
steps:
  - include: parts/a.yml
  - {call: create_stemcell, args: [./assets/image.tgz, {}]}
  - {call: create_stemcell, args: [./assets/missing.tgz, {}]}
  - {call: create_stemcell, args: [../outside.txt, {}]}
finally:
  - include: parts/a.yml
""")
    (root / "parts" / "a.yml").write_text("""
vars: {key: ./assets/key.pem, nested: {deep: [./deeper/b.yml]}}
steps:
  - include: deeper/b.yml
""")
    (root / "parts" / "deeper" / "b.yml").write_text("steps: [{include: ../../top.yml}]\n")  # a cycle
    needs = needed_files(root / "top.yml", root)
    assert needs.includes == [Path("parts/a.yml"), Path("parts/deeper/b.yml")]
    # key.pem from the top recipe's directory (the CPI's working directory); image.tgz once; nothing missing or
    # outside; b.yml is an include already, not a file besides
    assert sorted(needs.files) == [Path("assets/image.tgz"), Path("assets/key.pem")]


def test_an_unreadable_recipe_needs_nothing(tmp_path: Path):
    (tmp_path / "broken.yml").write_text("steps: [\n")
    assert needed_files(tmp_path / "broken.yml", tmp_path).all() == []
