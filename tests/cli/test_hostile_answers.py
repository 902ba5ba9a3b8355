"""No CPI answer can break a session (issue 10, point 2): a small hostile CPI answers create_vm/create_disk with one
odd ID or odd document per case, and answers has_*/delete_* by whether it got back exactly the ID it gave.

For every case: `cpictl call` gives the documented exit code and the verdict, `-o json`/`-o yaml` are strict, the
ID is journalled as given (or, for NaN as the result, nothing is: the call is listed as one that may have created
something), and `ids`, `ids -o json`, `ids verify`,
`cleanup --yes` and a recipe whose `finally` step deletes what it created all work — documented exit codes, never
70, never a traceback — and address the resource with exactly the ID the CPI gave.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from cpictl.cli.main import main
from tests.conftest import cpictl_bin, write_cpi

DEEP = 1_000
DEEP_AROUND = "around the ID"


@dataclass(frozen=True)
class Case:
    name: str
    method: str  # create_vm or create_disk
    answer: str  # the whole stdout of the create call, written as is
    cid: str | None  # the ID the CPI means (None: it created nothing cpictl can name)
    exit_code: int  # of `cpictl call`: 0 ok, 3 misbehaved
    verdicts: dict[str, str]  # violation code -> severity that must be among the call's violations
    wire: bytes = b""  # bytes later requests must carry the ID as (a JSON escape and a raw byte decode alike)


def envelope(result_json: str) -> str:
    return '{"result":' + result_json + ',"error":null,"log":""}'


def vm_answer(cid_json: str, networks: str = "{}") -> str:
    return envelope(f"[{cid_json},{networks}]")


CASES = [
    Case("lone surrogate", "create_vm", vm_answer('"vm-\\ud800x"'), "vm-\ud800x", 3,
         {"json.lone-surrogate": "error"}),
    Case("NUL", "create_disk", envelope('"disk-\\u0000x"'), "disk-\x00x", 3, {"cloud-id.nul": "error"}),
    Case("newline", "create_vm", vm_answer('"vm-a\\nb"'), "vm-a\nb", 0,
         {"cloud-id.control-characters": "warning"}),
    Case("tab", "create_disk", envelope('"disk-a\\tb"'), "disk-a\tb", 0, {"cloud-id.control-characters": "warning"}),
    Case("escape sequences", "create_vm", vm_answer('"vm-\\u001b[2J\\u001b]0;t\\u0007x"'), "vm-\x1b[2J\x1b]0;t\x07x",
         0, {"cloud-id.control-characters": "warning"}),
    Case("10,000 characters", "create_disk", envelope('"' + "d" * 10_000 + '"'), "d" * 10_000, 0,
         {"cloud-id.long": "warning"}),
    Case("1,000-deep nesting around the ID", "create_vm", envelope("[" * DEEP + '"vm-deep",{}' + "]" * DEEP),
         "vm-deep", 3, {"json.too-deep": "error", "result.wrong-type": "error"}),
    Case("1,000-deep nesting beside the ID", "create_vm", vm_answer('"vm-beside"', "[" * DEEP + "]" * DEEP),
         "vm-beside", 3, {"json.too-deep": "error"}),
    Case("5,000-digit integer", "create_vm", vm_answer('"vm-big"', '{"n":' + "7" * 5_000 + "}"), "vm-big", 3,
         {"json.number-beyond-float": "error"}),
    Case("NaN as the result", "create_disk", envelope("NaN"), None, 3,
         {"json.non-finite": "error", "result.wrong-type": "error"}),
    Case("NaN beside a valid ID", "create_vm", vm_answer('"vm-nan"', '{"x":NaN,"y":-Infinity}'), "vm-nan", 3,
         {"json.non-finite": "error"}),
    # written as raw bytes: surrogateescape turns "\udcff" into the byte 0xff (hostile_cpi)
    Case("bytes that are not UTF-8", "create_vm", vm_answer('"vm-\udcff\udcfe"'), "vm-\udcff\udcfe", 3,
         {"stdout.invalid-utf8": "error", "cloud-id.invalid-utf8": "error"}, wire=b'"vm-\xff\xfe"'),
]
CREATE_ARGS = {"create_vm": ["agent-1", "sc-1", "{}", "{default: {type: dynamic}}"],
               "create_disk": ["1024", "{}", "null"]}
KIND = {"create_vm": "vm", "create_disk": "disk"}


def hostile_cpi(tmp_path: Path, case: Case) -> Path:
    answer = tmp_path / "answer.json"
    answer.write_bytes(case.answer.encode("utf-8", "surrogateescape"))
    return write_cpi(tmp_path / "hostile_cpi.py", f"""
import json, sys
raw = sys.stdin.buffer.read()
request = json.loads(raw.decode("utf-8", "surrogateescape"))
method, args = request["method"], request["arguments"]
given = {case.cid!r} if {case.wire!r} in raw else None  # the ID this CPI handed out, as it wrote it
if method == "info":  # a well-behaved info: the callers negotiate with it before every operation
    json.dump({{"result": {{"api_version": 2, "stemcell_formats": ["raw"]}}, "error": None, "log": ""}}, sys.stdout)
elif method.startswith("create_"):
    sys.stdout.buffer.write(open({str(answer)!r}, "rb").read())
elif method.startswith("has_"):
    json.dump({{"result": args[0] == given, "error": None, "log": ""}}, sys.stdout)
elif args[0] == given:  # delete_vm / delete_disk of exactly the ID given
    json.dump({{"result": None, "error": None, "log": ""}}, sys.stdout)
else:
    json.dump({{"result": None, "log": "", "error": {{"type": "Bosh::Clouds::CloudError",
               "message": "not the ID I gave: " + ascii(args[0]), "ok_to_retry": False}}}}, sys.stdout)
""")


def refuse_constant(token: str) -> None:
    raise ValueError(f"not strict JSON: {token}")


def strict(text: str):
    """A strict parser: no NaN/Infinity; integers of any length (Decimal has no digit limit)."""
    return json.loads(text, parse_constant=refuse_constant, parse_int=Decimal)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code != 70 and "Traceback" not in err, err
    return code, out, err


def shown(cid: str) -> str:
    """How a table shows the ID: every unprintable character escaped, on one line (`vm-a\\nb`)."""
    return "".join(char if char.isprintable() else {"\n": "\\n", "\t": "\\t"}.get(char)
                   or char.encode("unicode_escape").decode() for char in cid)


def in_one_row(out: str, *cells: str) -> None:
    """Some line of the output holds every cell: a newline or tab in the ID did not split its row."""
    assert any(all(cell in line for cell in cells) for line in out.splitlines()), (cells, out)


def no_raw_controls(out: str) -> None:
    """Nothing a CPI sent reaches the terminal raw: no ESC, BEL, NUL, and no lone surrogate (it could not even be
    written); tabs are escaped or expanded."""
    for char in "\x1b\x07\x00\t\ud800":
        assert char not in out, f"{char!r} in output"


@pytest.fixture(params=CASES, ids=[case.name for case in CASES])
def case(request) -> Case:
    return request.param


def test_call_gives_a_verdict_and_strict_machine_output(capsys, tmp_path, case):
    cpi = hostile_cpi(tmp_path, case)
    code, out, _ = run(capsys, "call", case.method, *CREATE_ARGS[case.method], "--cpi", str(cpi), "-o", "json")
    document = strict(out)
    assert code == case.exit_code
    found = {v["code"]: v["severity"] for v in document["violations"]}
    assert case.verdicts.items() <= found.items(), found
    created = [c["cid"] for c in document["cloud_ids"]["created"]]
    assert created == ([case.cid] if case.cid is not None else [])
    if "json.number-beyond-float" in case.verdicts:  # written as the exact digits it came as
        assert document["response"]["result"][1]["n"] == Decimal("7" * 5_000)
    code, out, _ = run(capsys, "ids", "-o", "yaml")
    assert code == 0
    assert [r["cid"] for r in yaml.load(out, Loader=BigIntLoader) if r["kind"] != "call"] == \
        ([case.cid] if case.cid is not None else [])


class BigIntLoader(yaml.SafeLoader):
    """PyYAML's safe loader, reading integers of any length (as Decimal: Python's int() stops at 4,300 digits)."""


BigIntLoader.add_constructor("tag:yaml.org,2002:int", lambda loader, node: Decimal(loader.construct_scalar(node)))


def finite(value) -> bool:
    """No NaN or infinity anywhere in a loaded document (YAML spells them .nan and .inf)."""
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    if isinstance(value, dict):
        return all(finite(item) for item in value.values())
    if isinstance(value, list):
        return all(finite(item) for item in value)
    return True


def test_call_table_and_yaml_views_show_the_id_escaped(capsys, tmp_path, case):
    cpi = hostile_cpi(tmp_path, case)
    code, out, _ = run(capsys, "call", case.method, *CREATE_ARGS[case.method], "--cpi", str(cpi), "-o", "yaml")
    assert code == case.exit_code
    document = yaml.load(out, Loader=BigIntLoader)
    assert finite(document)
    assert [c["cid"] for c in document["cloud_ids"]["created"]] == ([case.cid] if case.cid is not None else [])
    if "json.number-beyond-float" in case.verdicts:
        assert document["response"]["result"][1]["n"] == Decimal("7" * 5_000)
    code, out, _ = run(capsys, "call", case.method, *CREATE_ARGS[case.method], "--cpi", str(cpi), "-o", "table")
    assert code == case.exit_code
    no_raw_controls(out)
    if case.cid is not None and len(case.cid) < 100:
        in_one_row(out, f"+ created {KIND[case.method]} {shown(case.cid)}")
        # the ID is said once, on the created line: create_vm's result row points there
        assert f"[0]  {shown(case.cid)}" not in out
        if case.method == "create_vm" and DEEP_AROUND not in case.name:
            in_one_row(out, "[0]  the new vm ID (below)")


def test_every_later_command_reads_the_id_back_and_addresses_it_exactly(capsys, tmp_path, case):
    cpi = hostile_cpi(tmp_path, case)
    run(capsys, "call", case.method, *CREATE_ARGS[case.method], "--cpi", str(cpi), "-o", "json")
    kind = KIND[case.method]

    code, out, _ = run(capsys, "ids", "-o", "json")
    assert code == 0
    listed = strict(out)
    ids = [(r["kind"], r["cid"]) for r in listed if r["kind"] != "call"]
    assert ids == ([(kind, case.cid)] if case.cid is not None else [])
    assert [r for r in listed if r["kind"] == "call"] == [] or case.cid is None
    code, out, _ = run(capsys, "ids", "-o", "table")
    assert code == 0
    no_raw_controls(out)
    if case.cid is not None and len(case.cid) < 100:
        in_one_row(out, kind, shown(case.cid), "live", case.method)

    code, out, _ = run(capsys, "ids", "verify", "--cpi", str(cpi), "-o", "json")
    assert code == 0
    verified = strict(out)
    assert [row["outcome"] for row in verified] == (["exists"] if case.cid is not None else [])
    code, out, _ = run(capsys, "ids", "verify", "--cpi", str(cpi), "-o", "table")
    no_raw_controls(out)
    if case.cid is not None and len(case.cid) < 100:
        in_one_row(out, kind, shown(case.cid), "exists")

    code, out, _ = run(capsys, "cleanup", "--dry-run", "-o", "table")
    assert code == 0
    no_raw_controls(out)
    if case.cid is not None and len(case.cid) < 100:
        in_one_row(out, kind, f"delete_{kind} {shown(case.cid)}")
    code, out, _ = run(capsys, "cleanup", "--yes", "--cpi", str(cpi), "-o", "json")
    assert code == 0, out  # the CPI refuses any ID but the one it gave
    assert [row["outcome"] for row in strict(out)] == (["deleted"] if case.cid is not None else ["may exist"])
    code, out, _ = run(capsys, "ids", "-o", "json")
    assert left_behind(strict(out)) == expected_left_behind(case)


def left_behind(listed: list[dict]) -> list[tuple[str, str, str]]:
    return [(entry["kind"], entry["status"], entry["method"]) for entry in listed]


def expected_left_behind(case: Case) -> list[tuple[str, str, str]]:
    """Nothing, or — when the CPI gave no usable ID — its call, listed as one that may have created something."""
    return [] if case.cid is not None else [("call", "may exist", case.method)]


RECIPE = """
name: hostile
steps:
  - {{name: made, call: {method}, args: {args}}}
finally:
  - {{name: remove, call: {delete}, args: ["${{{kind}}}"]}}
"""


def hostile_recipe(tmp_path: Path, case: Case) -> Path:
    """A recipe that creates the case's resource and deletes it in a `finally` step."""
    kind = KIND[case.method]
    args = '[agent-1, sc-1, {}, {default: {type: dynamic}}]' if kind == "vm" else "[1024, {}, null]"
    recipe = tmp_path / "hostile.yml"
    recipe.write_text(RECIPE.format(method=case.method, args=args, delete=f"delete_{kind}", kind=kind))
    return recipe


def test_a_recipe_deletes_what_it_created_in_its_finally_step(capsys, tmp_path, case):
    cpi = hostile_cpi(tmp_path, case)
    kind = KIND[case.method]
    recipe = hostile_recipe(tmp_path, case)
    report = tmp_path / "report.json"
    junit = tmp_path / "report.xml"
    code, out, _ = run(capsys, "run", str(recipe), "--cpi", str(cpi), "-o", "table",
                       "--report-json", str(report), "--report-junit", str(junit))
    assert code == case.exit_code, out
    no_raw_controls(out)
    if case.cid is not None and len(case.cid) < 100:
        in_one_row(out, "made", f"+ {kind} {shown(case.cid)}")  # the step's line, the ID on it in one piece
        in_one_row(out, "remove", f"- {kind} {shown(case.cid)}")
    steps = {step["name"]: step for step in strict(report.read_text())["steps"]}
    if case.cid is None:
        assert steps["remove"]["status"] == "skipped"
    else:
        assert steps["made"]["created"] == [{"kind": kind, "cid": case.cid}]
        assert steps["remove"]["status"] == "passed", steps["remove"]
        assert steps["remove"]["deleted"] == [{"kind": kind, "cid": case.cid}]
    assert "testsuite" in junit.read_text()
    code, out, _ = run(capsys, "ids", "-o", "json")
    assert left_behind(strict(out)) == expected_left_behind(case)  # no ID left behind


def test_run_json_output_is_strict(capsys, tmp_path, case):
    cpi = hostile_cpi(tmp_path, case)
    recipe = hostile_recipe(tmp_path, case)
    code, out, _ = run(capsys, "run", str(recipe), "--cpi", str(cpi), "-o", "json")
    assert code == case.exit_code
    strict(out)


def test_a_real_cpictl_process_writes_an_odd_id_to_a_pipe(tmp_path, run_env):
    """The same through real pipes (the encoding of a real stdout, not the test's capture)."""
    import subprocess

    from tests.conftest import cpictl_bin

    case = Case("odd", "create_vm", vm_answer('"vm-\\ud800\\n\\t\\u001b[2J"', '{"x":NaN}'), "vm-\ud800\n\t\x1b[2J", 3,
                {})
    cpi = str(hostile_cpi(tmp_path, case))
    for argv in (["call", "create_vm", *CREATE_ARGS["create_vm"], "--cpi", cpi, "-o", "table"],
                 ["ids", "-o", "table"], ["ids", "verify", "--cpi", cpi, "-o", "table"]):
        done = subprocess.run([cpictl_bin(), *argv], capture_output=True, env=run_env, timeout=120)
        assert done.returncode in (0, 3) and b"Traceback" not in done.stderr, done.stderr
        assert b"vm-\\ud800\\n\\t\\x1b[2J" in done.stdout and b"\x1b" not in done.stdout
    done = subprocess.run([cpictl_bin(), "cleanup", "--yes", "--cpi", cpi, "-o", "json"], capture_output=True,
                          env=run_env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [row["outcome"] for row in strict(done.stdout.decode())] == ["deleted"]


def test_an_ascii_locale_gets_escapes_not_a_traceback(tmp_path):
    """`PYTHONIOENCODING=ascii` (a minimal container, `LANG=C` on an old Python): the table view shows what ASCII
    cannot take escaped, and -o json stays strict JSON, with the CPI's non-ASCII text as \\u escapes."""
    cpi = write_cpi(tmp_path / "emoji.py", """
import json, sys
sys.stdin.read()
json.dump({"result": "disk-\\U0001f600-\\u00e9", "error": None, "log": "caf\\u00e9"}, sys.stdout)
""")
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    argv = [cpictl_bin(), "call", "create_disk", "1", "{}", "--cpi", str(cpi), "--api-version", "2"]
    table = subprocess.run([*argv, "-o", "table"], capture_output=True, timeout=60, env=env)
    assert table.returncode == 0, table.stderr
    assert b"Traceback" not in table.stderr and b"disk-\\U0001f600-\\xe9" in table.stdout
    doc = subprocess.run([*argv, "-o", "json"], capture_output=True, timeout=60, env=env)
    assert doc.returncode == 0 and doc.stdout.isascii()
    assert strict(doc.stdout.decode())["response"]["result"] == "disk-\U0001f600-\u00e9"


def test_a_10000_character_id_is_shown_cut_and_whole_only_in_machine_output(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    case = next(case for case in CASES if case.name == "10,000 characters")
    cpi = hostile_cpi(tmp_path, case)
    code, out, _ = run(capsys, "call", "create_disk", *CREATE_ARGS["create_disk"], "--cpi", str(cpi), "-o", "table")
    assert code == 0 and len(out.splitlines()) < 40  # whole, it would take 125 lines
    # once: the result is the created ID, said on the created line
    assert out.count("[10000 characters; -o json shows it whole]") == 1 and "(the result)" in out
    code, out, _ = run(capsys, "ids", "-o", "table")
    assert code == 0 and len(out.splitlines()) < 20 and "10000 characters" in out
    code, out, _ = run(capsys, "ids", "-o", "json")
    assert [record["cid"] for record in json.loads(out)] == [case.cid]
