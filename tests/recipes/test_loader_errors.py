"""A bad recipe is reported as file:line:column with the line quoted and a caret — for every kind of mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from cpictl.recipes import RecipeError, load_recipe, load_recipe_text, parse_var_assignment
from tests.recipes.conftest import only_problem, problems, write


def where(problem) -> tuple[str, int | None, int | None]:
    return Path(problem.file).name, problem.line, problem.column


def test_yaml_syntax_error_points_at_the_problem_mark(tmp_path):
    problem = only_problem(tmp_path, """
        name: x
        steps:
          - call: info
            args: [1, 2
          - call: info
        """)
    assert where(problem) == ("recipe.yml", 5, 9)
    assert problem.message.startswith("YAML syntax error") and "line 4" in problem.message
    text = problem.format()
    assert text.splitlines()[1:] == ["  5 |   - call: info", "    |         ^"]


def test_tab_indentation_is_a_syntax_error_with_position(tmp_path):
    path = tmp_path / "tabs.yml"
    path.write_text("name: x\nsteps:\n\t- call: info\n")
    with pytest.raises(RecipeError) as caught:
        load_recipe(path)
    assert where(caught.value.problems[0]) == ("tabs.yml", 3, 1)


def test_unknown_key_points_at_the_key_and_suggests(tmp_path):
    problem = only_problem(tmp_path, """
        name: x
        steps:
          - call: info
            expct: {ok: true}
        """)
    assert where(problem) == ("recipe.yml", 4, 5)
    assert "unknown key 'expct' in a step (did you mean 'expect'?)" in problem.message
    assert problem.format().splitlines()[2] == "    |     ^^^^^"


@pytest.mark.parametrize(("text", "position", "fragment"), [
    ("name: x\nstep:\n  - call: info\n", (2, 1), "did you mean 'steps'?"),
    ("name: x\ntarget: {api_verison: 2}\nsteps: [{call: info}]\n", (2, 10), "did you mean 'api_version'?"),
    ("name: x\nsteps:\n  - call: info\n    retry: {attempt: 2}\n", (4, 13), "did you mean 'attempts'?"),
    ("name: x\nsteps:\n  - call: info\n    expect: {result: [{pth: a, equals: 1}]}\n", (4, 24), "did you mean 'path'?"),
    ("name: x\nsteps:\n  - call: info\n    expect: {equals: 1}\n", (4, 14), "under expect.result"),
    ("name: x\nsteps:\n  - include: a.yml\n    vars: {}\n    when: x\n", (5, 5), "in an include step"),
])
def test_unknown_keys_everywhere(tmp_path, text, position, fragment):
    found = [p for p in problems(tmp_path, text) if fragment in p.message]
    assert [(p.line, p.column) for p in found] == [position]


def test_wrong_value_type_points_at_the_value(tmp_path):
    problem = only_problem(tmp_path, """
        name: x
        steps:
          - call: create_disk
            args: [1024, {}]
            timeout: soon
        """)
    assert where(problem) == ("recipe.yml", 5, 14)
    assert problem.message == "timeout: expected a number, got a string"


@pytest.mark.parametrize(("snippet", "message"), [
    ("retry: {attempts: 0}", "attempts: expected an integer of at least 1, got 0"),
    ("expect: {ok: maybe}", "ok: must be true, false or any, not 'maybe'"),  # said once, not "ok: ok must"
    ("expect: {result: [{path: a}]}", "needs one of equals"),
    ("expect: {result: [{type: strin}]}", "(did you mean 'string'?)"),
    ("args: 5", "expected a list or a mapping, got an integer"),
    ("api_version: '2'", "api_version: expected an integer"),
    ("when: 3", "when: expected a string or true or false"),
])
def test_schema_errors_are_worded_for_yaml_authors(tmp_path, snippet, message):
    problem = only_problem(tmp_path, f"name: x\nsteps:\n  - call: info\n    {snippet}\n")
    assert problem.line == 4
    assert message in problem.message


def test_unknown_method_suggests_the_close_one(tmp_path):
    problem = only_problem(tmp_path, "name: x\nsteps:\n  - call: creat_vm\n")
    assert where(problem) == ("recipe.yml", 3, 11)
    assert "unknown CPI method 'creat_vm' (did you mean 'create_vm'?)" in problem.message


def test_arguments_are_checked_against_the_catalogue(tmp_path):
    found = problems(tmp_path, """
        name: x
        steps:
          - call: has_vm
            args: [vm-1, vm-2]
          - call: create_disk
            args: {size: big, cloud_properties: {}}
          - call: create_disk
            args: {size: 1, cloud_propertie: {}}
          - call: create_disk
            args: {cloud_properties: {}}
        """)
    assert [(p.line, p.column) for p in found] == [(4, 18), (6, 18), (8, 21), (10, 11)]
    assert "takes 1 argument(s) (vm_cid) at api_version 2, got 2" in found[0].message
    assert "parameter 'size': expected integer, got string 'big'" in found[1].message
    assert "no parameter 'cloud_propertie'" in found[2].message
    assert "did you mean 'cloud_properties'" in found[2].message
    assert "parameter 'size': missing (required)" in found[3].message


def test_arity_follows_the_steps_api_version(tmp_path):
    text = """
        name: x
        steps:
          - call: create_stemcell
            api_version: {version}
            args: [/img, {{}}, {{tags: {{}}}}]
        """
    load_recipe(write(tmp_path, "v3.yml", text.format(version=3)))  # v3 adds `env`
    problem = only_problem(tmp_path, text.format(version=2))
    assert problem.line == 5 and "at api_version 2" in problem.message


def test_a_referenced_value_is_type_checked_only_at_run_time(tmp_path):
    loaded = load_recipe(write(tmp_path, "ok.yml", """
        name: x
        vars: {size: "1024"}
        steps:
          - call: create_disk
            args: ["${size}", {}]
        """))
    assert loaded.steps[0].args_have_references
    problem = only_problem(tmp_path, """
        name: x
        vars: {size: 1}
        steps:
          - call: has_vm
            args: ["${size}", "${size}"]
        """)
    assert "got 2" in problem.message  # arity is still checked


def test_undefined_references(tmp_path):
    found = problems(tmp_path, """
        name: x
        vars: {size: 1}
        steps:
          - call: create_disk
            args: [1024, {}, "${vn}"]
          - call: has_vm
            args: ["${vm_id}"]
          - name: maker
            call: create_vm
            args: [a, s, {}, {}]
            save: {vm_id: "[0]"}
          - call: has_vm
            args: ["${steps.later.result}"]
          - call: has_vm
            args: ["${steps.nope.result}"]
          - call: has_vm
            args: ["${unclosed"]
          - name: later
            call: info
        """)
    assert [(p.line, p.column) for p in found] == [(5, 22), (7, 12), (13, 12), (15, 12), (17, 12)]
    assert "no variable, saved value or cloud-ID kind" in found[0].message
    assert "'vm_id' is saved by step 'maker', which runs later" in found[1].message
    assert "step 'later' runs later than this one" in found[2].message
    assert "no earlier step with the id 'nope'" in found[3].message
    assert "no closing '}'" in found[4].message


def test_known_references_load(tmp_path):
    loaded = load_recipe(write(tmp_path, "ok.yml", """
        name: x
        vars: {size: 1, escaped: "$${not_a_ref}"}
        steps:
          - name: maker
            call: create_vm
            args: [a, "${stemcell}", {}, {}]
            save: {vm_id: "[0]"}
          - call: has_vm
            args: ["${vm_id}"]
          - call: has_vm
            args: ["${steps.maker.result[0]}"]
          - call: create_disk
            args: ["${size}", {x: "${env.HOME}"}, "${vm}"]
        finally:
          - call: delete_vm
            args: ["${vm_id}"]
        """))
    assert [s.id for s in loaded.all_steps] == ["maker", "has_vm-2", "has_vm-3", "create_disk-4", "delete_vm-5"]
    # a step without a name is called by its method
    assert [s.name for s in loaded.all_steps] == ["maker", "has_vm", "has_vm", "create_disk", "delete_vm"]


def test_duplicate_step_ids(tmp_path):
    problem = only_problem(tmp_path, """
        name: x
        steps:
          - id: one
            call: info
          - id: one
            call: info
        """)
    assert where(problem) == ("recipe.yml", 5, 9)
    assert "duplicate step id 'one' (first at" in problem.message and "recipe.yml:3" in problem.message


def test_names_are_free_text_and_may_repeat(tmp_path):
    loaded = load_recipe(write(tmp_path, "ok.yml", """
        name: x
        steps:
          - name: ask the CPI what it is
            call: info
          - name: ask the CPI what it is
            call: info
          - {name: "check: the CPI's info, again (with ${odd} characters)", call: info}
        """))
    assert [s.name for s in loaded.steps] == ["ask the CPI what it is", "ask the CPI what it is",
                                              "check: the CPI's info, again (with ${odd} characters)"]
    assert [s.id for s in loaded.steps] == ["info-1", "info-2", "info-3"]


def test_an_id_is_what_references_use_and_a_name_that_is_an_identifier_still_works(tmp_path):
    loaded = load_recipe(write(tmp_path, "ok.yml", """
        name: x
        steps:
          - {id: vm, name: create the VM, call: create_vm, args: [a, s, {}, {}]}
          - {name: stemcell, call: create_stemcell, args: [i, {}]}
          - call: has_vm
            args: ["${steps.vm.result[0]}"]
            when: "steps.stemcell.result != `null`"
        """))
    assert [(s.id, s.name) for s in loaded.steps] == [("vm", "create the VM"), ("stemcell", "stemcell"),
                                                      ("has_vm-3", "has_vm")]
    assert loaded.step("create the VM") is loaded.steps[0] and loaded.step("vm") is loaded.steps[0]


def test_a_reference_to_a_name_that_is_not_an_id_says_why(tmp_path):
    found = problems(tmp_path, """
        name: x
        steps:
          - {name: check, call: info}
          - {name: check, call: info}
          - {id: info_now, name: now, call: info}
          - call: info
            args: []
            when: "steps.check.result && steps.now.result"
          - call: has_vm
            args: ["${steps.check.result}"]
        """)
    assert [(p.line, p.column) for p in found] == [(8, 11), (8, 11), (10, 12)]
    file = str(tmp_path / "recipe.yml")
    assert found[0].message == (f"when: steps.check: 2 steps are named 'check' ({file}:3, {file}:4): give the one "
                                "you mean an `id` and refer to that")
    assert found[1].message == (f"when: steps.now: the step named 'now' ({file}:5) has the id 'info_now': refer to "
                                "it by that")
    assert found[2].message.startswith("undefined reference ${steps.check.result}: 2 steps are named 'check'")


def test_bad_jmespath_and_regex(tmp_path):
    found = problems(tmp_path, """
        name: x
        steps:
          - call: info
            save: {v: "api_version["}
            retry: {attempts: 2, until: "result =="}
            when: "vars.[x"
            expect:
              result: [{path: "a[", equals: 1}, {path: api_version, matches: "([0-9]"}]
        """)
    assert [(p.line, p.column) for p in found] == [(4, 15), (5, 33), (6, 11), (8, 23), (8, 70)]
    assert all("invalid JMESPath" in p.message for p in found[:4])
    assert "invalid regular expression '([0-9]'" in found[4].message


def test_negating_a_dotted_path_without_parentheses_is_refused(tmp_path):
    # JMESPath reads `!steps.a` as `(!steps).a`: always null, so such a `when` never holds and the cleanup it
    # guards never runs.
    found = problems(tmp_path, """
        name: x
        steps:
          - {name: a, call: info}
          - call: info
            when: "!steps.a || steps.a.error"
          - call: info
            retry: {attempts: 2, until: "result && !result.x[0].y"}
          - call: info
            when: "!(steps.a) || !steps[0] || steps != vars || '!a.b' || !`true`"
        """)
    assert [where(p) for p in found] == [("recipe.yml", 5, 11), ("recipe.yml", 7, 33)]
    assert found[0].message == ("`!steps.a` reads as `(!steps).a` in JMESPath (`!` binds tighter than `.`), which "
                                "is always null; write `!(steps.a)`, i.e. '!(steps.a) || steps.a.error'")
    assert "write `!(result.x[0].y)`" in found[1].message and "(!result).x[0].y" in found[1].message


def test_names_must_be_referenceable(tmp_path):
    found = problems(tmp_path, """
        name: x
        vars: {"my var": 1}
        steps:
          - name: the step
            id: the step
            call: info
            save: {"a.b": api_version}
        """)
    assert [(p.line, p.column) for p in found] == [(2, 8), (5, 9), (7, 12)]
    assert all("cannot be referenced" in p.message for p in found)


def test_expect_contradictions(tmp_path):
    found = problems(tmp_path, """
        name: x
        steps:
          - call: delete_vm
            args: [vm-1]
            expect: {ok: true, error: VMNotFound}
          - call: info
            expect: {ok: false, result: [{exists: true}]}
        """)
    assert [(p.line, p.column) for p in found] == [(5, 31), (7, 33)]


def test_not_a_step(tmp_path):
    found = problems(tmp_path, "name: x\nsteps:\n  - cal: info\n  - just a string\n")
    assert [(p.line, p.column) for p in found] == [(3, 5), (4, 5)]
    assert "(did you mean 'call'?)" in found[0].message
    assert "got a string" in found[1].message


def test_yaml_that_json_cannot_carry(tmp_path):
    found = problems(tmp_path, """
        name: x
        vars: {when: 2024-01-01, big: .inf, 1: one, blob: !!binary aGk=}
        steps:
          - call: info
          - &a {call: info, name: self}
        """)
    messages = [p.message for p in found]
    assert "reads as a YAML date" in messages[0]
    assert "not a finite number" in messages[1]
    assert "keys must be strings" in messages[2]
    assert "reads as a YAML bytes" in messages[3]


def test_duplicate_yaml_keys_are_reported(tmp_path):
    problem = only_problem(tmp_path, "name: x\nsteps:\n  - call: info\n    call: has_vm\n")
    assert where(problem) == ("recipe.yml", 4, 5)
    assert "duplicate key 'call' (first at line 3)" in problem.message


def test_recursive_alias_and_alias_bombs(tmp_path):
    problem = only_problem(tmp_path, "name: x\nvars: {a: &a [*a]}\nsteps: [{call: info}]\n")
    assert "recursive YAML alias" in problem.message
    bomb = "name: x\nvars:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefg":
        previous = chr(ord(level) - 1)
        bomb += f"  {level}: &{level} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, " \
                f"*{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"
    found = problems(tmp_path, bomb + "steps: [{call: info}]\n")
    assert any("expands to more than" in p.message for p in found)


@pytest.mark.parametrize(("text", "message"), [
    ("", "the recipe is empty"),
    ("- call: info\n", "a list, not a mapping"),
    ("name: x\n", "the recipe has no steps"),
])
def test_not_a_recipe(tmp_path, text, message):
    assert message in only_problem(tmp_path, text).message


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.yml"
    path.write_bytes("name: x\nsteps:\n  - call: info\n    description: caf\xe9\n".encode("latin-1"))
    with pytest.raises(RecipeError) as caught:
        load_recipe(path)
    assert where(caught.value.problems[0]) == ("latin1.yml", 4, 21)
    assert "not UTF-8" in caught.value.problems[0].message


def test_missing_file(tmp_path):
    with pytest.raises(RecipeError) as caught:
        load_recipe(tmp_path / "nope.yml")
    assert "cannot read" in str(caught.value) and "No such file" in str(caught.value)


def test_several_problems_in_one_report_in_line_order(tmp_path):
    found = problems(tmp_path, """
        name: x
        steps:
          - call: creat_vm
          - call: has_vm
            args: ["${nope}"]
          - call: info
            save: {v: "["}
        """)
    assert [p.line for p in found] == [3, 5, 7]
    text = str(RecipeError(found))
    assert text.startswith("invalid recipe: 3 problems") and "Traceback" not in text


# -- includes --------------------------------------------------------------------------------------------------


def test_include_problems_point_into_the_included_file(tmp_path):
    write(tmp_path, "common/part.yml", """
        steps:
          - call: has_vm
            args: ["${missing}"]
        """)
    problem = only_problem(tmp_path, "name: x\nsteps:\n  - include: common/part.yml\n")
    assert problem.file.endswith("common/part.yml") and (problem.line, problem.column) == (3, 12)


def test_include_cycle_is_refused_with_the_chain(tmp_path):
    write(tmp_path, "a.yml", "steps:\n  - include: b.yml\n")
    write(tmp_path, "b.yml", "steps:\n  - include: a.yml\n")
    found = problems(tmp_path, "name: x\nsteps:\n  - include: a.yml\n")
    assert any("include cycle: a.yml → b.yml → a.yml" in p.message and p.file.endswith("b.yml") and p.line == 2
               for p in found)


def test_include_self_and_missing(tmp_path):
    found = problems(tmp_path, "name: x\nsteps:\n  - include: recipe.yml\n  - include: gone.yml\n")
    assert [(p.line, p.column) for p in found] == [(3, 14), (4, 14)]
    assert "include cycle" in found[0].message and "cannot read" in found[1].message


def test_target_only_in_the_top_level_recipe(tmp_path):
    write(tmp_path, "part.yml", "target: {api_version: 1}\nsteps: [{call: info}]\n")
    problem = only_problem(tmp_path, "name: x\nsteps:\n  - include: part.yml\n")
    assert problem.file.endswith("part.yml") and problem.line == 1


def test_include_splices_steps_and_stacks_finally(tmp_path):
    write(tmp_path, "part.yml", """
        vars: {image: default-image, size: 5}
        steps:
          - {name: inner, call: create_disk, args: ["${size}", {}], save: {inner_disk: "@"}}
        finally:
          - {name: inner-cleanup, call: delete_disk, args: ["${inner_disk}"]}
        """)
    loaded = load_recipe(write(tmp_path, "top.yml", """
        name: top
        vars: {size: 7}
        steps:
          - {name: first, call: info}
          - include: part.yml
            vars: {size: "${steps.first.result.api_version}"}
          - {name: last, call: has_disk, args: ["${inner_disk}"]}
        finally:
          - {name: outer-cleanup, call: info}
        """))
    assert [s.name for s in loaded.steps] == ["first", "inner", "last"]
    assert [s.name for s in loaded.finally_steps] == ["outer-cleanup", "inner-cleanup"]
    assert [s.index for s in loaded.all_steps] == [1, 2, 3, 4, 5]
    inner = loaded.steps[1]
    assert inner.origin.file.endswith("part.yml") and len(inner.layers) == 1
    assert inner.layers[0].values == {"size": "${steps.first.result.api_version}"}


def test_including_a_step_with_an_id_twice_is_a_duplicate(tmp_path):
    write(tmp_path, "part.yml", "steps:\n  - {id: once, call: info}\n")
    found = problems(tmp_path, "name: x\nsteps:\n  - include: part.yml\n  - include: part.yml\n")
    assert "duplicate step id 'once'" in found[0].message and "included more than once" in found[0].message


def test_including_named_steps_twice_is_fine_until_a_reference_needs_one_of_them(tmp_path):
    write(tmp_path, "part.yml", "steps:\n  - {name: once, call: info}\n")
    twice = "name: x\nsteps:\n  - include: part.yml\n  - include: part.yml\n"
    loaded = load_recipe(write(tmp_path, "twice.yml", twice))
    assert [(s.id, s.name) for s in loaded.steps] == [("info-1", "once"), ("info-2", "once")]
    found = problems(tmp_path, "name: x\nsteps:\n  - include: part.yml\n  - include: part.yml\n"
                               "  - {call: info, when: steps.once.result}\n")
    part = tmp_path / "part.yml"
    assert f"2 steps are named 'once' ({part}:2, {part}:2)" in found[0].message


# -- variables ---------------------------------------------------------------------------------------------------


def test_vars_file_and_cli_vars(tmp_path):
    vars_file = write(tmp_path, "vars.yml", "size: 2048\nname: from-file\n")
    loaded = load_recipe(write(tmp_path, "r.yml", """
        name: x
        vars: {size: 1, name: recipe, other: 3}
        steps: [{call: create_disk, args: ["${size}", {n: "${name}", o: "${other}", extra: "${cli_only}"}]}]
        """), vars_file=vars_file, cli_vars={"name": "cli", "cli_only": True})
    merged: dict = {}
    for layer in loaded.layers:
        merged.update(layer.values)
    assert merged == {"size": 2048, "name": "cli", "other": 3, "cli_only": True}


def test_vars_file_problems_point_into_it(tmp_path):
    vars_file = write(tmp_path, "vars.yml", "size: [1,\n")
    with pytest.raises(RecipeError) as caught:
        load_recipe(write(tmp_path, "r.yml", "name: x\nsteps: [{call: info}]\n"), vars_file=vars_file)
    problem = caught.value.problems[0]
    assert problem.file.endswith("vars.yml") and (problem.line, problem.column) == (2, 1)
    write(tmp_path, "list.yml", "- a\n")
    with pytest.raises(RecipeError, match="a vars file is a mapping"):
        load_recipe(tmp_path / "r.yml", vars_file=tmp_path / "list.yml")


@pytest.mark.parametrize(("text", "expected"), [
    ("size=1024", ("size", 1024)), ("flag=true", ("flag", True)), ("name=web", ("name", "web")),
    ("empty=", ("empty", "")), ("ratio=0.5", ("ratio", 0.5)), ("nothing=null", ("nothing", None)),
    ("day=2024-01-01", ("day", "2024-01-01")), ("list=[1, 2]", ("list", "[1, 2]")),
    ("eq=a=b", ("eq", "a=b")), ("colon=a: b: c", ("colon", "a: b: c")),
])
def test_parse_var_assignment(text, expected):
    assert parse_var_assignment(text) == expected


def test_parse_var_assignment_needs_a_name():
    with pytest.raises(ValueError, match="NAME=VALUE"):
        parse_var_assignment("=1")


def test_load_recipe_text_resolves_includes_against_base_dir(tmp_path):
    write(tmp_path, "part.yml", "steps: [{call: info}]\n")
    loaded = load_recipe_text("name: x\nsteps:\n  - include: part.yml\n", "stdin.yml", base_dir=tmp_path)
    assert [s.method for s in loaded.steps] == ["info"]


def test_a_value_out_of_range_says_what_was_expected_and_what_was_found(tmp_path):
    found = problems(tmp_path, """
        name: x
        target: {api_version: 0}
        steps:
          - {call: info, timeout: -1}
        """)
    assert sorted(problem.message for problem in found) == [
        "api_version: expected 'auto' or an integer of at least 1, got 0",  # one problem for the union, not two
        "timeout: expected a number greater than 0, got -1",
    ]
    assert not [problem for problem in found if "Input should" in problem.message]
