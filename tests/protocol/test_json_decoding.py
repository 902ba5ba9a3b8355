"""Byte-level cases for decoding a hostile CPI answer: nesting, big numbers, NaN, surrogates, controls, long strings.

`decode_json` must return for any JSON (raising only for what is not JSON), keep what the director would accept
whole, and note what the callers' parsers would choke on; `strict_dumps` must write it all back as strict JSON.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpictl.protocol.json_decoding import ValueHooks, decode_json, lone_surrogates
from cpictl.protocol.json_iterative import IterativeParser
from cpictl.protocol.json_markers import KEPT_DEPTH, BigNumber, Elided, NonFinite
from cpictl.protocol.strict_json import bounded, preview, strict_dumps


def refuse_constant(token: str) -> None:
    raise ValueError(f"not strict JSON: {token}")


def strict_load(text: str):
    return json.loads(text, parse_constant=refuse_constant, parse_int=Decimal)


def deepest_list_depth(value) -> int:
    depth = 0
    while isinstance(value, list) and value:
        depth, value = depth + 1, value[0]
    return depth + (1 if isinstance(value, (list, Elided)) else 0)


@pytest.mark.parametrize("levels", [1_000, 100_000])
def test_an_id_wrapped_in_deep_nesting_decodes_and_is_cut_below_the_kept_depth(levels):
    text = '{"result":' + "[" * levels + '"vm-1",{}' + "]" * levels + ',"error":null,"log":""}'
    decoded = decode_json(text)  # no RecursionError
    findings = decoded.findings
    assert (findings.depth, findings.director_depth) == (levels + 2, levels + 1)  # the {} counts for Go only
    assert findings.elided == 1
    value = decoded.value["result"]
    for _ in range(KEPT_DEPTH - 2):  # the envelope is level 1, result's outer array level 2
        value = value[0]
    assert value == [Elided("array", levels + 2, "vm-1")]  # the ID that wrapping hid is still known
    json.dumps(decoded.value, default=str)  # as the journal writes it: nothing is nested deeper than 100


@pytest.mark.parametrize("levels", [1_000, 100_000])
def test_deep_nesting_beside_the_id_leaves_the_id_in_place(levels):
    text = '{"result":["vm-1",' + "[" * levels + "]" * levels + '],"error":null,"log":""}'
    decoded = decode_json(text)
    assert decoded.value["result"][0] == "vm-1"
    assert decoded.findings.depth == levels + 2
    assert decoded.findings.director_depth == levels + 1  # the innermost [] does not count for Ruby json
    assert deepest_list_depth(decoded.value["result"][1]) <= KEPT_DEPTH


def test_nesting_the_director_accepts_is_kept_whole():
    text = "[" * KEPT_DEPTH + '"x"' + "]" * KEPT_DEPTH
    decoded = decode_json(text)
    assert decoded.value == json.loads(text)
    assert (decoded.findings.depth, decoded.findings.elided) == (KEPT_DEPTH, 0)


def test_empty_containers_count_for_go_but_not_for_ruby():
    decoded = decode_json("[" * 101 + "]" * 101)
    assert (decoded.findings.depth, decoded.findings.director_depth) == (101, 100)
    assert decoded.findings.elided == 0  # an empty container is a leaf: nothing to cut


@pytest.mark.parametrize(("literal", "expected", "beyond_float"), [
    ("7" * 5_000, BigNumber("7" * 5_000), True),  # over Python's 4,300-digit limit: valid JSON all the same
    ("-" + "7" * 5_000, BigNumber("-" + "7" * 5_000), True),
    ("9" * 400, BigNumber("9" * 400), True),  # a Python int, but Go's float64 cannot take it
    ("9" * 300, int("9" * 300), False),
    ("1e400", BigNumber("1e400"), True),  # float('1e400') would be infinity
    ("-1.5e400", BigNumber("-1.5e400"), True),
    ("1.5", 1.5, False),
    ("-12", -12, False),
])
def test_numbers_beyond_a_float_are_kept_as_their_exact_digits(literal, expected, beyond_float):
    decoded = decode_json(f'{{"n":{literal}}}')
    assert decoded.value == {"n": expected}
    assert decoded.findings.beyond_float == ([literal] if beyond_float else [])
    assert strict_dumps(decoded.value, separators=(",", ":")) == f'{{"n":{literal}}}'  # written back exactly


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_markers_and_noted(token):
    decoded = decode_json(f'{{"result":{token},"x":["vm-1",{token}]}}')
    assert decoded.value == {"result": NonFinite(token), "x": ["vm-1", NonFinite(token)]}
    assert decoded.findings.non_finite == [token, token]
    assert strict_load(strict_dumps(decoded.value)) == {"result": None, "x": ["vm-1", None]}
    assert token in preview(decoded.value)  # a message shows what the CPI wrote


@pytest.mark.parametrize(("escaped", "expected"), [
    ('"vm-\\ud800"', "vm-\ud800"),
    ('"vm-\\udc00x"', "vm-\udc00x"),
    ('"vm-\\u0000x"', "vm-\x00x"),
    ('"vm-a\\nb\\tc\\r"', "vm-a\nb\tc\r"),
    ('"vm-\\u001b[2J\\u001b]0;t\\u0007"', "vm-\x1b[2J\x1b]0;t\x07"),
    ('"' + "v" * 10_000 + '"', "v" * 10_000),
    ('"\\ud83d\\ude00"', "\U0001f600"),
])
def test_odd_strings_decode_as_given_and_write_back_strictly(escaped, expected):
    decoded = decode_json(f'{{"result":[{escaped},{{}}]}}')
    assert decoded.value["result"][0] == expected
    text = strict_dumps(decoded.value)
    text.encode("utf-8")  # a lone surrogate is escaped, never raw: the text can always be written
    assert strict_load(text)["result"][0] == expected


@pytest.mark.parametrize(("text", "lone"), [
    ('"vm-\\ud800"', ["\\ud800"]),
    ('"vm-\\uDBFFx"', ["\\udbff"]),
    ('"vm-\\udc00"', ["\\udc00"]),
    ('"\\ud800\\ud800"', ["\\ud800", "\\ud800"]),
    ('"\\udc00\\ud800"', ["\\udc00", "\\ud800"]),
    ('"\\ud83d\\ude00"', []),  # a pair: an emoji
    ('"vm-\\\\ud800"', []),  # an escaped backslash, then the letters ud800
    ('"vm-\\\\\\ud800"', ["\\ud800"]),
    ('"\\u00e9"', []),
])
def test_lone_surrogates_are_found_in_the_raw_text(text, lone):
    assert lone_surrogates(text) == lone


@pytest.mark.parametrize("text", ["", "[1,]", '{"a" 1}', "[1] x", '"unterminated', "[01]", "nan", '{"a":"\x01"}',
                                  "[" * 5_000 + "1,]" + "]" * 4_999, "[" * 5_000 + "]" * 5_000 + "x"])
def test_what_is_not_json_raises_value_error_on_either_path(text):
    with pytest.raises(ValueError):
        decode_json(text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(json_values, st.sampled_from([None, 0, 2]))
def test_the_iterative_parser_reads_what_json_loads_reads(value, indent):
    text = json.dumps(value, indent=indent)
    assert IterativeParser(text, ValueHooks()).parse() == json.loads(text)


def test_strict_dumps_never_raises_and_writes_strict_json():
    deep: list = []
    for _ in range(3_000):  # deeper than json.dumps can recurse
        deep = [deep]
    value = {"nan": float("nan"), "inf": float("-inf"), "big": BigNumber("1" * 5_000), "odd": {1, 2},
             "deep": deep, 3: "int key", ("t",): "tuple key", "elided": Elided("array", 1_002, "vm-1"),
             "surrogate": "a\ud800"}
    text = strict_dumps(value, indent=2)
    text.encode("utf-8")
    loaded = strict_load(text)
    assert loaded["nan"] is None and loaded["inf"] is None
    assert loaded["big"] == Decimal("1" * 5_000)
    assert loaded["surrogate"] == "a\ud800" and loaded["3"] == "int key"
    assert "elided" in loaded["elided"]
    assert deepest_list_depth(loaded["deep"]) <= KEPT_DEPTH


def test_bounded_cuts_any_depth_without_recursing():
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    cut = bounded({"x": deep}, 10)
    assert deepest_list_depth(cut["x"]) == 9 and isinstance(cut["x"][0][0][0][0][0][0][0][0][0], str)


def test_each_document_has_its_own_findings_though_the_decoder_is_reused() -> None:
    odd = decode_json("[NaN, 1e400, [[[]]]]")
    plain = decode_json('{"result": [1, 2.5]}')
    assert (odd.findings.non_finite, odd.findings.beyond_float, odd.findings.depth) == (["NaN"], ["1e400"], 4)
    assert (plain.findings.non_finite, plain.findings.beyond_float, plain.findings.depth) == ([], [], 2)
    assert plain.value == {"result": [1, 2.5]}


def test_threads_decoding_at_once_keep_their_findings_apart() -> None:
    import threading

    results: dict[int, list[list[str]]] = {0: [], 1: []}

    def decode(index: int) -> None:
        text = "[NaN, 1]" if index else "[1, 2]"
        for _ in range(2000):
            results[index].append(decode_json(text).findings.non_finite)

    threads = [threading.Thread(target=decode, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {0: [[]] * 2000, 1: [["NaN"]] * 2000}
