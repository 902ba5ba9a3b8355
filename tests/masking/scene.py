"""The scene of the end-to-end masking proof: one work directory, one XDG state and config, every command run once.

`Scene.cpictl` runs a command in this process through `main()` (the real entry point, its error translation and
its files), with the process's registered secrets forgotten first, as a fresh process starts; `Scene.process`
runs one as a real subprocess, stdin piped. Both keep what the command printed, by name.

`shared_scene` builds the scene once per test session, whichever xdist worker asks first: the others wait for it
and read what it kept (`load`), since a module's tests are spread over the workers.

`LeakFinder` looks for every probe of every secret (`catalogue.probes`, and `tests.secret_echoes.leak_probes`, the
encodings a CPI may echo) in a text at once: it indexes the probes by their first characters and reads the text
once, so thousands of probes over megabytes of output cost about a second, not a minute.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tests.conftest import cpictl_bin
from tests.masking.catalogue import Secret, probes
from tests.secret_echoes import leak_probes


@dataclass
class Output:
    code: int
    stdout: str
    stderr: str

    @property
    def both(self) -> str:
        return self.stdout + "\n" + self.stderr


@dataclass
class Scene:
    root: Path
    env: dict[str, str]
    outputs: dict[str, Output] = field(default_factory=dict)
    cpu_seconds: float = 0.0  # of the whole scene: this process and the children it waited for
    cloud: str = ""  # the reference CPI's state files before the cleanup: what the CPI was really given

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def scanned(self) -> list[Path]:
        """Every tree cpictl writes to: its state, its config, the reports it was asked for."""
        return [self.root / "state", self.root / "config", self.reports]

    def cpictl(self, name: str, *argv: str) -> Output:
        from cpictl.cli.main import main
        from cpictl.protocol.redaction import forget_process_secrets

        forget_process_secrets()  # a new process knows no secret yet
        stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
        stderr = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(list(argv))
        output = Output(code, _read(stdout), _read(stderr))
        self.outputs[name] = output
        return output

    def process(self, name: str, *argv: str, stdin: str = "") -> Output:
        proc = subprocess.run([cpictl_bin(), *argv], input=stdin, capture_output=True, text=True, env=self.env,
                              cwd=self.work, timeout=120)
        output = Output(proc.returncode, proc.stdout, proc.stderr)
        self.outputs[name] = output
        return output

    def files(self) -> list[Path]:
        return sorted(path for top in self.scanned if top.exists() for path in top.rglob("*") if path.is_file())

    def save(self, path: Path) -> None:
        kept = {"root": str(self.root), "env": self.env, "cpu_seconds": self.cpu_seconds, "cloud": self.cloud,
                "outputs": {name: asdict(output) for name, output in self.outputs.items()}}
        path.write_text(json.dumps(kept))

    @classmethod
    def load(cls, path: Path) -> Scene:
        kept = json.loads(path.read_text())
        outputs = {name: Output(**output) for name, output in kept["outputs"].items()}
        return cls(Path(kept["root"]), kept["env"], outputs, kept["cpu_seconds"], kept["cloud"])


def shared_scene(base: Path, build: Callable[[Path], Scene]) -> Scene:
    """The scene `build` makes in `base/scene`, made once: `base` is the directory all xdist workers of a session
    share (the parent of each one's base temp)."""
    kept = base / "scene" / "scene.json"
    with open(base / "scene.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if kept.exists():
            return Scene.load(kept)
        scene = build(base / "scene")
        scene.save(kept)
        return scene


def _read(stream: io.TextIOWrapper) -> str:
    stream.flush()
    return stream.buffer.getvalue().decode("utf-8", errors="replace")  # type: ignore[attr-defined]


@contextlib.contextmanager
def environment(values: dict[str, str], cwd: Path) -> Iterator[None]:
    """This process's environment and working directory as the scene's, restored afterwards, and the secrets its
    commands registered for the process forgotten (the tests that follow in this worker know none)."""
    from cpictl.protocol.redaction import forget_process_secrets

    saved, here = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update(values)
    os.chdir(cwd)
    try:
        yield
    finally:
        forget_process_secrets()
        os.chdir(here)
        os.environ.clear()
        os.environ.update(saved)


_BREAKS = re.compile(r"\r?\n|\\r\\n|\\n")


class LeakFinder:
    """Every probe of every secret, found in one pass over a text (and over it with line breaks taken out, so
    base64 wrapped into lines cannot hide a leak)."""

    def __init__(self, secrets: list[Secret]) -> None:
        self.labels: dict[str, set[str]] = {}
        for secret in secrets:
            for probe in probes(secret) | leak_probes(secret.text):
                self.labels.setdefault(probe, set()).add(secret.label)
        self.width = min(len(probe) for probe in self.labels)
        assert self.width >= 8, sorted(self.labels, key=len)[:3]  # shorter probes would match by chance
        self.heads: dict[str, list[str]] = {}
        for probe in self.labels:
            self.heads.setdefault(probe[:self.width], []).append(probe)

    def find(self, text: str) -> dict[str, set[str]]:
        """Secret label → the probes found for it."""
        found: dict[str, set[str]] = {}
        width, heads = self.width, self.heads
        for variant in {text, _BREAKS.sub("", text)}:
            for index in range(len(variant) - width + 1):
                candidates = heads.get(variant[index:index + width])
                if candidates is None:
                    continue
                for probe in candidates:
                    if variant.startswith(probe, index):
                        for label in self.labels[probe]:
                            found.setdefault(label, set()).add(probe[:40])
        return found
