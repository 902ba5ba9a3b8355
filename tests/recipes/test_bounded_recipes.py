"""Recipes obey the input limits and never leak what they quote: deep YAML, NUL paths, include chains thousands of
files long and includes that multiply are clear problems (never exit 70); quoted lines have their secrets masked;
a file that is not a recipe at all (/etc/shadow through `../` or a symlink, a credentials file) is named with its
line but none of its lines are quoted."""

from __future__ import annotations

import os
import string
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cpictl.cli.main import main
from cpictl.input_limits import MAX_DEPTH, MAX_INPUT_BYTES
from cpictl.protocol.redaction import MASK, secret_key
from cpictl.recipes import RecipeError, load_recipe, load_recipe_text
from cpictl.recipes.loader import MAX_INCLUDE_DEPTH, MAX_STEPS
from cpictl.recipes.secret_lines import mask_line
from tests.recipes.conftest import only_problem, problems, write

SECRET = "hunter2-s3cr3t"
SHADOW = f"root:$6$salt${SECRET}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"


def check(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, str]:
    code = main(["recipe", "check", str(path)])
    return code, capsys.readouterr().err


# -- limits -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("deep", [" [" * 100_000, " {a: " * 3000 + "x" + "}" * 3000,
                                  "\n" + "".join(f"    {'  ' * level}k:\n" for level in range(500))])
def test_deep_yaml_in_a_recipe_is_a_problem_with_a_position(tmp_path, deep):
    problem = only_problem(tmp_path, "name: x\nsteps: [{call: info}]\nvars:\n  deep:" + deep)
    assert f"nested more than {MAX_DEPTH} deep" in problem.message and problem.line is not None


def test_a_recipe_beyond_the_size_limit_is_refused_unread(tmp_path, capsys):
    path = tmp_path / "huge.yml"
    with path.open("wb") as sparse:
        sparse.truncate(MAX_INPUT_BYTES + 1)
    code, err = check(capsys, path)
    assert code == 2 and "larger than 16 MiB" in err and "internal error" not in err


@pytest.mark.parametrize("where", ["include", "target: {cpi: ", "target: {cwd: "])
def test_a_nul_in_a_path_is_a_problem_not_a_crash(tmp_path, capsys, where):
    if where == "include":
        text = 'name: x\nsteps:\n  - include: "part\\0.yml"\n'
    else:
        text = f'name: x\n{where}"/bin/x\\0y"}}\nsteps: [{{call: info}}]\n'
    code, err = check(capsys, write(tmp_path, "r.yml", text))
    assert code == 2 and "NUL character" in err and "internal error" not in err


def test_a_3000_deep_include_chain_is_a_depth_limit_naming_its_start(tmp_path, capsys):
    for index in range(3000):
        body = f"steps:\n  - include: c{index + 1}.yml\n" if index < 2999 else "steps:\n  - call: info\n"
        (tmp_path / f"c{index}.yml").write_text(body)
    top = write(tmp_path, "top.yml", "name: top\nsteps:\n  - include: c0.yml\n")
    code, err = check(capsys, top)
    assert code == 2 and "internal error" not in err
    assert f"includes nest more than {MAX_INCLUDE_DEPTH} deep: top.yml → c0.yml → c1.yml → …" in err
    assert "too deeply" not in err


def test_includes_up_to_the_depth_limit_load(tmp_path):
    for index in range(MAX_INCLUDE_DEPTH):
        body = f"steps:\n  - include: c{index + 1}.yml\n" if index < MAX_INCLUDE_DEPTH - 1 else \
            "steps:\n  - call: info\n"
        (tmp_path / f"c{index}.yml").write_text(body)
    loaded = load_recipe(write(tmp_path, "top.yml", "name: top\nsteps:\n  - include: c0.yml\n"))
    assert [step.method for step in loaded.steps] == ["info"]


def test_a_cycle_through_a_symlink_is_a_cycle(tmp_path):
    write(tmp_path, "a.yml", "steps:\n  - include: link/a.yml\n")
    (tmp_path / "link").symlink_to(tmp_path)
    found = problems(tmp_path, "name: x\nsteps:\n  - include: a.yml\n")
    assert any("include cycle" in p.message for p in found)


def test_files_that_include_each_other_twice_over_stop_at_the_step_limit(tmp_path):
    """The include form of a billion laughs: 2**30 steps from 31 small files."""
    for level in range(30):
        write(tmp_path, f"l{level}.yml", f"steps:\n  - include: l{level + 1}.yml\n  - include: l{level + 1}.yml\n")
    write(tmp_path, "l30.yml", "steps:\n  - call: info\n")
    found = problems(tmp_path, "name: x\nsteps:\n  - include: l0.yml\n")
    assert [p.message for p in found if "steps" in p.message] == [
        f"the recipe expands to more than {MAX_STEPS} steps (files that include other files several times over?)"]


# -- secrets in quoted lines ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "line"), [
    # a problem on the very line of the secret: the value is masked, the caret still under its token
    (f"name: x\nsteps:\n  - call: create_disk\n    args: [1, {{password: {SECRET}, when: 2024-01-01}}]\n", 4),
    (f"name: x\nvars:\n  db_password: {SECRET}\n  day: 2024-01-01\nsteps: [{{call: info}}]\n", None),
    # a YAML error inside a secret's block scalar
    (f"name: x\nvars:\n  private_key: |\n    {SECRET}\n   \tbad\nsteps: [{{call: info}}]\n", None),
    # a syntax error on a line with a secret, and URL userinfo
    (f"name: x\nvars: {{api_token: {SECRET}, url: 'https://u:{SECRET}@h', x: [}}\nsteps: []\n", 2),
    (f"name: x\nvars:\n  token: *{SECRET}\nsteps: [{{call: info}}]\n", 3),
    (f"name: x\nvars:\n  credentials:\n    user: admin\n    key: {SECRET}\n    when: 2024-01-01\nsteps: []\n", 6),
])
def test_quoted_lines_never_show_a_secret(tmp_path, capsys, text, line):
    path = write(tmp_path, "r.yml", text)
    with pytest.raises(RecipeError) as caught:
        load_recipe(path)
    shown = str(caught.value)
    assert SECRET not in shown, shown
    if line is not None:
        assert any(problem.line == line and problem.source_lines for problem in caught.value.problems), shown
    code, err = check(capsys, path)
    assert code == 2 and SECRET not in err


def test_the_caret_stays_under_its_token_after_masking(tmp_path):
    problem = only_problem(tmp_path, f"name: x\nsteps:\n  - call: info\n    bogus: {{token: {SECRET}, a: 1}}\n"
                                     "    args: [{password: long-secret-value, at: 2024-01-01}]\n")
    assert problem.line == 5 and MASK in problem.source_lines[0]
    quoted, caret = problem.quote()[:2]
    column = caret.index("^") - caret.index("|") + quoted.index("|")
    assert quoted[column:column + len("2024-01-01")] == "2024-01-01"  # not secret: the caret points at it


def test_lines_without_secrets_are_quoted_as_they_are(tmp_path):
    problem = only_problem(tmp_path, "name: x\nsteps:\n  - call: info\n    args: [{a: 2024-01-01}]\n")
    assert problem.source_lines == ("    args: [{a: 2024-01-01}]",) and problem.caret_span is None


# -- files that are not recipes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [
    SHADOW,
    f"[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = {SECRET}\n",
    f"password: {SECRET}\nuser: admin\n",
    f"DB_PASSWORD={SECRET}\nAPI_TOKEN={SECRET}\n",
    f"-----BEGIN RSA PRIVATE KEY-----\n{SECRET}\n-----END RSA PRIVATE KEY-----\n",
    f"{SECRET}\n",
    b"\x00\x01\xff" + SECRET.encode() + b"\n",
])
@pytest.mark.parametrize("how", ["dotdot", "symlink", "top"])
def test_a_file_that_is_not_a_recipe_is_named_but_never_quoted(tmp_path, capsys, content, how):
    secrets_dir = tmp_path / "etc"
    secrets_dir.mkdir()
    target = secrets_dir / "shadow"
    target.write_bytes(content if isinstance(content, bytes) else content.encode())
    recipes = tmp_path / "recipes" / "deep"
    recipes.mkdir(parents=True)
    if how == "symlink":
        (recipes / "common.yml").symlink_to(target)
    include = {"dotdot": "../../etc/shadow", "symlink": "common.yml"}.get(how)
    path = write(recipes, "r.yml", f"name: x\nsteps:\n  - call: info\n  - include: {include}\n") if include \
        else target
    with pytest.raises(RecipeError) as caught:
        load_recipe(path)
    shown = str(caught.value)
    assert SECRET not in shown and "AKIAEXAMPLE" not in shown and "$6$" not in shown, shown
    mine = [p for p in caught.value.problems if p.file.endswith(("shadow", "common.yml"))]
    assert len(mine) == 1 and mine[0].line is not None and not mine[0].source_lines
    assert "its lines are not shown" in mine[0].message
    if include:
        assert "(included from" in mine[0].message
    code, err = check(capsys, path)
    assert code == 2 and SECRET not in err


def test_a_recipe_with_a_mistyped_key_is_still_a_recipe(tmp_path):
    problem = only_problem(tmp_path, "stpes:\n  - call: info\n")
    assert "did you mean 'steps'" in problem.message and problem.source_lines


def test_a_vars_file_that_is_not_one_is_never_quoted(tmp_path):
    write(tmp_path, "shadow", SHADOW)
    recipe = write(tmp_path, "r.yml", "name: x\nsteps: [{call: info}]\n")
    with pytest.raises(RecipeError) as caught:
        load_recipe(recipe, vars_file=tmp_path / "shadow")
    assert SECRET not in str(caught.value) and "not a vars file" in str(caught.value)
    assert all(not p.source_lines for p in caught.value.problems)


def test_an_included_recipe_still_quotes_its_lines(tmp_path):
    write(tmp_path, "part.yml", "steps:\n  - call: has_vm\n    args: [1, 2, 3]\n")
    problem = only_problem(tmp_path, "name: x\nsteps:\n  - include: part.yml\n")
    assert problem.file.endswith("part.yml") and problem.source_lines


@pytest.mark.skipif(not os.path.exists("/etc/shadow") or os.access("/etc/shadow", os.R_OK) is False,
                    reason="needs a readable /etc/shadow (the tests run as root in CI)")
def test_the_real_etc_shadow_through_dotdot(tmp_path):
    depth = len(tmp_path.parts) - 1
    with pytest.raises(RecipeError) as caught:
        load_recipe_text(f"name: x\nsteps:\n  - include: {'../' * depth}etc/shadow\n", "r.yml", base_dir=tmp_path)
    shown = str(caught.value)
    first_line = Path("/etc/shadow").read_text().splitlines()[0]
    assert first_line not in shown and "root:" not in shown and "its lines are not shown" in shown


def test_a_long_line_with_a_problem_per_value_gives_a_bounded_report(tmp_path):
    """20,000 dates under secret keys on one 600 KB line: every problem is kept, the report lists the first
    hundred, each quoting a window of the line (masked) with the caret still under its token."""
    pairs = ", ".join(f"password{index}: 2020-01-{index % 28 + 1:02d}" for index in range(20_000))
    with pytest.raises(RecipeError) as caught:
        load_recipe_text(f"name: x\nvars: {{{pairs}, plain: 2021-02-03}}\nsteps: [{{call: info}}]\n", "r.yml",
                         base_dir=tmp_path)
    error = caught.value
    assert len(error.problems) == 20_001
    report = str(error)
    assert report.startswith("invalid recipe: 20,001 problems") and report.endswith("… and 19,901 more")
    assert len(report) < 200_000 and "2020-01-" not in report  # was 20 MB: the whole line for each problem
    last = error.problems[-1]  # the one date that is no secret, at the far end of the line
    quoted, caret = last.quote()[:2]
    assert quoted.count("…") == 1 and len(quoted) < 1000
    column = caret.index("^") - caret.index("|") + quoted.index("|")
    assert quoted[column:column + len("2021-02-03")] == "2021-02-03"


def test_a_recipe_that_is_not_utf8_is_quoted_masked(tmp_path):
    path = tmp_path / "latin1.yml"
    path.write_bytes(f"name: x\nvars:\n  password: {SECRET}\xe9\nsteps: [{{call: info}}]\n".encode("latin-1"))
    with pytest.raises(RecipeError) as caught:
        load_recipe(path)
    problem = caught.value.problems[0]
    assert "not UTF-8" in problem.message and problem.line == 3
    assert problem.source_lines == (f"  password: {MASK}",) and SECRET not in str(caught.value)


def test_one_file_of_more_steps_than_the_limit(tmp_path):
    problem = only_problem(tmp_path, "name: x\nsteps: [" + "{call: info}, " * (MAX_STEPS + 1) + "]\n")
    assert problem.message == f"the recipe has more than {MAX_STEPS} steps" and problem.line == 2


SECRET_NAMES = ["password", "api_token", "secret_access_key", "private_key", "credentials", "ca_cert"]
PLAIN_NAMES = ["name", "size", "key_name", "private_ip", "type", "url"]
SECRET_KEYS, PLAIN_KEYS = st.sampled_from(SECRET_NAMES), st.sampled_from(PLAIN_NAMES)
VALUES = st.text(alphabet=string.ascii_letters + string.digits + "-_./+=", min_size=4, max_size=12)


@settings(max_examples=300, deadline=None)
@given(pairs=st.lists(st.tuples(st.one_of(SECRET_KEYS, PLAIN_KEYS), VALUES), min_size=1, max_size=5),
       flow=st.booleans(), indent=st.integers(0, 6))
def test_masked_lines_hide_every_secret_and_keep_columns_in_order(pairs, flow, indent):
    body = ", ".join(f"{key}: {value}" for key, value in pairs)
    line = " " * indent + ("{" + body + "}" if flow else body.replace(", ", " # "))
    if not flow:  # one pair per line in block style: the first pair, then a comment
        key, value = pairs[0]
        line = f"{' ' * indent}{key}: {value}"
        pairs = pairs[:1]
    values = [value for _, value in pairs]
    assume(not any(values[i] in values[j] for i in range(len(values)) for j in range(len(values)) if i != j))
    assume(not any(value in key for value in values for key in SECRET_NAMES + PLAIN_NAMES))
    masked = mask_line([line], 0)
    for key, value in pairs:
        if secret_key(key):
            assert value not in masked.text.replace(MASK, "\0"), (line, masked.text)
    columns = [masked.column(column) for column in range(len(line) + 1)]
    assert columns == sorted(columns) and columns[0] >= 0 and columns[-1] <= len(masked.text)
    assert masked.column(indent) == indent  # what comes before the first secret does not move
