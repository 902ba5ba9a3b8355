"""Request validation: the Ruby library's messages and order, arity by catalogue, api_version limits."""

from __future__ import annotations

import json

import pytest

from cpictl.protocol.catalogue import METHODS
from cpictl.refcpi.handlers import HANDLERS
from tests.refcpi.conftest import build_request

CTX = {"director_uuid": "d"}


def test_every_catalogue_method_has_a_handler_and_nothing_else() -> None:
    assert set(HANDLERS) == set(METHODS)
    for name, entry in HANDLERS.items():
        assert callable(entry.handler(name))


@pytest.mark.parametrize(("raw", "type_name", "message"), [
    (b"", "InvalidCall", "Request cannot be deserialized, details: Expecting value"),
    (b"{not json", "InvalidCall", "Request cannot be deserialized, details: "),
    (b"\xff\xfe\xfa", "InvalidCall", "Request cannot be deserialized, details: "),
    (b'{"method":"info","arguments":[NaN],"context":{"director_uuid":"d"}}', "InvalidCall",
     "Request cannot be deserialized, details: NaN is not valid JSON"),
    (b"[1, 2]", "InvalidCall", "Request cannot be deserialized, details: expected a JSON object, got array"),
    (b'{"arguments":[],"context":{"director_uuid":"d"}}', "InvalidCall", "Method must be a String, got: 'nil'"),
    (b'{"method":5,"arguments":[],"context":{"director_uuid":"d"}}', "InvalidCall",
     "Method must be a String, got: '5'"),
    (b'{"method":"make_coffee","arguments":[],"context":{"director_uuid":"d"}}', "Bosh::Clouds::NotImplemented",
     "Method is not known, got: 'make_coffee'"),
    (b'{"method":"info","arguments":{},"context":{"director_uuid":"d"}}', "InvalidCall",
     "Arguments must be an Array"),
    (b'{"method":"info","context":{"director_uuid":"d"}}', "InvalidCall", "Arguments must be an Array"),
    (b'{"method":"info","arguments":[],"context":{"director_uuid":"d"},"api_version":"2"}', "InvalidCall",
     "CPI api_version requested must be an Integer"),
    (b'{"method":"info","arguments":[],"context":{"director_uuid":"d"},"api_version":true}', "InvalidCall",
     "CPI api_version requested must be an Integer"),
    (b'{"method":"info","arguments":[]}', "InvalidCall", "Request should include context with director uuid"),
    (b'{"method":"info","arguments":[],"context":{"director_uuid":7}}', "InvalidCall",
     "Request should include context with director uuid"),
])
def test_malformed_requests_answer_like_the_ruby_library(cpi, raw: bytes, type_name: str, message: str) -> None:
    reply = cpi.raw(raw)
    cpi.check_contract(reply, None, None)
    error = reply.response["error"]
    assert error["type"] == type_name
    assert error["message"].startswith(message)
    assert error["ok_to_retry"] is False
    assert reply.response["result"] is None


def test_validation_order_method_before_arguments(cpi) -> None:
    # Both problems present: the unknown method is reported first, as in the Ruby library.
    reply = cpi.raw(b'{"method":"nope","arguments":"x"}')
    assert reply.response["error"]["type"] == "Bosh::Clouds::NotImplemented"


@pytest.mark.parametrize(("method", "arguments", "api_version", "expected"), [
    ("info", [1], 2, "(given 1, expected 0)"),
    ("has_vm", [], 2, "(given 0, expected 1)"),
    # Only the trailing parameters Ruby CPIs give defaults may be left out; cloud_properties may not.
    ("create_disk", [], 2, "(given 0, expected 2..3)"),
    ("create_disk", [1024], 2, "(given 1, expected 2..3)"),
    ("create_vm", ["a", "s", {}], 2, "(given 3, expected 4..6)"),
    ("create_vm", ["a", "s", {}, {}, [], {}, "extra"], 2, "(given 7, expected 4..6)"),
    ("create_stemcell", ["/img", {}, {"tags": {}}], 2, "(given 3, expected 2)"),
    ("create_stemcell", ["/img", {}], 3, None),
])
def test_wrong_arity_is_invalid_call_with_ruby_wording(cpi, method, arguments, api_version, expected) -> None:
    if expected is None:  # v3 create_stemcell may leave env out, as the Ruby CPIs' `tags = {}` allows
        reply = cpi.raw(build_request(method, arguments, api_version))
        assert reply.response["error"] is None or reply.response["error"]["type"] != "InvalidCall"
        return
    error = cpi.error(method, *arguments, api_version=api_version)
    assert error["type"] == "InvalidCall"
    assert error["message"] == f"Arguments are not correct, details: 'wrong number of arguments {expected}'"


def test_create_stemcell_takes_env_from_api_version_3(cpi, tmp_path) -> None:
    image = tmp_path / "img"
    image.write_text("x")
    cid = cpi.ok("create_stemcell", str(image), {}, {"tags": {"team": "bosh"}}, api_version=3,
                 env={"CPICTL_REFCPI_API_VERSION": "3"})
    assert cpi.state()["stemcells"][cid]["tags"] == {"team": "bosh"}


@pytest.mark.parametrize(("method", "arguments", "fragment"), [
    ("has_vm", [5], "parameter 'vm_cid': expected vm cid, got integer"),
    ("has_vm", [""], "empty vm cloud ID"),
    ("create_disk", ["big", {}, None], "parameter 'size': expected integer"),
    ("create_vm", ["a", "s", {}, [], [], {}], "parameter 'networks': expected object, got array"),
    ("create_vm", ["a", "s", {}, {}, [""], {}], "item 0 must be a non-empty disk cloud ID"),
])
def test_wrong_argument_types_are_cloud_errors(cpi, method, arguments, fragment) -> None:
    error = cpi.error(method, *arguments)
    assert error["type"] == "Bosh::Clouds::CloudError"
    assert fragment in error["message"]


def test_api_version_above_the_cpis_own_is_not_implemented(cpi) -> None:
    error = cpi.error("has_vm", "vm-1", api_version=3)
    assert error["type"] == "Bosh::Clouds::NotImplemented"
    assert "up to 2" in error["message"]
    error = cpi.error("has_vm", "vm-1", api_version=2, env={"CPICTL_REFCPI_API_VERSION": "1"})
    assert error["type"] == "Bosh::Clouds::NotImplemented"


def test_info_answers_whatever_api_version_is_asked(cpi) -> None:
    for version in (None, 1, 2, 5):
        assert cpi.ok("info", api_version=version) == {"api_version": 2,
                                                       "stemcell_formats": ["refcpi-raw", "refcpi-light"]}


@pytest.mark.parametrize("value", ["1", "2", "3"])
def test_info_reports_the_configured_api_version(cpi, value: str) -> None:
    assert cpi.ok("info", api_version=None, env={"CPICTL_REFCPI_API_VERSION": value})["api_version"] == int(value)


def test_bad_configured_api_version_is_a_cpi_error(cpi) -> None:
    error = cpi.error("info", env={"CPICTL_REFCPI_API_VERSION": "4"})
    assert error == {"type": "Bosh::Clouds::CpiError", "ok_to_retry": False,
                     "message": "CPICTL_REFCPI_API_VERSION must be 1, 2 or 3, got '4'"}


def test_cpi_config_properties_in_context_are_accepted(cpi) -> None:
    # The director merges cpi-config properties into the context; a CPI must not choke on them.
    assert cpi.ok("has_vm", "vm-x", context={"region": "eu-west-1", "secret_access_key": "s"}) is False


def test_log_holds_the_call_and_stderr_has_ruby_style_lines(cpi) -> None:
    reply = cpi.reply("has_vm", "vm-x")
    assert reply.response["log"] == "Starting has_vm...\n" + reply.response["log"].splitlines()[1] + "\n"
    assert "Finished has_vm in" in reply.response["log"]
    assert "INFO -- refcpi [req_id cpi-123456]: Starting has_vm..." in cpi.stderr.getvalue()


def test_error_log_says_what_was_rescued(cpi) -> None:
    reply = cpi.reply("delete_vm", "vm-gone")
    assert "Rescued Bosh::Clouds::VMNotFound: VM 'vm-gone' not found" in reply.response["log"]


def test_unexpected_exception_is_an_unknown_error_not_a_traceback(cpi, monkeypatch) -> None:
    from cpictl.refcpi import vms

    def broken(call):
        raise RuntimeError("bug")

    monkeypatch.setattr(vms, "has_vm", broken)
    reply = cpi.reply("has_vm", "vm-x")
    assert reply.response["error"] == {"type": "Unknown", "message": "RuntimeError: bug", "ok_to_retry": False}
    assert "Traceback" in reply.response["log"]


def test_response_is_one_json_line(cpi) -> None:
    out = cpi.reply("info").stdout_bytes()
    assert out.endswith(b"\n") and out.count(b"\n") == 1
    assert set(json.loads(out)) == {"result", "error", "log"}


def test_unusable_state_directory_is_a_cpi_error(cpi, tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    error = type(cpi)(blocker, cpi.env).error("has_vm", "vm-1")
    assert error["type"] == "Bosh::Clouds::CpiError"
    assert str(blocker) in error["message"]
    assert type(cpi)(tmp_path / "ok", cpi.env).ok("info")["api_version"] == 2, "info needs no state"


def test_corrupt_state_file_is_a_cpi_error(cpi) -> None:
    cpi.state_dir.mkdir()
    (cpi.state_dir / "state.json").write_text("{half")
    error = cpi.error("has_vm", "vm-1")
    assert error["type"] == "Bosh::Clouds::CpiError"
    assert "is not valid JSON" in error["message"]


def test_lone_surrogates_in_the_request_still_give_valid_utf8_json(cpi) -> None:
    reply = cpi.raw(b'{"method":"\\ud800","arguments":[],"context":{"director_uuid":"d"}}')
    out = reply.stdout_bytes()
    out.decode("utf-8")  # strict: the director's parser must accept it
    assert json.loads(out)["error"]["message"] == "Method is not known, got: '\ud800'"
