"""Packaging that builds without deprecation warnings (setuptools ≥ 77): the license as an SPDX expression with
the license file beside it, and editable installs in setuptools' default mode — `make` used to ask for the
`compat` mode, which setuptools warns is going away."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

tomllib = pytest.importorskip("tomllib")  # Python 3.11+


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_license_is_an_spdx_expression_with_its_file():
    project = pyproject()["project"]
    assert project["license"] == "Apache-2.0"  # a string: the `{text = …}` table is deprecated
    assert project["license-files"] == ["LICENSE"]
    assert "Apache License" in (ROOT / "LICENSE").read_text()[:200]
    assert not any(c.startswith("License ::") for c in project.get("classifiers", []))  # deprecated beside it


def test_the_build_needs_a_setuptools_that_reads_it():
    [requirement] = pyproject()["build-system"]["requires"]
    minimum = re.fullmatch(r"setuptools>=(\d+)", requirement)
    assert minimum and int(minimum.group(1)) >= 77


def test_editable_installs_use_the_default_mode_with_a_plain_path_entry():
    makefile = (ROOT / "Makefile").read_text()
    assert "editable_mode" not in makefile
    # with the packages' directory named, the default mode writes a .pth path entry, not an import hook
    assert pyproject()["tool"]["setuptools"]["package-dir"] == {"": "."}


def test_the_editable_install_the_tests_run_from_is_a_plain_path_entry_to_the_checkout():
    """`make`'s install: setup.py's build step (the example recipes into wheels) must not make it an import hook;
    an editable cpictl finds the recipes in the checkout (`cpictl.recipes.examples_dir`)."""
    import sysconfig
    from importlib.metadata import distributions

    # the installed record in site-packages (the checkout may hold a stale cpictl.egg-info of an earlier build)
    [installed] = [d for d in distributions(path=[sysconfig.get_paths()["purelib"]]) if d.metadata["Name"] == "cpictl"]
    files = [str(file) for file in installed.files or []]
    [pth] = [file for file in files if file.endswith(".pth")]
    assert Path(installed.locate_file(pth)).read_text().strip() == str(ROOT)
    assert not [file for file in files if "finder" in file]
