"""The recipe `cpictl help recipes` and the README show runs as shown against the bundled reference CPI, and
leaves nothing behind."""

from __future__ import annotations

import json
import re

from tests.cli.test_run import RECIPES, live, run
from tests.conftest import ROOT


def test_the_readme_recipe_passes_and_cleans_up(capsys, tmp_path):
    readme = (ROOT / "cpictl" / "help_topics" / "recipes.md").read_text()
    [recipe] = re.findall(r"```yaml\n(.*?)```", readme, flags=re.DOTALL)
    for shared in ("common", "assets"):  # what the recipe includes and uploads, as beside the bundled recipes
        (tmp_path / shared).symlink_to(RECIPES / shared)
    (tmp_path / "sample.yml").write_text(recipe)
    code, out, err = run(capsys, "run", str(tmp_path / "sample.yml"), "-o", "json")
    assert code == 0, out + err
    steps = {step["name"]: step["status"] for step in json.loads(out)["steps"]}
    assert steps["attach it"] == "passed" and set(steps.values()) == {"passed"}
    assert live(capsys) == []
