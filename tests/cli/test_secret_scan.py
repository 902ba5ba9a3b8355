"""No secret leaks, in any encoding, from what cpictl shows or writes — however the CPI echoes it.

One scene, run once as real processes: `cpictl call` (table and JSON), `cpictl run` with its JSON and JUnit
reports, and a piped `cpictl repl` session (`:run` and `:save` included), all with the embedded registry, against
`tests/cpis/echo_secrets.py`, a CPI that writes back every secret it was given in every encoding
`tests/secret_echoes.py` knows (plain, base64 at the three alignments inside a longer blob, basic auth, hex,
URL-encoded, JSON-escaped, wrapped into lines…) in its stderr, log, result and error messages. The secrets come from
every place one can: a context property, a cloud_properties password, a cloud_properties value that is secret by its
shape alone (a JWT under `bootstrap`), env bosh.password, `--env`, an inherited variable, a recipe's target.env and
the embedded registry's own password. `instance_type` and the rest stay readable.

Then every output is checked, and every file under the scene's XDG_STATE_HOME, XDG_CONFIG_HOME, report directory
and reference-CPI directory is read and searched for every secret in every encoding. Two files keep real values on
purpose (README): the recipe `:save` writes and the registry capture `<session>.registry.jsonl`; they must be private
instead. Every file cpictl writes is 0600, every directory it makes 0700.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import CPIS, cpictl_bin
from tests.secret_echoes import leaks

CPI = str(CPIS / "echo_secrets.py")
SECRETS = {
    "context property": 'ctx p@ss/w"rd<é>&1',
    "cloud_properties password": "cp-Zk3pQ9xW+vB2/nR7",
    "cloud_properties token by its shape": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzY2FuIn0.U2NhblNpZ25hdHVyZQ",
    "env bosh.password": "$6$rounds=5000$bosh-pw-hash",
    "--env secret": "os-pw-Hx7!q:K9",
    "inherited env secret": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    "recipe target.env secret": "target-env-pw-77",
}
#: Values that are no secret and must stay readable where the CPI echoes them.
PUBLIC = ["m5.large", "eu-west-1", "grp-web"]


def q(value: str) -> str:
    """A value as a YAML (flow) scalar: JSON's double-quoted string is one."""
    return json.dumps(value, ensure_ascii=False)


CLOUD = q(SECRETS["cloud_properties password"])
CREATE_VM = ["create_vm", "agent-1", "sc-1",
             f"{{instance_type: m5.large, bootstrap: {SECRETS['cloud_properties token by its shape']}}}",
             f"{{default: {{type: dynamic, cloud_properties: {{password: {CLOUD}}}}}}}",
             "[]", f"{{bosh: {{password: {q(SECRETS['env bosh.password'])}, group: grp-web}}}}"]
CREATE_DISK = ["create_disk", "1024", f"{{password: {CLOUD}, type: gp3}}", "vm-x"]
RECIPE = f"""name: secret scan
target:
  context: {{api_key: {q(SECRETS['context property'])}}}
  env: {{DB_PASSWORD: {q(SECRETS['recipe target.env secret'])}}}
steps:
  - call: info
  - name: vm
    call: create_vm
    args: [agent-1, sc-1, {CREATE_VM[3]}, {CREATE_VM[4]}, [], {CREATE_VM[6]}]
  - call: create_disk
    args: [1024, {CREATE_DISK[2]}, "${{vm}}"]
  - call: has_vm
    args: [vm-x]
    expect: {{error: CloudError}}
"""


@dataclass
class Scene:
    root: Path
    env: dict[str, str]
    outputs: dict[str, str] = field(default_factory=dict)  # what each command printed, stdout and stderr
    stdout: dict[str, str] = field(default_factory=dict)
    codes: dict[str, int] = field(default_factory=dict)

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def scanned(self) -> list[Path]:
        return [self.root / "state", self.root / "config", self.reports, self.root / "refcpi"]

    def cpictl(self, name: str, *argv: str, stdin: str | None = None) -> None:
        proc = subprocess.run([cpictl_bin(), *argv], input=stdin, capture_output=True, text=True, env=self.env,
                              cwd=self.root / "work", timeout=300)
        self.outputs[name] = proc.stdout + "\n" + proc.stderr
        self.stdout[name] = proc.stdout
        self.codes[name] = proc.returncode

    def secrets(self) -> list[str]:
        """Every secret of the scene: the registries' passwords too (one per process), as the CPI saw them."""
        side = self.root / "side" / "registry-passwords"
        registry = side.read_text().split() if side.exists() else []
        assert registry, "the CPI never saw an embedded registry"
        return [*SECRETS.values(), *sorted(set(registry))]


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Scene:
    root = tmp_path_factory.mktemp("scan")
    for name in ("work", "side", "reports"):
        (root / name).mkdir()
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("CPICTL_", "XDG_")) and name not in ("AWS_SECRET_ACCESS_KEY", "OS_PASSWORD")}
    env.update(XDG_STATE_HOME=str(root / "state"), XDG_CONFIG_HOME=str(root / "config"),
               CPICTL_REFCPI_DIR=str(root / "refcpi"), NO_COLOR="1", COLUMNS="200", REGION="eu-west-1",
               AWS_SECRET_ACCESS_KEY=SECRETS["inherited env secret"],
               ECHO_SECRETS_SIDE_FILE=str(root / "side" / "registry-passwords"))
    scene = Scene(root, env)
    (root / "work" / "scan.yml").write_text(RECIPE)
    # `--env-mode inherit`: the inherited secret (and the test's side-file variable) reach the CPI
    target = ["--cpi", CPI, "--registry", "--env-mode", "inherit", "--env", f"OS_PASSWORD={SECRETS['--env secret']}",
              "--context", f"api_key={q(SECRETS['context property'])}"]
    scene.cpictl("call info -o json", "call", "info", *target, "-o", "json")
    # the table views at -v: every part whole, so every echo the CPI made is on screen to be found masked
    scene.cpictl("call info -o table", "call", "info", *target, "-o", "table", "-v")
    scene.cpictl("call create_vm -o json", "call", *CREATE_VM, *target, "-o", "json")
    scene.cpictl("call create_vm -o table", "call", *CREATE_VM, *target, "-o", "table", "-v")
    scene.cpictl("call create_disk -o table", "call", *CREATE_DISK, *target, "-o", "table", "-v")
    scene.cpictl("call has_vm -o json", "call", "has_vm", "vm-x", *target, "-o", "json")
    scene.cpictl("call has_vm -o table", "call", "has_vm", "vm-x", *target, "-o", "table", "-v")
    reports = ["--report-json", str(scene.reports / "run.json"), "--report-junit", str(scene.reports / "run.xml")]
    scene.cpictl("run -o table", "run", "scan.yml", *target, *reports, "-v")
    scene.cpictl("run -o json", "run", "scan.yml", *target, "-o", "json")
    lines = ["info", " ".join(CREATE_DISK), "has_vm vm-x", " ".join(CREATE_VM), ":last", ":log", ":stderr",
             ":run scan.yml", f":save {scene.reports / 'saved.yml'}"]
    scene.cpictl("repl", "repl", *target, stdin="\n".join(lines) + "\n")
    return scene


def test_the_scene_ran_every_command_and_the_cpi_echoed_its_secrets(scene: Scene) -> None:
    # not a scan of nothing: each command reached the CPI, which echoed secrets cpictl then masked (create_vm: 3,
    # the settings the CPI put in the registry are judged, and they are no agent's settings)
    assert scene.codes == {"call info -o json": 0, "call info -o table": 0, "call create_vm -o json": 3,
                           "call create_vm -o table": 3, "call create_disk -o table": 0, "call has_vm -o json": 1,
                           "call has_vm -o table": 1, "run -o table": 0, "run -o json": 0, "repl": 1}, scene.outputs
    for name, output in scene.outputs.items():
        assert output.count("<redacted>") >= 20, (name, output)
    assert (scene.reports / "run.json").exists() and (scene.reports / "run.xml").exists()
    assert (scene.reports / "saved.yml").exists()


@pytest.mark.parametrize("command", ["call info -o json", "call info -o table", "call create_vm -o json",
                                     "call create_vm -o table", "call create_disk -o table", "call has_vm -o json",
                                     "call has_vm -o table", "run -o table", "run -o json", "repl"])
def test_no_output_shows_a_secret_in_any_encoding(scene: Scene, command: str) -> None:
    assert leaks(scene.outputs[command], scene.secrets()) == []


def test_what_is_no_secret_stays_readable(scene: Scene) -> None:
    document = json.loads(scene.stdout["call create_vm -o json"])
    for value in PUBLIC:
        assert value in document["stderr"] and value in document["response"]["log"], value
    assert "registry-admin:" not in document["stderr"]  # the echo's user name is base64-encoded with its password
    report = (scene.reports / "run.json").read_text()
    assert [value for value in PUBLIC if value not in report] == []
    assert [value for value in PUBLIC if value not in scene.outputs["repl"]] == []  # :log and :stderr show all


def _files(scene: Scene) -> list[Path]:
    return sorted(path for top in scene.scanned if top.exists() for path in top.rglob("*") if path.is_file())


def _kept_on_purpose(path: Path) -> bool:
    return path.name.endswith(".registry.jsonl") or path.name == "saved.yml"


def test_no_file_a_run_writes_holds_a_secret_in_any_encoding(scene: Scene) -> None:
    files = _files(scene)
    names = {path.name for path in files}
    assert {"default.jsonl", "run.json", "run.xml", "saved.yml", "default.registry.jsonl"} <= names, names
    found = {str(path): leaks(path.read_bytes().decode("utf-8", errors="replace"), scene.secrets())
             for path in files if not _kept_on_purpose(path)}
    assert {path: hits for path, hits in found.items() if hits} == {}


def test_the_two_files_that_keep_real_values_are_private(scene: Scene) -> None:
    kept = [path for path in _files(scene) if _kept_on_purpose(path)]
    assert sorted(path.name for path in kept) == ["default.registry.jsonl", "saved.yml"]
    for path in kept:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    # they do hold real values: the exemption is not what makes the scan above pass
    registry = next(path for path in kept if path.name == "default.registry.jsonl").read_text()
    assert leaks(registry, [SECRETS["env bosh.password"]])


def test_every_file_and_directory_cpictl_makes_is_private(scene: Scene) -> None:
    for top in scene.scanned:
        if not top.exists():
            continue
        for path in [top, *top.rglob("*")]:
            mode = stat.S_IMODE(path.lstat().st_mode)
            if path == scene.reports:
                continue  # the test made it
            assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
