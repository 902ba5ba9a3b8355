"""`make docs-images`: the README's pictures, docs/images/*.svg, drawn from real cpictl runs.

Each scene runs the installed cpictl (`.venv/bin/cpictl`'s own entry point) against the bundled reference CPI in a
throw-away directory, as `scripts/demo.sh` does: its own XDG_STATE_HOME, XDG_CONFIG_HOME, CPICTL_REFCPI_DIR and
session, so no run touches your sessions. Every command runs in a real terminal — a private tmux server, 80
columns wide — and what that terminal shows when the command has ended (`tmux capture-pane -e`: the screen with
its colours, spinners and erased lines already resolved) is turned back into rich text (`Text.from_ansi`) and
saved with `Console.save_svg`, titled with the command line as typed. A terminal rather than a pipe with
FORCE_COLOR: cpictl decides table or JSON, the live spinner and coloured diagnostics by asking whether stdout and
stderr are terminals, so only a terminal gives the picture an operator sees with the commands as they would type
them (no `-o table`).

Provenance: each command runs through `WRAPPER`, which runs `cpictl.cli.entry:main` exactly as the console script
does and, when it returns, appends the files of the cpictl modules the process loaded to a side file. The view
modules among them are written into the SVG with the sha256 of their source, in a `<metadata>` element near the
top (not an XML comment: the commands hold `--yes`, and `--` may not appear inside a comment).
`tests/docs/test_images.py` fails when one of them has changed since, so a picture cannot silently fall behind the
code that draws it.

The rule for a view module (`is_view_module`): every module under `cpictl/render/` (the layer whose functions
return what is drawn), and the modules of `cpictl/cli/` and `cpictl/repl/` named `output`, `*_output` or
`*_view` (the edges that put those renderables on the screen: `check_output`, `run_view`, `call_output`, ...).
Commands, options and services are left out: they change what is done, not how it looks.

The log imported by the `trace-import` scene is written here, from this run's own calls (the session's trace:
real requests the reference CPI answered), in the layout the director's task debug log gives them
(`external_cpi.rb`, as `tests/traces/log_writers.py` writes it for the import tests). It is never committed.

`--only NAME` (repeatable) draws some scenes, playing those before them too (each builds on what the ones before
left) and none after; `--out DIR` writes elsewhere than docs/images; `--list` prints the scene names.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
CPICTL = ROOT / ".venv" / "bin" / "cpictl"
PYTHON = ROOT / ".venv" / "bin" / "python"
WIDTH = 80
HEIGHT = 200  # rows of the terminal: every scene's output fits on one screen, so nothing scrolls out of the capture
DEADLINE_S = 300.0
TITLE_FITS = 72  # characters of a title that fit rich's title bar at 80 columns in its 18px font
MODULES_ENV = "CPICTL_DOCS_MODULES"
PROVENANCE_ID = "cpictl-provenance"

# The console script's body (`.venv/bin/cpictl`), plus the list of loaded modules at the end. sys.path[0] and
# argv[0] are set as the console script has them, so typer names the program `cpictl` and imports resolve alike.
WRAPPER = """\
import os, sys
sys.argv[0] = os.environ["CPICTL_DOCS_ARGV0"]
sys.path[0] = os.path.dirname(sys.argv[0])
from cpictl.cli.entry import main
try:
    code = main()
finally:
    with open(os.environ["CPICTL_DOCS_MODULES"], "a") as out:
        out.writelines(module.__file__ + "\\n" for module in list(sys.modules.values())
                       if getattr(module, "__name__", "").startswith("cpictl") and getattr(module, "__file__", None))
sys.exit(code)
"""

TMUX_CONF = """\
set -g default-terminal screen-256color
set -g remain-on-exit on
set -g status off
set -g history-limit 10000
"""


@dataclass
class Command:
    """One cpictl process: its words after `cpictl`, extra environment (shown before `cpictl`, as typed) and stdin
    (a file in the scene directory, shown as `< FILE`; None: the terminal)."""

    words: list[str]
    env: dict[str, str] = field(default_factory=dict)
    stdin: str | None = None
    exits: tuple[int, ...] = ()  # exit codes besides 0 that are the point of the command (a contract broken)

    def typed(self) -> str:
        parts = [f"{name}={value}" for name, value in self.env.items()]
        parts += ["cpictl", *(shell_word(word) for word in self.words)]
        if self.stdin:
            parts += ["<", self.stdin]
        return " ".join(parts)


@dataclass
class Scene:
    """An image: `setup` runs first, unseen (with -q where it can), then `shown` is run and drawn."""

    name: str
    shown: Command
    setup: list[Command] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # written into the scene directory before it runs


def shell_word(word: str) -> str:
    """A word as it is typed in a shell: quoted where the shell would change it ('{}', '${vm}')."""
    if word and all(char.isalnum() or char in "_./:=,@%+-" for char in word):
        return word
    return "'" + word.replace("'", "'\\''") + "'"


REPL_SCRIPT = """\
:set detail quiet
create_stemcell recipes/assets/image.tgz {}
create_vm agent-2 ${stemcell} {} {default: {type: dynamic}}
create_disk 1024 {}
attach_disk ${vm} ${disk}
:ids
"""

FAULT = {"CPICTL_REFCPI_FAULTS": "attach_disk=numeric-lun"}
STEMCELL = Command(["call", "-q", "create_stemcell", "recipes/assets/image.tgz", "{}"])
VM = Command(["call", "create_vm", "agent-1", "${stemcell}", "{}", "{default: {type: dynamic}}"])
DISK = Command(["call", "-q", "create_disk", "1024", "{}"])
ATTACH = Command(["call", "-q", "attach_disk", "${vm}", "${disk}"])
LOG = "task-42-debug.log"

SCENES = [
    Scene("call", VM, setup=[STEMCELL]),
    Scene("contract", Command(["call", "attach_disk", "${vm}", "${disk}"], env=FAULT, exits=(3,)), setup=[DISK]),
    Scene("metadata", Command(["metadata", "show"])),
    Scene("ids", Command(["ids"])),
    Scene("cleanup", Command(["cleanup", "--yes"])),
    Scene("run", Command(["run", "recipes/walkthrough.yml"])),
    Scene("repl", Command(["repl"], stdin="tour.repl"), files={"tour.repl": REPL_SCRIPT}),
    Scene("trace-import", Command(["trace", "import", LOG])),
    Scene("check", Command(["check"])),
]


def is_view_module(relative: str) -> bool:
    """The rule of the module docstring, on a path relative to the repository (`cpictl/render/call_view.py`)."""
    parts = Path(relative).parts
    if len(parts) < 3 or parts[0] != "cpictl" or not relative.endswith(".py"):
        return False
    if parts[1] == "render":
        return True
    stem = Path(relative).stem
    return len(parts) == 3 and parts[1] in ("cli", "repl") and (
        stem == "output" or stem.endswith("_output") or stem.endswith("_view"))


def sha256_of(relative: str) -> str:
    return hashlib.sha256((ROOT / relative).read_bytes()).hexdigest()


class Terminal:
    """A private tmux server (its own socket and config) holding one 80-column terminal per command."""

    def __init__(self, home: Path, env: dict[str, str]) -> None:
        home.mkdir()
        (home / "tmux.conf").write_text(TMUX_CONF)
        self.base = ["tmux", "-u", "-S", str(home / "socket"), "-f", str(home / "tmux.conf")]
        self.env = env
        self.count = 0

    def tmux(self, *args: str) -> str:
        return subprocess.run([*self.base, *args], env=self.env, capture_output=True, text=True, check=True,
                              timeout=30).stdout

    def run(self, argv: list[str], cwd: Path) -> str:
        """Run argv in a fresh terminal until it exits; the screen it leaves, with its colours (SGR codes)."""
        self.count += 1
        name = f"scene{self.count}"
        self.tmux("new-session", "-d", "-s", name, "-x", str(WIDTH), "-y", str(HEIGHT), "-c", str(cwd), *argv)
        deadline = time.monotonic() + DEADLINE_S
        # polling is fine here: this is a generator, not a test, and a slow machine only makes it wait longer
        while self.tmux("display-message", "-p", "-t", name, "#{pane_dead}").strip() != "1":
            if time.monotonic() > deadline:
                raise SystemExit(f"{' '.join(argv)}: still running after {DEADLINE_S:g} s")
            time.sleep(0.1)
        screen = self.tmux("capture-pane", "-e", "-p", "-S", "-", "-t", name)  # -S -: a line may sit in the history
        self.tmux("kill-session", "-t", name)
        return screen

    def stop(self) -> None:
        subprocess.run([*self.base, "kill-server"], env=self.env, capture_output=True, timeout=30, check=False)


def visible_lines(screen: str) -> str:
    """The command's output: tmux's own "Pane is dead" line and the blank rows below the output dropped."""
    lines = screen.rstrip("\n").split("\n")
    while lines and (not strip_sgr(lines[-1]).strip() or strip_sgr(lines[-1]).startswith("Pane is dead")):
        lines.pop()
    return "\n".join(lines)


def strip_sgr(line: str) -> str:
    from rich.text import Text

    return Text.from_ansi(line).plain


class Stage:
    """The throw-away directory every scene runs in (also the commands' working directory, so the paths typed
    in them are short and relative), and cpictl's environment there. XDG_STATE_HOME, XDG_CONFIG_HOME and
    CPICTL_REFCPI_DIR must be absolute: cpictl ignores a relative XDG directory, as the XDG spec says, and would
    use ~/.local/state — your own sessions."""

    def __init__(self, home: Path) -> None:
        self.home = home
        (home / "recipes").symlink_to(ROOT / "recipes")  # so `recipes/walkthrough.yml` reads as in the README
        env = {name: value for name, value in os.environ.items()
               if not name.startswith(("CPICTL_", "XDG_", "TMUX")) and name not in ("COLUMNS", "LINES", "NO_COLOR",
                                                                                  "FORCE_COLOR", "TTY_COMPATIBLE")}
        env.update(XDG_STATE_HOME=str(home / "state"), XDG_CONFIG_HOME=str(home / "config"),
                   CPICTL_REFCPI_DIR=str(home / "refcpi"),
                   CPICTL_REFCPI_SEED="7", CPICTL_DOCS_ARGV0=str(CPICTL), LC_ALL="C.UTF-8")
        self.env = env
        self.terminal = Terminal(home / ".tmux", env)

    def argv(self, command: Command, modules: Path | None) -> list[str]:
        env = {**command.env, MODULES_ENV: str(modules or os.devnull)}
        run = ["env", *(f"{name}={value}" for name, value in env.items()), str(PYTHON), "-c", WRAPPER,
               *command.words]
        if command.stdin is None:
            return run
        return ["sh", "-c", 'exec "$@" < "$0"', command.stdin, *run]

    def quietly(self, command: Command) -> None:
        """A command run for what it leaves behind: only its exit code is looked at."""
        run = subprocess.run(self.argv(command, None), cwd=self.home, env=self.env, capture_output=True, text=True,
                             timeout=DEADLINE_S)
        if run.returncode not in (0, *command.exits):
            raise SystemExit(f"`{command.typed()}` exited {run.returncode}:\n{run.stdout}{run.stderr}")

    def play(self, scene: Scene, *, draw: bool, out: Path = IMAGES) -> Path | None:
        """Run the scene; draw its shown command, or (when it is not drawn this time) run it quietly, since later
        scenes build on what it leaves."""
        for name, text in scene.files.items():
            (self.home / name).write_text(text)
        for command in scene.setup:
            self.quietly(command)
        if scene.name == "trace-import":
            write_director_log(self.home / "state" / "cpictl" / "sessions" / "default.jsonl.trace.jsonl",
                               self.home / LOG)
        if not draw:
            self.quietly(scene.shown)
            return None
        modules = self.home / f".{scene.name}.modules"
        modules.unlink(missing_ok=True)
        screen = self.terminal.run(self.argv(scene.shown, modules), self.home)
        views = view_modules(modules)
        if not views:
            raise SystemExit(f"{scene.name}: the process loaded no view module (see is_view_module)")
        return save_svg(scene, visible_lines(screen), views, out)


def view_modules(listing: Path) -> dict[str, str]:
    """{path relative to the repository: sha256 of its source} for the view modules the process loaded."""
    found: dict[str, str] = {}
    for line in listing.read_text().splitlines() if listing.exists() else []:
        try:
            relative = Path(line).resolve().relative_to(ROOT).as_posix()
        except ValueError:
            continue  # a cpictl imported from elsewhere would be a broken install, not a view of this tree
        if is_view_module(relative):
            found[relative] = sha256_of(relative)
    return dict(sorted(found.items()))


def save_svg(scene: Scene, screen: str, views: dict[str, str], out: Path = IMAGES) -> Path:
    from rich.console import Console
    from rich.text import Text

    console = Console(record=True, width=WIDTH, force_terminal=True, color_system="truecolor", file=io.StringIO(),
                      legacy_windows=False)
    console.print(Text.from_ansi(screen), soft_wrap=True)
    title = "$ " + scene.shown.typed()
    svg = console.export_svg(title=title)
    if len(title) > TITLE_FITS:  # rich's 18px title would run under the window's buttons
        svg = svg.replace("font-size: 18px;", f"font-size: {18 * TITLE_FITS // len(title)}px;", 1)
    provenance = {"made_by": "scripts/docs_images.py (make docs-images)", "commands": [title],
                  "view_modules": views}
    metadata = (f'<metadata id="{PROVENANCE_ID}">'
                f"{escape_xml(json.dumps(provenance, indent=1, ensure_ascii=False))}</metadata>\n")
    head, tag_end, rest = svg.partition(">\n")  # after the root element's opening tag
    path = out / f"{scene.name}.svg"
    path.write_text(head + tag_end + metadata + rest)
    return path


def escape_xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_director_log(trace: Path, log: Path) -> None:
    """The session's calls up to the first attach_disk (the `call` and `contract` scenes: the negotiating `info`,
    create_stemcell, create_vm, create_disk, the broken attach_disk) as a director task debug log shows them,
    with a few of the director's own lines between (see the module docstring)."""
    sys.path.insert(0, str(ROOT))
    from tests.traces.log_writers import director_line, dumped

    entries = []
    for line in trace.read_text().splitlines():
        entries.append(json.loads(line))
        if entries[-1]["request"]["method"] == "attach_disk":
            break
    lines = [director_line("Renewing lock: lock:deployment:docs", second=0)]
    for number, entry in enumerate(entries):
        request, second = entry["request"], 2 * number + 1
        request_id = request["context"]["request_id"]
        command = shlex.join(entry["target"]["argv"])
        lines.append(director_line(f"[external-cpi] [{request_id}] request: {dumped(request)} with command: "
                                   f"{command}", second=second))
        lines.append(director_line("(0.000151s) (conn: 47284) SELECT * FROM \"instances\" WHERE (\"id\" = 1)",
                                   second=second))
        lines.append(director_line(f"[external-cpi] [{request_id}] response: {dumped(entry['response'])}, err: "
                                   f"{entry['stderr']}, exit_status: {entry['exit_code']}", second=second + 1))
    log.write_text("".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=[scene.name for scene in SCENES])
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away directory (its path is printed)")
    parser.add_argument("--out", type=Path, default=IMAGES, help="where to write the SVGs (default: docs/images)")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(scene.name for scene in SCENES))
        return 0
    if shutil.which("tmux") is None:
        raise SystemExit("docs-images needs tmux (Debian: apt-get install tmux)")
    args.out.mkdir(parents=True, exist_ok=True)
    # with --only, the scenes up to the last one asked for: each scene builds on what the ones before it left
    last = max((index for index, scene in enumerate(SCENES) if scene.name in args.only), default=len(SCENES) - 1) \
        if args.only else len(SCENES) - 1
    home = Path(tempfile.mkdtemp(prefix="docs-"))  # short: paths in it show in some views
    stage = Stage(home)
    try:
        for scene in SCENES[:last + 1]:
            started = time.monotonic()
            path = stage.play(scene, draw=not args.only or scene.name in args.only, out=args.out)
            if not (home / "state" / "cpictl" / "sessions" / "default.jsonl").exists():
                raise SystemExit("cpictl did not keep its journal in the throw-away directory: stopped")
            if path is not None:
                shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                print(f"wrote {shown} ({time.monotonic() - started:.1f} s)")
    finally:
        stage.terminal.stop()
        if args.keep:
            print(f"kept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    return 0


def provenance_of(svg_text: str) -> dict[str, Any]:
    """The provenance block of an SVG this script wrote (for the tests)."""
    import xml.etree.ElementTree as ElementTree

    root = ElementTree.fromstring(svg_text)
    for element in root.iter("{http://www.w3.org/2000/svg}metadata"):
        if element.get("id") == PROVENANCE_ID:
            return json.loads(element.text or "{}")
    return {}


if __name__ == "__main__":
    sys.exit(main())
