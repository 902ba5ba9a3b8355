"""Real shells in a real terminal, for completion tests: tmux runs each shell in a pseudo-terminal and renders
what it draws, so a test reads the screen a user would see — the list a Tab shows, the word it inserted — rather
than the shell's escape sequences.

Every wait polls the screen until what it wants is there, with a generous deadline: a loaded machine makes a
Tab slow, never wrong.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

DEADLINE_S = 30.0


def require(*programs: str) -> None:
    """Skip when a program is missing, or fail under CI=true (`.ci/run` installs them: a CI run must prove
    completion in every shell, not skip it)."""
    missing = [program for program in programs if shutil.which(program) is None]
    if not missing:
        return
    message = f"{', '.join(missing)} not installed (Debian: apt-get install {' '.join(missing)})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI must run the completion tests in every shell")
    pytest.skip(message)


class Tmux:
    """One private tmux server (its own socket, no config file); one tmux session per shell."""

    def __init__(self, socket: Path, env: Mapping[str, str]) -> None:
        self.base = ["tmux", "-S", str(socket), "-f", "/dev/null"]
        self.env = dict(env)

    def run(self, *args: str) -> str:
        return subprocess.run([*self.base, *args], env=self.env, capture_output=True, text=True, check=True,
                              timeout=DEADLINE_S).stdout

    def start(self, name: str, argv: list[str], cwd: Path) -> None:
        self.run("new-session", "-d", "-s", name, "-x", "200", "-y", "50", "-c", str(cwd), *argv)

    def keys(self, name: str, *keys: str) -> None:
        """Key names (Tab, Enter, C-c) as tmux knows them."""
        self.run("send-keys", "-t", name, *keys)

    def type(self, name: str, text: str) -> None:
        self.run("send-keys", "-t", name, "-l", text)

    def screen(self, name: str) -> str:
        """The visible screen, wrapped lines joined, trailing blanks dropped."""
        lines = self.run("capture-pane", "-p", "-J", "-t", name).splitlines()
        return "\n".join(line.rstrip() for line in lines).strip()

    def wait(self, name: str, wanted: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + DEADLINE_S
        while True:
            screen = self.screen(name)
            if wanted(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{name}: waited {DEADLINE_S:g} s for {what}; the screen shows:\n{screen}")
            time.sleep(0.2)

    def stop(self) -> None:
        subprocess.run([*self.base, "kill-server"], env=self.env, capture_output=True, timeout=DEADLINE_S,
                       check=False)
