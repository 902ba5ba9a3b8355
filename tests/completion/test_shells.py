"""Completion in real bash, zsh and fish: each shell runs in a pseudo-terminal (tmux), loads the committed script
the way completions/README.md says, and a test presses Tab and reads what the shell offers.

The session holds a stemcell, a VM and a disk made beforehand by real `cpictl call` processes, so
`cpictl call delete_vm <Tab>` must insert that VM's ID — a disk ID there would be a bug a user could act on.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.completion.terminal import Tmux, require
from tests.conftest import ROOT, cpictl_bin

SHELLS = ("bash", "zsh", "fish")
PROMPT = {"bash": "READY$", "zsh": "READY#" if os.geteuid() == 0 else "READY%", "fish": "READY>"}


@dataclass
class Scene:
    tmux: Tmux
    home: Path
    stemcell: str
    vm: str
    disk: str


def _created(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run([cpictl_bin(), "call", *args, "-o", "json"], env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(proc.stdout)["cloud_ids"]["created"][0]["cid"]


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    require("tmux")
    home = tmp_path_factory.mktemp("shells")
    env = {"PATH": f"{Path(cpictl_bin()).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": str(home / "home"),
           "XDG_STATE_HOME": str(home / "state"), "XDG_CONFIG_HOME": str(home / "config"),
           "XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "cache"),
           "CPICTL_REFCPI_DIR": str(home / "refcpi"), "LANG": "C.UTF-8", "TERM": "xterm-256color"}
    (home / "home").mkdir()
    image = home / "image.tgz"
    image.write_bytes(b"stemcell")
    stemcell = _created(env, "create_stemcell", str(image), "{}")
    vm = _created(env, "create_vm", "agent-1", stemcell, "{}", "{default: {type: dynamic}}")
    disk = _created(env, "create_disk", "1024", "{}")
    tmux = Tmux(home / "tmux.socket", env)
    try:
        yield Scene(tmux, home, stemcell, vm, disk)
    finally:
        tmux.stop()


def _load_bash(scene: Scene) -> str:
    return "source completions/cpictl.bash"


def _load_zsh(scene: Scene) -> str:
    functions = scene.home / "zfunc"  # "copy completions/_cpictl into a directory on your $fpath"
    functions.mkdir()
    shutil.copy(ROOT / "completions" / "_cpictl", functions)
    return f"fpath=({functions} $fpath); autoload -Uz compinit && compinit -d {scene.home}/zcompdump"


def _load_fish(scene: Scene) -> str:
    config = scene.home / "config" / "fish"  # "copy completions/cpictl.fish to ~/.config/fish/completions/"
    (config / "completions").mkdir(parents=True)
    shutil.copy(ROOT / "completions" / "cpictl.fish", config / "completions")
    (config / "config.fish").write_text("set -g fish_greeting ''\nset -g fish_autosuggestion_enabled 0\n")
    return "function fish_prompt; echo -n 'READY> '; end"


# bash lists ambiguous matches on a second Tab by default; with show-all-if-ambiguous, on the first, as the others
START = {"bash": (["bash", "--norc", "--noprofile"], _load_bash,
                  "PS1='READY$ '; bind 'set bell-style none'; bind 'set show-all-if-ambiguous on'"),
         "zsh": (["zsh", "-f"], _load_zsh, "PROMPT='READY%# '"),
         "fish": (["fish"], _load_fish, "")}


@pytest.fixture(scope="module", params=SHELLS)
def shell(request: pytest.FixtureRequest, scene: Scene) -> str:
    """A shell of the scene, started at the repository's root with the completion script loaded."""
    name = request.param
    require(name)
    argv, load, prompt = START[name]
    setup = "; ".join(part for part in (prompt, load(scene)) if part)
    scene.tmux.start(name, argv, ROOT)
    scene.tmux.type(name, setup)
    scene.tmux.keys(name, "Enter")
    scene.tmux.wait(name, lambda screen: screen.endswith(PROMPT[name]), "the prompt after loading the script")
    return name


def tab(scene: Scene, shell: str, line: str) -> None:
    """On a cleared screen, type `line` and press Tab."""
    tmux = scene.tmux
    tmux.keys(shell, "C-c")
    tmux.wait(shell, lambda screen: screen.splitlines()[-1] == PROMPT[shell], "an empty command line")
    tmux.keys(shell, "C-l")
    tmux.wait(shell, lambda screen: screen == PROMPT[shell], "a cleared screen")
    tmux.type(shell, line)
    tmux.keys(shell, "Tab")


def test_tab_offers_method_names(scene: Scene, shell: str):
    tab(scene, shell, "cpictl call create_")
    screen = scene.tmux.wait(shell, lambda s: "create_vm" in s and "create_disk" in s, "the create_ methods")
    assert "create_stemcell" in screen and "delete_vm" not in screen


def test_tab_inserts_the_live_vm_id_not_a_disk_id(scene: Scene, shell: str):
    tab(scene, shell, "cpictl call delete_vm ")
    screen = scene.tmux.wait(shell, lambda s: scene.vm in s, "the VM's ID")
    assert screen.splitlines()[-1].rstrip() == f"{PROMPT[shell]} cpictl call delete_vm {scene.vm}"
    assert scene.disk not in screen and scene.stemcell not in screen


def test_second_slot_of_attach_disk_takes_the_disk(scene: Scene, shell: str):
    tab(scene, shell, f"cpictl call attach_disk {scene.vm} ")
    screen = scene.tmux.wait(shell, lambda s: scene.disk in s, "the disk's ID")
    assert screen.splitlines()[-1].rstrip() == f"{PROMPT[shell]} cpictl call attach_disk {scene.vm} {scene.disk}"


def test_a_file_option_falls_back_to_the_shells_own_file_completion(scene: Scene, shell: str):
    # cpictl offers nothing for a file (`--raw FILE`): each script hands the Tab to the shell's file completion
    tab(scene, shell, "cpictl call --raw READ")
    screen = scene.tmux.wait(shell, lambda s: "README.md" in s, "README.md completed")
    assert screen.splitlines()[-1].rstrip() == f"{PROMPT[shell]} cpictl call --raw README.md"


def test_an_option_value_after_an_equals_sign_completes(scene: Scene, shell: str):
    # bash breaks words at `=`: `--print=res` reaches cpictl as three words, and must still complete
    tab(scene, shell, "cpictl call --print=res")
    screen = scene.tmux.wait(shell, lambda s: "--print=result" in s, "--print=result")
    assert screen.splitlines()[-1].rstrip() == f"{PROMPT[shell]} cpictl call --print=result"


def test_a_missing_shell_skips_but_fails_under_ci(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(shutil, "which", lambda program: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install fish"):
        require("fish")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the completion tests in every shell"):
        require("fish")
