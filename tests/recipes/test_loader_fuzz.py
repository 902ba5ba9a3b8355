"""Whatever text a user feeds it, the loader answers with a recipe or a RecipeError — never another exception."""

from __future__ import annotations

import json
import os
import string
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpictl.protocol.catalogue import METHOD_NAMES
from cpictl.recipes import LoadedRecipe, RecipeError, load_recipe_text
from cpictl.recipes.schema import FIELDS_BY_MODEL, PREDICATE_KEYS
from tests.recipes.conftest import BUNDLED

# FUZZ_EXAMPLES=5000 for a longer hunt.
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
KEYS = sorted({key for keys in FIELDS_BY_MODEL.values() for key in keys} | set(PREDICATE_KEYS))
WORDS = st.sampled_from([*KEYS, *METHOD_NAMES, "vm", "disk", "${vm}", "${steps.a.result}", "${x", "$${y}",
                         "[0]", "@", "any", "true", "VMNotFound", "a", "common/stemcell.yml", "../x.yml"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
                    st.text(max_size=12), WORDS)


def _json_like(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.lists(children, max_size=4), st.dictionaries(st.one_of(WORDS, st.text(max_size=6)),
                                                                      children, max_size=5))


VALUES = st.recursive(SCALARS, _json_like, max_leaves=25)
STEP = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6).map(
    lambda step: step if "call" in step or "include" in step else {"call": "info", **step})
RECIPE = st.fixed_dictionaries({"steps": st.lists(st.one_of(STEP, VALUES), max_size=4)},
                               optional={"name": VALUES, "vars": VALUES, "target": VALUES,
                                         "finally": st.lists(STEP, max_size=2), "extra": VALUES})


def load(text: str, base: Path) -> LoadedRecipe | RecipeError:
    try:
        return load_recipe_text(text, "fuzz.yml", base_dir=base)
    except RecipeError as error:
        assert error.problems, "a RecipeError always names at least one problem"
        for problem in error.problems:
            assert problem.format().startswith(problem.location)
        return error


@FUZZ
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_arbitrary_text(tmp_path, text):
    load(text, tmp_path)


@FUZZ
@given(text=st.text(alphabet=string.printable + "-:{}[]&*!|>'\"%@`#,?", max_size=300))
def test_yaml_looking_text(tmp_path, text):
    load(text, tmp_path)


@FUZZ
@given(recipe=RECIPE, flow=st.booleans())
def test_recipe_shaped_data(tmp_path, recipe, flow):
    load(yaml.safe_dump(recipe, default_flow_style=flow, allow_unicode=True), tmp_path)


_BUNDLED_TEXTS = [path.read_text() for path in sorted(BUNDLED.glob("*.yml"))]


@FUZZ
@given(index=st.integers(0, len(_BUNDLED_TEXTS) - 1), cut=st.integers(0, 10_000), length=st.integers(0, 40),
       insert=st.text(alphabet=" -:{}[]\n\t'\"&*$", max_size=5))
def test_mutated_bundled_recipes(index, cut, length, insert):
    text = _BUNDLED_TEXTS[index]
    cut %= len(text) + 1
    result = load(text[:cut] + insert + text[cut + length:], BUNDLED)
    if isinstance(result, LoadedRecipe):
        assert result.steps or result.finally_steps


# -- include paths and limits: whatever a recipe names, the loader answers with problems ---------------------------

INCLUDE_PATHS = st.one_of(
    st.sampled_from(["part.yml", "dir", "fifo", "loop", "binary.yml", "self.yml", "../" * 40 + "etc/passwd",
                     "/dev/zero", "/dev/stdin", "/proc/self/mem", "", ".", "..", "/", "a" * 300, "a/" * 3000 + "x",
                     "x\x00y", "\udc80.yml", "part.yml/", "./part.yml", "//part.yml", "~/part.yml"]),
    st.text(alphabet=string.printable + "\x00/.\udc80", max_size=20))


@pytest.fixture(scope="module")
def include_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("includes")
    (base / "part.yml").write_text("steps: [{call: info}]\n")
    (base / "dir").mkdir()
    os.mkfifo(base / "fifo")
    (base / "loop").symlink_to(base / "loop")
    (base / "binary.yml").write_bytes(b"\xff\xfe\x00steps: x")
    (base / "self.yml").write_text("steps:\n  - include: self.yml\n")
    return base


@FUZZ
@given(paths=st.lists(INCLUDE_PATHS, max_size=3), cpi=st.one_of(st.none(), INCLUDE_PATHS),
       cwd=st.one_of(st.none(), INCLUDE_PATHS))
def test_arbitrary_include_paths(include_dir, paths, cpi, cwd):
    target = {key: value for key, value in (("cpi", cpi), ("cwd", cwd)) if value is not None}
    recipe = {"name": "x", "steps": [{"include": path} for path in paths] + [{"call": "info"}],
              **({"target": target} if target else {})}
    load(json.dumps(recipe), include_dir)  # JSON is YAML, and it writes any string (NUL, surrogates) escaped


def _flow(inner: st.SearchStrategy) -> st.SearchStrategy:
    lists = st.lists(inner, min_size=1, max_size=3).map(lambda items: f"[{', '.join(items)}]")
    maps = st.lists(inner, min_size=1, max_size=2).map(
        lambda items: "{" + ", ".join(f"k{index}: {item}" for index, item in enumerate(items)) + "}")
    return st.one_of(lists, maps)


NESTING = st.recursive(st.sampled_from(["a", "1", "*x", "&x b", "''"]), _flow, max_leaves=12)


@FUZZ
@given(value=NESTING, depth=st.integers(0, 200))
def test_nesting_and_aliases_at_any_depth(tmp_path, value, depth):
    load(f"name: x\nvars:\n  v: {'[' * depth}{value}{']' * depth}\nsteps: [{{call: info}}]\n", tmp_path)
