"""Names that would quietly do the wrong thing are refused when the recipe is loaded, with file:line: a `when` or
`until` that reads a name that is not there, a `save:` that shadows a kind or a variable, a `--var` or an
include's `vars:` key that nothing reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from cpictl.recipes import RecipeError, load_recipe
from tests.recipes.conftest import BUNDLED, only_problem, problems, write


def where(problem) -> tuple[str, int | None, int | None]:
    return Path(problem.file).name, problem.line, problem.column


def test_a_typo_in_when_is_refused_with_did_you_mean(tmp_path):
    found = problems(tmp_path, """
        name: typo
        vars: {flag: true}
        steps:
          - {name: first, call: info}
          - {name: a, call: info, when: "vars.flga"}
          - {name: b, call: info, when: "steps.nosuch.result"}
          - {name: c, call: info, when: "steps.firts.error || vars.flag"}
          - {name: d, call: info, when: "flag"}
        """)
    assert [where(p) for p in found] == [("recipe.yml", 5, 33), ("recipe.yml", 6, 33), ("recipe.yml", 7, 33),
                                         ("recipe.yml", 8, 33)]
    assert found[0].message == "when: vars.flga: no variable or saved value named 'flga' (did you mean 'flag'?)"
    assert found[1].message == "when: steps.nosuch: no earlier step with the id 'nosuch'"
    assert found[2].message == "when: steps.firts: no earlier step with the id 'firts' (did you mean 'first'?)"
    assert "`flag` is neither `vars` nor `steps`" in found[3].message


def test_when_may_read_what_is_known_at_its_step(tmp_path):
    write(tmp_path, "inc.yml", """
        name: inc
        steps:
          - {name: i, call: info, when: "vars.mode == 'fast'"}
        """)
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: fine
        vars: {flag: true}
        steps:
          - {name: first, call: info, save: {version: api_version}}
          - {name: a, call: info, when: "vars.flag && vars.version && steps.first.result"}
          - {name: b, call: info, when: "length(steps.*) > `0` && !(steps.a) || @.vars.flag"}
          - {name: c, call: info, when: "vars.[flag] | [0]"}
          - include: inc.yml
            vars: {mode: fast}
        finally:
          - {name: z, call: info, when: "!(steps.c) || steps.c.error"}
        """))
    assert [step.name for step in recipe.all_steps] == ["first", "a", "b", "c", "i", "z"]


def test_when_reading_a_later_step_or_save_says_so(tmp_path):
    found = problems(tmp_path, """
        name: order
        steps:
          - {name: a, call: info, when: "steps.b.result"}
          - {name: b, call: info, when: "vars.v", save: {v: api_version}}
        """)
    assert [p.message for p in found] == ["when: steps.b: step 'b' runs later than this one",
                                          "when: vars.v is saved by step 'b', which runs later"]


def test_until_reads_only_the_calls_answer(tmp_path):
    found = problems(tmp_path, """
        name: until
        vars: {flag: true}
        steps:
          - {call: info, retry: {attempts: 2, until: "vars.flag || reslt.api_version"}}
          - {call: info, retry: {attempts: 2, until: "result.api_version && !(error) || length(log) > `0`"}}
        """)
    assert [where(p) for p in found] == [("recipe.yml", 4, 46)] * 2
    assert "`vars` is not one of result, error, log" in found[0].message
    assert "`reslt` is not one of result, error, log" in found[1].message
    assert found[1].message.endswith("(did you mean 'result'?)")


@pytest.mark.parametrize(("name", "said"), [
    ("vm", "save name 'vm' is a cloud-ID kind"),
    ("stemcell", "save name 'stemcell' is a cloud-ID kind"),
    ("env", "save name 'env' is reserved for `${env.…}` references"),
    ("steps", "save name 'steps' is reserved for `${steps.…}` references"),
    ("size", "save name 'size' is already a variable"),
    ("image", "save name 'image' is already a variable"),  # a var of an included file
])
def test_a_save_name_may_not_shadow_a_kind_a_reference_form_or_a_variable(tmp_path, name, said):
    write(tmp_path, "inc.yml", """
        name: inc
        vars: {image: x.tgz}
        steps:
          - {name: uses, call: info, args: [], when: "vars.image"}
        """)
    problem = only_problem(tmp_path, f"""
        name: shadow
        vars: {{size: 1}}
        steps:
          - include: inc.yml
          - {{name: s, call: info, save: {{{name}: api_version}}}}
        """)
    assert where(problem)[:2] == ("recipe.yml", 5) and said in problem.message


def test_a_save_shadowing_a_kind_cannot_make_finally_delete_someone_elses_id(tmp_path):
    problem = only_problem(tmp_path, """
        name: hijack
        steps:
          - {name: s, call: info, save: {stemcell: "stemcell_formats[0]"}}
        finally:
          - {name: cleanup, call: delete_stemcell, args: ["${stemcell}"]}
        """)
    assert where(problem) == ("recipe.yml", 3, 34)


def test_an_unknown_var_on_the_command_line_is_refused_with_did_you_mean():
    with pytest.raises(RecipeError) as caught:
        load_recipe(BUNDLED / "walkthrough.yml", cli_vars={"nosuch": 1, "disk_sise": 2})
    found = caught.value.problems
    assert [(p.file, p.message) for p in found] == [
        ("--var nosuch", "the recipe has no variable 'nosuch'; its variables: disk_size, image"),
        ("--var disk_sise", "the recipe has no variable 'disk_sise' (did you mean 'disk_size'?); its variables: "
                            "disk_size, image"),
    ]


def test_a_var_the_recipe_reads_without_declaring_is_accepted(tmp_path):
    path = write(tmp_path, "r.yml", """
        name: reads
        steps:
          - {name: a, call: has_vm, args: ["${vm_cid}"], expect: {ok: any}, when: "vars.probe"}
          - {name: b, call: info, save: {sc: api_version}}
        """)
    recipe = load_recipe(path, cli_vars={"vm_cid": "vm-1", "probe": True})
    assert recipe.steps[0].name == "a"
    with pytest.raises(RecipeError) as caught:
        load_recipe(path, cli_vars={"vm_cid": "vm-1", "probe": True, "sc": 2})
    assert [(p.file, p.message) for p in caught.value.problems] == [
        ("--var sc", "'sc' is a value the recipe saves (step 'b'), not a variable; a --var would be replaced "
                     "half-way through the run")]


def test_an_include_vars_key_the_included_file_never_reads_is_refused(tmp_path):
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "stemcell.yml").write_text((BUNDLED / "common" / "stemcell.yml").read_text())
    problem = only_problem(tmp_path, """
        name: inc
        steps:
          - include: common/stemcell.yml
            vars: {imagee: ./x.tgz}
        """)
    assert where(problem) == ("recipe.yml", 4, 12)
    assert problem.message == ("include vars: common/stemcell.yml neither declares nor reads a variable 'imagee', so "
                               "this value would have no effect (did you mean 'image'?)")


def test_an_include_may_pass_a_var_the_included_file_reads_without_declaring(tmp_path):
    write(tmp_path, "inner.yml", """
        name: inner
        steps:
          - {name: probe, call: has_disk, args: ["${disk_cid}"], expect: {ok: any}}
        """)
    write(tmp_path, "middle.yml", """
        name: middle
        steps:
          - include: inner.yml
        """)
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: outer
        steps:
          - include: middle.yml
            vars: {disk_cid: disk-1}
        """))
    assert [step.name for step in recipe.steps] == ["probe"]


def test_the_negation_hint_does_not_repeat_itself(tmp_path):
    problem = only_problem(tmp_path, """
        name: x
        steps:
          - {name: i, call: info}
          - {call: info, when: "!steps.i"}
        """)
    assert problem.message.endswith("which is always null; write `!(steps.i)`")


def test_an_empty_cpi_argv_is_said_once(tmp_path):
    problem = only_problem(tmp_path, "name: x\ntarget: {cpi: []}\nsteps:\n  - call: info\n")
    assert problem.message == "cpi: needs at least the executable"
