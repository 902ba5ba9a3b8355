"""Verdicts on a CPI's stdout as a whole: empty, not JSON, not an object, a bare null, invalid UTF-8, a non-zero
exit after an answer, more than cpictl keeps (contract §3, §10, §13).

Read in the callers' code: the director parses all of stdout with `JSON.parse`, validates `RESPONSE_SCHEMA` and only
logs the exit status (external_cpi.rb); create-env fails a non-zero exit before it reads stdout, then unmarshals all
of it into `CmdOutput` (cpi_cmd_runner.go), where a bare `null` leaves every field at its zero value. Loaded only
when an answer is odd.
"""

from __future__ import annotations

from cpictl.protocol import callers
from cpictl.protocol.envelope_check import create_env_reads_null
from cpictl.protocol.shapes import json_type_name
from cpictl.protocol.violations import Violation, fails, ignores

PREVIEW_BYTES = 500


def empty() -> Violation:
    return Violation("stdout.empty", "the CPI wrote nothing on stdout", director=fails(
        f"'{callers.DIRECTOR_PARSER_ERROR} - unexpected end of input'"), create_env=fails(
        f"'{callers.CREATE_ENV_UNMARSHAL}' (unexpected end of JSON input)"))


def too_large() -> Violation:
    """cpictl's own limit, not a caller's: both read stdout to its end, however long."""
    return Violation("stdout.too-large", "stdout exceeded cpictl's 256 MiB limit and was cut to its first 64 KiB: "
                     "the verdicts that follow judge a cut answer", director=ignores(
                         "reads stdout to its end, however long (external_cpi.rb)"), create_env=ignores(
                         "buffers all of stdout before it decodes it (cpi_cmd_runner.go)"))


def invalid_utf8(position: int) -> Violation:
    return Violation("stdout.invalid-utf8", f"stdout is not valid UTF-8 (byte {position}); cpictl keeps each such "
                     "byte as it is (shown as an escape from \\udc80 to \\udcff) and sends it back unchanged",
                     director=fails(
                         "its parser accepts the bytes into the string, which then fails later (e.g. when it writes "
                         "the task log)"), create_env=ignores("Go's decoder replaces the bytes with U+FFFD"))


def not_json(raw: bytes, truncated: bool) -> Violation:
    shown = raw[:PREVIEW_BYTES].decode("utf-8", errors="replace")
    what = "the part of stdout cpictl kept is" if truncated else "stdout is"
    return Violation("stdout.not-json", f"{what} not JSON. First {PREVIEW_BYTES} bytes: {shown!r}",
                     director=fails(f"'{callers.DIRECTOR_PARSER_ERROR}'"),
                     create_env=fails(f"'{callers.CREATE_ENV_UNMARSHAL}'"))


def bare_null(method: str | None, api_version: int | None) -> Violation:
    return Violation("response.null", "the response is a bare null, not an object with result, error and log",
                     director=fails(f"'{callers.DIRECTOR_SCHEMA_ERROR}': not an object"),
                     create_env=create_env_reads_null(method, api_version))


def not_object(document: object) -> Violation:
    kind = json_type_name(document)
    return Violation("response.not-object", f"the response must be a JSON object with result, error and log; got "
                     f"{kind}", director=fails(f"'{callers.DIRECTOR_SCHEMA_ERROR}': not an object"),
                     create_env=fails(f"'{callers.CREATE_ENV_UNMARSHAL}' (cannot unmarshal {kind} into a Go struct)"))


def nonzero_exit(exit_code: int) -> Violation:
    return Violation("exit.nonzero", f"the CPI exited {exit_code} after a valid response",
                     director=ignores("uses the answer: it only logs the exit status (external_cpi.rb)"),
                     create_env=fails(f"'{callers.CREATE_ENV_EXEC}: … Running command: …, stdout: …, stderr: …': a "
                                      "non-zero exit fails the call, and stdout is never read"))
