"""The pure parts: masked values and their names, what a comparison ignores and what it does not, and reading a
trace from its end."""

from __future__ import annotations

import json

import pytest

from cpictl.traces.compare import compare_entries
from cpictl.traces.masked import (
    MissingValues,
    VariableProblem,
    filled,
    format_path,
    masked_values,
    parse_assignments,
    parse_path,
)
from cpictl.traces.reading import entries_backwards, last_entries
from cpictl.traces.replay import recalled_arguments
from cpictl.traces.trace_file import TraceFile

M = "<redacted>"
CREATE_VM = {"method": "create_vm", "api_version": 2,
             "arguments": ["agent-1", "sc-1", {"instance_type": M, "auth": {"password": M}},
                           {"default": {"type": "manual", "cloud_properties": {"subnet": M}}}, [],
                           {"bosh": {"mbus": "nats://" + M + "@10.0.0.6:4222", "group": "g"}}],
             "context": {"director_uuid": "u", "request_id": "cpi-123456", "secret_access_key": M}}


def test_masked_values_are_named_by_path_parameter_and_variable() -> None:
    found = masked_values(CREATE_VM)
    assert [(v.path, v.alias, v.variable, v.whole) for v in found] == [
        ("arguments[2].instance_type", "cloud_properties.instance_type", "CLOUD_PROPERTIES_INSTANCE_TYPE", True),
        ("arguments[2].auth.password", "cloud_properties.auth.password", "CLOUD_PROPERTIES_AUTH_PASSWORD", True),
        ("arguments[3].default.cloud_properties.subnet", "networks.default.cloud_properties.subnet",
         "NETWORKS_DEFAULT_CLOUD_PROPERTIES_SUBNET", True),
        ("arguments[5].bosh.mbus", "environment.bosh.mbus", "ENVIRONMENT_BOSH_MBUS", False),
        ("context.secret_access_key", "context.secret_access_key", "CONTEXT_SECRET_ACCESS_KEY", True),
    ]
    assert [v.path for v in masked_values(CREATE_VM, arguments_only=True)][-1] == "arguments[5].bosh.mbus"


def test_var_words_by_path_alias_or_name_string_or_json() -> None:
    found = masked_values(CREATE_VM)
    values = parse_assignments(["arguments[2].instance_type=m5.large", "cloud_properties.auth.password=p=w",
                                'NETWORKS_DEFAULT_CLOUD_PROPERTIES_SUBNET:={"id": 7}',
                                'arguments[5]["bosh"].mbus=nats:pw', "$CONTEXT_SECRET_ACCESS_KEY=k"], found)
    document = filled(CREATE_VM, values, found)
    assert document["arguments"][2] == {"instance_type": "m5.large", "auth": {"password": "p=w"}}
    assert document["arguments"][3]["default"]["cloud_properties"]["subnet"] == {"id": 7}
    assert document["arguments"][5]["bosh"]["mbus"] == "nats://nats:pw@10.0.0.6:4222"  # in place of the mask
    assert document["context"]["secret_access_key"] == "k"
    assert CREATE_VM["arguments"][2]["instance_type"] == M  # the trace's document is not touched


@pytest.mark.parametrize(("word", "message"), [
    ("novalue", "expected PATH=VALUE"),
    ("arguments[2].instance_typ=x", "did you mean arguments[2].instance_type"),
    ("arguments[0]=x", "not a masked value"),
    ("arguments[2].auth.password:={nope", "not JSON"),
    ("arguments[[2]=x", "not a path"),
])
def test_bad_var_words_say_what_is_wrong(word: str, message: str) -> None:
    with pytest.raises(VariableProblem, match=message.replace("[", r"\[")):
        parse_assignments([word], masked_values(CREATE_VM))


def test_paths_round_trip_and_odd_keys_are_quoted() -> None:
    keys = ("arguments", 2, "a.b", "c d", 0, "plain")
    assert format_path(keys) == 'arguments[2]["a.b"]["c d"][0].plain'
    assert parse_path(format_path(keys)) == keys


def test_a_call_with_values_missing_is_refused_naming_each() -> None:
    entry = {"n": 4, "request": CREATE_VM}
    with pytest.raises(MissingValues) as problem:
        recalled_arguments(entry, {}, None, "Give them.")
    assert len(problem.value.missing) == 4 and "arguments[2].instance_type" in str(problem.value)
    assert "context" not in str(problem.value)  # a replay sends the target's context, not the trace's
    asked = []

    def ask(value, method):
        asked.append((value.path, method))
        return "x" if len(asked) < 3 else None  # the third prompt left empty: stop there

    with pytest.raises(MissingValues) as problem:
        recalled_arguments(entry, {}, ask, "Give them.")
    assert len(asked) == 3 and [v.path for v in problem.value.missing] == [
        "arguments[3].default.cloud_properties.subnet", "arguments[5].bosh.mbus"]


def _entry(n: int, **changes) -> dict:
    entry = {"n": n, "time": "2026-12-06T10:00:00.000Z", "source": "cpictl", "target": {"argv": ["cpi"]},
             "request": {"method": "create_disk", "arguments": [1024, {}, "vm-1"],
                         "context": {"director_uuid": "u", "request_id": f"cpi-10000{n}"}, "api_version": 2},
             "response": {"result": f"disk-{n}aaaa", "error": None, "log": ""},
             "exit_code": 0, "signal": None, "duration_s": 0.01 * n, "stderr": "", "violations": [],
             "negotiation": None}
    entry.update(changes)
    return entry


def test_created_ids_request_ids_time_stamps_and_durations_do_not_count() -> None:
    assert compare_entries(_entry(1), _entry(2)).equal
    assert not compare_entries(_entry(1), _entry(2), exact=True).equal
    def failed(n: int) -> dict:  # each against its own VM: the IDs its arguments name are ignored too
        message = f"no disk for vm-{n}xyz at 2026-12-06T10:00:0{n}Z (request cpi-10000{n})"
        error = {"type": "Bosh::Clouds::CloudError", "ok_to_retry": False, "message": message}
        return _entry(n, request={**_entry(n)["request"], "arguments": [1024, {}, f"vm-{n}xyz"]},
                      response={"result": None, "log": "", "error": error})

    assert compare_entries(failed(1), failed(2)).equal
    assert compare_entries(failed(1), failed(2), exact=True).differing == ["error", "request_id"]


def test_what_does_count() -> None:
    ok = _entry(1)
    assert compare_entries(ok, _entry(2, response={"result": True, "error": None, "log": ""})).differing == ["result"]
    one, true = (_entry(n, request={**ok["request"], "method": "has_vm", "arguments": ["vm-1"]},
                        response={"result": value, "error": None, "log": ""}) for n, value in ((1, 1), (2, True)))
    assert compare_entries(one, true).differing == ["result"]  # 1 is not true, whatever Python says
    verdict = {"code": "result.shape", "severity": "error", "message": "m",
               "director": {"does": "fails", "why": ""}, "create_env": {"does": "ignores", "why": ""}}
    both_fail = {**verdict, "create_env": {"does": "fails", "why": ""}}
    assert compare_entries(_entry(1, violations=[verdict]),
                           _entry(2, violations=[both_fail])).differing == ["verdicts"]  # create-env now fails
    assert compare_entries(ok, _entry(2, exit_code=1)).differing == ["exit"]
    nested = [_entry(n, request={**ok["request"], "method": "create_vm", "arguments": ["a", "s", {}, {}, [], {}]},
                     response={"result": [f"vm-{n}xyz", {"default": {"ip": ip}}], "error": None, "log": ""})
              for n, ip in ((1, "10.0.0.2"), (2, "10.0.0.3"))]
    comparison = compare_entries(*nested)
    assert comparison.differing == ["result"]
    assert [(d.path, d.old, d.new) for d in comparison.differences] == [("[1].default.ip", "10.0.0.2", "10.0.0.3")]


def test_reading_from_the_end_across_blocks_skips_torn_lines(tmp_path) -> None:
    trace = TraceFile(tmp_path / "t.jsonl")
    for n in range(1, 41):
        trace.append({"stderr": "x" * (n * 5000 if n % 7 == 0 else 10)})  # some lines span several blocks
    with trace.path.open("ab") as raw:
        raw.write(b'{"v":1,"n":41,"stderr":"tor')
    assert [entry["n"] for entry in entries_backwards(trace)] == list(range(40, 0, -1))
    assert [entry["n"] for entry in last_entries(trace, 3)] == [38, 39, 40]
    assert [entry["n"] for entry in last_entries(trace, 2, lambda e: e["n"] % 7 == 0)] == [28, 35]
    assert [entry["n"] for entry in last_entries(trace, None)] == list(range(1, 41))
    assert json.loads(trace.path.read_text().splitlines()[0])["n"] == 1


def test_find_entry_decodes_only_what_it_must_and_still_finds_foreign_lines(tmp_path) -> None:
    from cpictl.traces.reading import TraceLookupError, find_entry

    trace = TraceFile(tmp_path / "t.jsonl")
    for _ in range(3):
        trace.append({"request": {"method": "info"}})
    with trace.path.open("a") as raw:
        raw.write('{"v":1,"n":4,"request":{"meth\n')  # torn: never returned, even though its head says 4
        raw.write('{"request": {"method": "ping"}, "n": 5}\n')  # another writer's key order
    assert find_entry(trace, 2)["n"] == 2
    assert find_entry(trace, 5)["request"]["method"] == "ping"
    with pytest.raises(TraceLookupError, match=r"no call 4 .*1 to 5"):
        find_entry(trace, 4)


def test_every_verdict_comes_back_from_its_dict_as_it_was() -> None:
    from cpictl.protocol.violations import Violation
    from tests.protocol.test_caller_verdicts import _corpus

    corpus = _corpus()
    assert corpus
    for violation in corpus:
        assert Violation.from_dict(violation.as_dict()) == violation
    bare = Violation.from_dict({"code": "x.y", "severity": "error", "message": "m"})  # a recorder's older entry
    assert bare.severity == "error" and bare.director.does == "fails"
