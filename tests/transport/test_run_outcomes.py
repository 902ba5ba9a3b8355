"""Each misbehaving CPI's outcome comes back as data, byte for byte, and nothing raises."""

from __future__ import annotations

import json
import signal

from cpictl.transport import CpiCommand, run_cpi

INFO = b'{"method":"info","arguments":[],"context":{"director_uuid":"uuid-1"},"api_version":1}'
OK_RESPONSE = b'{"result":{"api_version":2,"stemcell_formats":["raw"]},"error":null,"log":""}'
TIMEOUT = 20.0  # a safety net only: none of these CPIs should come near it


def run(path: str, stdin: bytes = INFO, **options) -> object:
    return run_cpi(CpiCommand([path], timeout=TIMEOUT, **options), stdin)


def test_healthy_cpi_answers_exactly_its_stdout(cpi_path):
    result = run(cpi_path("ok.sh"))
    assert result.stdout == OK_RESPONSE
    assert (result.exit_code, result.signal) == (0, None)
    assert not (result.timed_out or result.lingering_pipes or result.stdout_truncated)
    assert (result.stderr_tail, result.stderr_bytes) == (b"", 0)
    assert result.stdout_bytes == len(OK_RESPONSE)
    assert result.pid > 0 and 0 < result.duration_s < TIMEOUT


def test_request_reaches_the_cpi_unchanged_with_argv_and_cwd(cpi_path, tmp_path):
    result = run_cpi(
        CpiCommand([cpi_path("echo_request.py"), "/cfg/cpi.json"], cwd=str(tmp_path), timeout=TIMEOUT), INFO
    )
    answer = json.loads(result.stdout)["result"]
    assert answer["request"] == json.loads(INFO)
    assert answer["argv"] == ["/cfg/cpi.json"]
    assert answer["cwd"] == str(tmp_path)
    assert result.stderr_tail == f"echo_request: received {len(INFO)} bytes\necho_request: done\n".encode()


def test_request_larger_than_a_pipe_is_written_while_output_is_read(cpi_path):
    # 8 MiB does not fit in a pipe: writing it must interleave with reading the 8 MiB echoed back.
    request = json.dumps({"method": "create_stemcell", "arguments": ["x" * (8 << 20), {}]}).encode()
    result = run(cpi_path("echo_request.py"), request)
    assert json.loads(result.stdout)["result"]["request"] == json.loads(request)


def test_cpi_that_never_reads_stdin_is_not_an_error(cpi_path):
    result = run(cpi_path("ignores_stdin.sh"), b"x" * (4 << 20))
    assert result.stdout == OK_RESPONSE
    assert result.exit_code == 0


def test_empty_request_closes_stdin_at_once(cpi_path):
    assert run(cpi_path("ok.sh"), b"").stdout == OK_RESPONSE


def test_crash_reports_the_signal_and_no_exit_code(cpi_path):
    result = run(cpi_path("crash.sh"))
    assert (result.exit_code, result.signal) == (None, signal.SIGKILL)
    assert result.stdout == b""
    assert not result.timed_out


def test_nonzero_exit_keeps_the_valid_response(cpi_path):
    result = run(cpi_path("nonzero_exit.sh"))
    assert (result.exit_code, result.signal) == (1, None)
    assert result.stdout == OK_RESPONSE


def test_garbage_empty_and_truncated_output_come_back_verbatim(cpi_path):
    assert run(cpi_path("garbage.sh")).stdout == b"<html><body>502 Bad Gateway</body></html>\n"
    assert run(cpi_path("empty.sh")).stdout == b""
    assert run(cpi_path("truncated.sh")).stdout == b'{"result":{"api_version":2,"stemcell_fo'


def test_noise_before_json_is_kept(cpi_path):
    result = run(cpi_path("noise_before_json.sh"))
    assert result.stdout.endswith(b"\n" + OK_RESPONSE)
    assert result.stdout.startswith(b"Loading configuration from ")


def test_invalid_utf8_is_passed_through_as_bytes(cpi_path):
    lines: list[str] = []
    result = run_cpi(CpiCommand([cpi_path("bad_utf8.py")], timeout=TIMEOUT), INFO, lines.append)
    assert b'"log":"caf\xe9 \xff\xfe"' in result.stdout
    assert result.stderr_tail == b"bad_utf8: \xff\xfe not utf-8\n"
    assert lines == ["bad_utf8: \ufffd\ufffd not utf-8"]


def test_v1_shaped_answer_is_not_judged_here(cpi_path):
    assert json.loads(run(cpi_path("v1_create_vm.sh")).stdout)["result"] == "vm-123"
