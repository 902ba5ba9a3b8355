"""An EOFError is a clean abort only when it is the end of input at a prompt; from anywhere else it is a bug.

typer turns every EOFError out of a command into "Aborted" (as for Ctrl-D at a prompt); `cpictl.cli.main` tells
the two apart: its prompts raise `line_input.EndOfInput`."""

from __future__ import annotations

import pytest

from cpictl.cli import catalogue_cmd
from cpictl.cli.line_input import EndOfInput
from cpictl.cli.main import main
from cpictl.exit_codes import INTERNAL


def _raising(error: BaseException):
    def raise_it(*args: object, **kwargs: object) -> None:
        raise error

    return raise_it


def test_a_stray_eof_error_is_reported_as_a_bug(capsys, monkeypatch):
    # what a torn .pyc does: `marshal` raises EOFError while a command imports a module
    monkeypatch.setattr(catalogue_cmd, "resolve_format", _raising(EOFError("marshal data too short")))
    code = main(["methods"])
    err = capsys.readouterr().err
    assert code == INTERNAL == 70
    assert "internal error: EOFError: marshal data too short (please report it" in err
    assert "aborted" not in err


def test_end_of_input_at_a_prompt_stays_a_clean_abort(capsys, monkeypatch):
    monkeypatch.setattr(catalogue_cmd, "resolve_format", _raising(EndOfInput()))
    code = main(["methods"])
    err = capsys.readouterr().err
    assert code == 130 and "aborted" in err and "internal error" not in err


def test_ctrl_d_at_a_secret_prompt_is_end_of_input(monkeypatch):
    import getpass

    from cpictl.cli import line_input

    monkeypatch.setattr(getpass, "getpass", _raising(EOFError()))
    with pytest.raises(EndOfInput):  # `call --from-trace` and `--from-log` ask for masked values through it
        line_input.secret("password: ")
