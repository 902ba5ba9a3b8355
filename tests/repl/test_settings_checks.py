"""`:set` checks values as `cpictl call` checks its options, and `:context` changes all or nothing."""

from __future__ import annotations

import pytest

from cpictl.cli.main import main
from tests.repl.conftest import Repl
from tests.repl.test_dispatch import single_error

BEYOND = "is beyond the contract (1, 2, 3); sent anyway"


@pytest.mark.parametrize("version", ["7", "0"])
def test_an_api_version_beyond_the_contract_is_set_with_the_warning_call_gives(
        repl: Repl, version: str, capsys: pytest.CaptureFixture[str]) -> None:
    output = repl.run(f":set api_version {version}")
    assert f"warning: api_version {version} {BEYOND}" in output
    assert repl.ctx.state.target.api_version == int(version)
    main(["call", "--dry-run", "--api-version", version, "info"])
    assert f"--api-version {version} {BEYOND}" in capsys.readouterr().err  # the same words


def test_an_api_version_in_the_contract_is_set_quietly(repl: Repl) -> None:
    assert repl.run(":set api_version 3").strip() == "api_version = 3 for the next calls"


@pytest.mark.parametrize("value", ["0", "-5", "inf", "nan"])
def test_a_timeout_must_be_positive_and_finite_as_call_says(repl: Repl, value: str,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    repl.run(":set timeout 30")
    error = single_error(repl.run(f":set timeout {value}"))
    assert repl.ctx.state.target.timeout == 30  # unchanged
    assert main(["call", "--timeout", value, "info"]) == 2
    said = capsys.readouterr().err
    expected = f"must be a {'finite' if value in ('inf', 'nan') else 'positive'} number of seconds"
    assert expected in said and expected in error


def test_a_timeout_of_none_waits_forever(repl: Repl) -> None:
    repl.run(":set timeout 30")
    assert "timeout = none" in repl.run(":set timeout none")
    assert repl.ctx.state.target.timeout is None


@pytest.mark.parametrize("value, message", [("-1", "must not be negative"), ("²", "expected an integer or 'none'")])
def test_a_version_must_be_a_whole_number(repl: Repl, value: str, message: str) -> None:
    assert message in single_error(repl.run(f":set stemcell_api_version {value}"))


def test_a_context_change_is_all_or_nothing_and_lists_the_keys_as_they_are(repl: Repl) -> None:
    repl.run(":context foo=bar baz=1")
    error = single_error(repl.run(":context -foo -nonexistent"))
    assert "no key 'nonexistent' to remove; keys: baz, foo; nothing was changed" in error
    assert repl.ctx.state.target.context == {"foo": "bar", "baz": 1}
    error = single_error(repl.run(":context new=1 =oops"))
    assert "nothing was changed" in error and "new" not in repl.ctx.state.target.context
    assert "context keys now: baz" in repl.run(":context -foo -foo")  # the same key twice is still one change
