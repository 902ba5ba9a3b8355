"""Logs damaged anywhere — cut at any byte, spliced with the readers' own separators — give calls and problems,
never an exception, and every call's lines stay within the file."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cpictl.traces.bosh_logs import BoshLog
from cpictl.traces.importing import entry_for
from cpictl.traces.logged_calls import LoggedCall, LogProblem
from tests.traces.test_create_env_log import create_env_log
from tests.traces.test_director_log import deploy_log

PIECES = [b"\n", b"\r\n", b"'", b", err: ", b", exit_status: ", b", exit_status: 1\n", b"STDERR: '", b"STDOUT: '",
          b"[external-cpi] [cpi-100002] response: ", b"[cpiCmdRunner] 2026/11/21 09:14:05 DEBUG - ", b"{", b"\x00"]
LOGS = [deploy_log().encode(), create_env_log().encode()]


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    data = LOGS[draw(st.integers(0, 1))]
    start = draw(st.integers(0, len(data)))
    end = draw(st.integers(start, len(data)))
    data = data[start:end]
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from(PIECES)) + data[at:]
    return data


#: The first call's marker past the end of a line cut at max_line: the line read holds no marker.
CUT_MARKER = (b"pi/bin/cpi'\nSTDIN: '{\"method\":\"create_vm\",\"arguments\":[\"agent-0\",\"ami-1\",{\"instance_type\":"
              b"\"m5.large\",\"access_key_id\":\"AKIAIOSFODNN7EXAMPLE\",\"secret_access_key\":\"wJalrXUtnFEMI/K7MDENG/"
              b"bPxRfiCYEX[external-cpi] [cpi-100002] response: ")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged(), st.sampled_from([7, 64, 1 << 20]))
@example(CUT_MARKER, 7)
def test_a_damaged_log_never_raises(data, block):
    with tempfile.TemporaryDirectory() as home:
        path = Path(home) / "log"
        path.write_bytes(data)
        lines = data.count(b"\n") + 1
        for found in BoshLog(path, block=block, max_line=200).calls():
            assert isinstance(found, (LoggedCall, LogProblem))
            assert 1 <= found.line <= lines
            if isinstance(found, LoggedCall):
                assert found.response_line is None or found.line <= found.response_line <= lines
                entry_for(found, str(path))  # judged without raising either
