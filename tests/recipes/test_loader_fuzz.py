"""Whatever text a user feeds it, the loader answers with a recipe or a RecipeError — never another exception."""

from __future__ import annotations

import os
import string
from pathlib import Path

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
