"""Build step pyproject.toml cannot say: the example recipes of the top-level `recipes/` go into the wheel as
`cpictl/example_recipes/`, so an installed cpictl has them (`cpictl recipe list`, `cpictl run walkthrough`).

Why here and not as a `package-dir` entry: mapping a package onto `recipes/` would turn the editable install
(`make`) from a plain .pth path entry into setuptools' import-hook finder, which every start-up pays for. An
editable install needs no copy: `cpictl.recipes.examples_dir` finds the checkout's `recipes/` in place.
Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

import os

from setuptools import setup
from setuptools.command.build_py import build_py

SOURCE = "recipes"
PACKAGED = os.path.join("cpictl", "example_recipes")


class BuildPyWithExampleRecipes(build_py):
    """build_py that also copies `recipes/` (every file but hidden ones and caches) into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # the checkout's recipes/ is used where it is
            return
        for target, source in self._example_recipes():
            self.mkpath(os.path.dirname(target))
            self.copy_file(source, target)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        return outputs if self.editable_mode else outputs + [target for target, _ in self._example_recipes()]

    def _example_recipes(self) -> list[tuple[str, str]]:
        """(where in the build, from where) for every file of `recipes/`."""
        pairs = []
        for root, directories, names in os.walk(SOURCE):
            directories[:] = sorted(d for d in directories if not d.startswith(".") and d != "__pycache__")
            for name in sorted(n for n in names if not n.startswith(".")):
                source = os.path.join(root, name)
                pairs.append((os.path.join(self.build_lib, PACKAGED, os.path.relpath(source, SOURCE)), source))
        return pairs


setup(cmdclass={"build_py": BuildPyWithExampleRecipes})
