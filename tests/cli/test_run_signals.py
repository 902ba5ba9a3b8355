"""A run ended by SIGTERM (a CI job cancelled) or SIGHUP says so when it announces the finally steps — not
"interrupted", which reads as a Ctrl-C nobody pressed. Each test runs cpictl as a real process, with its output
in a pipe as in a CI log, and signals it once the line it waits for has arrived."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from tests.conftest import cpictl_bin

TIMEOUT = 120.0
IMAGE = Path(__file__).resolve().parents[2] / "recipes" / "assets" / "image.tgz"

# The slow step never finishes by itself within a test's lifetime: the signal always finds it running.
SLOW_MAIN = f"""name: slow
steps:
  - {{name: sc, call: create_stemcell, args: ["{IMAGE}", {{}}]}}
  - {{name: slow, call: create_disk, args: [1024, {{refcpi_fault: "delay:600"}}, null]}}
finally:
  - {{name: cleanup, call: delete_stemcell, args: ["${{stemcell}}"], expect: {{ok: any}}}}
"""

SLOW_FINALLY = """name: slow cleanup
steps:
  - {name: quick, call: info}
finally:
  - {name: first, call: info}
  - {name: slow, call: create_disk, args: [1024, {refcpi_fault: "delay:600"}, null]}
  - {name: never, call: info}
"""


def signal_after(recipe: Path, line_start: str, signum: int) -> tuple[int, str]:
    """Run `recipe`, send `signum` once a line starting with `line_start` was printed; (exit code, stdout)."""
    proc = subprocess.Popen([cpictl_bin(), "run", str(recipe)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None
    seen: list[str] = []
    try:
        for line in proc.stdout:
            seen.append(line)
            if line.startswith(line_start):
                proc.send_signal(signum)
                break
        out, _ = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, "".join(seen) + out


def test_sigterm_during_the_main_steps_is_announced_as_sigterm(tmp_path):
    recipe = tmp_path / "slow.yml"
    recipe.write_text(SLOW_MAIN)
    code, out = signal_after(recipe, "✔ sc", signal.SIGTERM)
    assert code == 143, out
    notice = out.index("terminated (SIGTERM): running the finally steps (another SIGTERM or Ctrl-C stops them)")
    assert notice < out.index("✔ cleanup")
    assert "interrupted: running the finally steps" not in out and "Ctrl-C again" not in out


def test_sighup_is_announced_as_a_hangup_where_the_output_still_goes(tmp_path):
    recipe = tmp_path / "slow.yml"
    recipe.write_text(SLOW_MAIN)
    code, out = signal_after(recipe, "✔ sc", signal.SIGHUP)
    assert code == 129, out
    assert "hung up (SIGHUP; the terminal closed): running the finally steps" in out
    assert "interrupted: running the finally steps" not in out


def test_sigterm_during_the_finally_steps_is_announced_as_sigterm(tmp_path):
    recipe = tmp_path / "slow.yml"
    recipe.write_text(SLOW_FINALLY)
    code, out = signal_after(recipe, "✔ first", signal.SIGTERM)
    assert code == 143, out
    assert "terminated (SIGTERM) during the finally steps: the rest are not run" in out
    assert "interrupted during the finally steps" not in out and "running the finally steps" not in out
