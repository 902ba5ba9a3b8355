"""A mistyped `name=value` word is refused, not sent as a literal value: `has_vm vmcid=vm-1` would otherwise ask
about a VM called "vmcid=vm-1" (and `delete_vm` would delete by it). Words with '=' that are not close to a
parameter name stay literal values, since cloud IDs and metadata values may contain '='."""

from __future__ import annotations

import json

import pytest

from cpictl.cli.main import main


def call(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["call", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(("argv", "message"), [
    (["has_vm", "vmcid=vm-1"], "unknown parameter 'vmcid' (did you mean 'vm_cid'?); to send the text itself, "
                               "write it as a quoted YAML string: \"'vmcid=vm-1'\""),
    (["create_disk", "sise=3"], "unknown parameter 'sise' (did you mean 'size'?)"),
    (["delete_vm", "vm_cdi=vm-1"], "did you mean 'vm_cid'?"),
])
def test_a_name_close_to_a_parameter_is_refused_before_anything_runs(capsys, isolated_home, argv, message):
    code, out, err = call(capsys, *argv)
    assert code == 2, out + err
    assert message in err
    assert not (isolated_home / "refcpi").exists()  # nothing ran


def test_the_quoted_form_the_message_suggests_sends_the_text(capsys, echo_cpi):
    code, out, err = call(capsys, "has_vm", "'vmcid=vm-1'", "--cpi", str(echo_cpi), "-o", "json")
    sent = json.loads(json.loads(out)["response"]["result"]["raw"])
    assert sent["arguments"] == ["vmcid=vm-1"]


@pytest.mark.parametrize("word", ["a=b", "i-0abc=x", "owner=me"])
def test_a_word_with_an_equals_sign_not_close_to_a_name_stays_a_literal_value(capsys, echo_cpi, word):
    code, out, err = call(capsys, "has_vm", word, "--cpi", str(echo_cpi), "-o", "json")
    sent = json.loads(json.loads(out)["response"]["result"]["raw"])
    assert sent["arguments"] == [word]

