"""`shell_line`: the one-liner `call --dry-run` and `trace export --shell` both print, run by a real shell."""

from __future__ import annotations

import subprocess
import sys

from cpictl.targets.shell_line import shell_line

READER = [sys.executable, "-c", "import os, sys; print(sys.stdin.read(), os.environ.get('T_KEY'), os.getcwd())"]


def test_the_line_sends_the_stdin_and_environment_with_blanks_read_from_variables(tmp_path):
    line = shell_line('{"password":"@@1@@"}', READER, env={"T_KEY": "a-@@2@@-b", "PATH": "/usr/bin:/bin"},
                      clear_env=True, cwd=str(tmp_path), blanks={"@@1@@": "PASSWORD", "@@2@@": "T_KEY_PART"})
    assert line.startswith(': "${PASSWORD?}" "${T_KEY_PART?}" && (cd ')
    done = subprocess.run(["sh", "-c", line], env={"PASSWORD": "it's $x", "T_KEY_PART": "k"}, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f'{{"password":"it\'s $x"}} a-k-b {tmp_path}\n'


def test_without_a_cleared_environment_only_the_variables_given_are_set():
    line = shell_line("{}", ["cpi"], env={"T_KEY": "v w"}, clear_env=False, cwd=None)
    assert line == "printf '%s' '{}' | T_KEY='v w' cpi"
