"""Masking by meaning, proven end to end: no secret, of any shape, from any place, leaks from any output or file.

One scene, run once for the module (`scene`): every secret shape the suite knows (`catalogue`: PEM private keys
and certificates, a PEM inside a script, a JWT, AKIA/ASIA key ids, ghp_/github_pat_/glpat-/xoxb- tokens, Basic and
Bearer credentials, a URL's password and a token given as a URL's user, values under keys that name a secret at
any depth, under a target's `secrets:` key, and a number) is put, made afresh for each place, in create_stemcell's
cloud_properties, create_vm's, a network's, create_vm's env, set_vm_metadata's metadata and create_disk's
cloud_properties; the named targets' context properties and environment (`OS_PASSWORD`, a token, a variable the
target's `secrets:` names, proxy credentials) and `--context`/`--env AWS_SECRET_ACCESS_KEY=` add theirs.

Real commands then run against the bundled reference CPI (target `ref`; it writes the env and networks into agent
settings, which cpictl shows, and answers create_vm with the networks) and against `tests/cpis/echo_every_value.py`
(target `echo`; it echoes every value it gets, and a URL's user and password apart, in every encoding of
`tests/secret_echoes.py`, in its stderr, log, info result and error messages): `call` as table, JSON and YAML,
`call --dry-run`, `run` with its JSON and JUnit reports, `trace list/show/export`, `ids`, `target show`,
`metadata show`, a piped `repl`, and a `repl` in a pseudo-terminal for its history file.

Every output and every file under the scene's XDG_STATE_HOME, XDG_CONFIG_HOME and report directory is then searched
for every secret: as itself, JSON- and XML-escaped, in every encoding the echoing CPI used, and as 10-character
pieces of its random core (so a truncated or wrapped secret is found too). Every file is 0600, every directory
0700. And what is no secret — a stemcell's name, version and infrastructure, an instance_type, availability_zone,
key_name, kms_key_id, subnet — is shown, in the table and in the JSON.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CPIS, cpictl_bin
from tests.masking import catalogue
from tests.masking.catalogue import PLACES, TARGET_SECRET_KEY, VISIBLE, Secret
from tests.masking.scene import LeakFinder, Output, Scene, environment, shared_scene
from tests.secret_echoes import echoes

ECHO_CPI = CPIS / "echo_every_value.py"
FLAG_ENV = catalogue.flag_env_secret()
FLAG_CONTEXT = catalogue.flag_context_secret()
PLACED = {name: catalogue.place(name) for name in PLACES}
CONTEXT, CONTEXT_SECRETS = catalogue.context_secrets()
TARGET_ENV, ENV_SECRETS = catalogue.env_secrets()
SECRETS: list[Secret] = [secret for placed in PLACED.values() for secret in placed.secrets] + CONTEXT_SECRETS + \
    ENV_SECRETS + [FLAG_ENV, FLAG_CONTEXT]
#: The options every call takes besides its target: a secret in the CPI's environment and one in the context.
EXTRA = ["--env", f"AWS_SECRET_ACCESS_KEY={FLAG_ENV.text}", "--context", f"project_hint={FLAG_CONTEXT.text}"]
NETWORK_NAME = "private"  # a network's name is the operator's word, not a key


def flow(value: Any) -> str:
    """A value as one YAML word (JSON is YAML), for a command line, a recipe or a REPL line."""
    return json.dumps(value, ensure_ascii=False)


def networks() -> dict[str, Any]:
    return {NETWORK_NAME: {"type": "manual", "ip": "10.0.0.5", "netmask": "255.255.255.0", "gateway": "10.0.0.1",
                           "cloud_properties": PLACED["network"].value}}


def _config() -> str:
    common = {"context": CONTEXT, "secrets": [TARGET_SECRET_KEY, "OS_PROJECT"]}
    echoed = ",".join([*TARGET_ENV, "AWS_SECRET_ACCESS_KEY"])
    return json.dumps({"targets": {
        "ref": {"cpi": [sys.executable, "-m", "cpictl.refcpi"], "env": TARGET_ENV, **common},
        "echo": {"cpi": [str(ECHO_CPI)], "env": {**TARGET_ENV, "ECHO_ENV": echoed}, **common},
    }}, indent=1)


def _recipe() -> str:
    steps = [{"call": "create_stemcell", "args": ["./image.tgz", PLACED["stemcell"].value]},
             {"name": "vm", "call": "create_vm",
              "args": ["agent-1", "${stemcell}", PLACED["vm"].value, networks(), [], PLACED["env"].value]},
             {"call": "set_vm_metadata", "args": ["${vm}", PLACED["metadata"].value]},
             {"call": "create_disk", "args": [1024, PLACED["disk"].value, "${vm}"]},
             {"call": "has_vm", "args": ["vm-gone"], "expect": {"result": [{"equals": False}]}}]
    return json.dumps({"name": "masking proof", "steps": steps}, ensure_ascii=False, indent=1)


def _arguments(scene: Scene) -> dict[str, str]:
    """The argument files (`@file`), in the work directory: a user's own files, not cpictl's."""
    files = {"networks": networks(), **{name: placed.value for name, placed in PLACED.items()}}
    for name, value in files.items():
        (scene.work / f"{name}.json").write_text(json.dumps(value, ensure_ascii=False))
    return {name: f"@{name}.json" for name in files}


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Scene:
    """Built once per session: the xdist workers share the parent of their base temps."""
    base = tmp_path_factory.getbasetemp()
    return shared_scene(base if worker_id == "master" else base.parent, _build)


def _build(root: Path) -> Scene:
    for name in ("work", "reports"):
        (root / name).mkdir(parents=True)
    env = {name: value for name, value in os.environ.items() if not name.startswith(("CPICTL_", "XDG_"))}
    # the reference CPI's cloud is its own, outside what cpictl writes: it holds real values, as a cloud does
    env.update(XDG_STATE_HOME=str(root / "state"), XDG_CONFIG_HOME=str(root / "config"),
               CPICTL_REFCPI_DIR=str(root / "cloud"), NO_COLOR="1", COLUMNS="400", TERM="dumb")
    scene = Scene(root, env)
    (scene.work / "cpictl.yml").write_text(_config())
    (scene.work / "recipe.yml").write_text(_recipe())
    (scene.work / "image.tgz").write_bytes(b"image")
    started = _cpu_seconds()
    with environment(env, scene.work):
        _run(scene, _arguments(scene))
    scene.cpu_seconds = _cpu_seconds() - started
    return scene


def _cpu_seconds() -> float:
    """CPU time of this process and of the children it waited for (the CPIs, the REPLs)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


#: How a call is shown: the table at each detail level (normal: each value on one line, cut to fit; verbose:
#: everything whole; quiet: one line), JSON and YAML.
VIEWS = ("-o table -v", "-o json", "-o table", "-o table -q", "-o yaml")


def _run(scene: Scene, files: dict[str, str]) -> None:
    ref, echo = ["--target", "ref", *EXTRA], ["--target", "echo", *EXTRA]
    stemcell = ["create_stemcell", "./image.tgz", files["stemcell"]]
    vm = ["create_vm", "agent-1", "${stemcell}", files["vm"], files["networks"], "[]", files["env"]]
    for view in VIEWS:
        scene.cpictl(f"ref create_stemcell {view}", "call", *stemcell, *ref, *view.split())
        scene.cpictl(f"ref create_vm {view}", "call", *vm, *ref, *view.split())
    scene.cpictl("ref create_vm --print settings", "call", *vm, *ref, "-o", "table", "--print", "settings")
    scene.cpictl("ref create_vm --dry-run", "call", *vm, *ref, "--dry-run")
    scene.cpictl("ref create_vm --dry-run -o table", "call", *vm, *ref, "--dry-run", "-o", "table")
    for view in VIEWS[:3]:
        scene.cpictl(f"ref set_vm_metadata {view}", "call", "set_vm_metadata", "${vm}", files["metadata"], *ref,
                     *view.split())
        scene.cpictl(f"ref create_disk {view}", "call", "create_disk", "1024", files["disk"], "${vm}", *ref,
                     *view.split())
    for fmt in ("table", "json"):
        scene.cpictl(f"ref metadata show -o {fmt}", "metadata", "show", "--target", "ref", "-o", fmt)
    reports = ["--report-json", str(scene.reports / "run.json"), "--report-junit", str(scene.reports / "run.xml")]
    scene.cpictl("ref run -v", "run", "recipe.yml", *ref, *reports, "-v")
    scene.cpictl("ref run -o json", "run", "recipe.yml", *ref, "-o", "json")

    scene.cpictl("echo info -o yaml", "call", "info", *echo, "-o", "yaml")
    scene.cpictl("echo create_stemcell -o json", "call", *stemcell, *echo, "-o", "json")
    for view in VIEWS[:3]:
        scene.cpictl(f"echo create_vm {view}", "call", *vm, *echo, *view.split())
    scene.cpictl("echo set_vm_metadata -o json", "call", "set_vm_metadata", "vm-1", files["metadata"], *echo,
                 "-o", "json")

    listed = json.loads(scene.cpictl("trace list -o json", "trace", "list", "-o", "json").stdout)
    scene.cpictl("trace list", "trace", "list")
    for method in ("create_vm", "set_vm_metadata"):
        number = str(_numbers(listed, method)[-1])
        for fmt in ("table", "json", "yaml"):
            scene.cpictl(f"trace show {method} -o {fmt}", "trace", "show", number, "-o", fmt)
        for how in ("--shell", "--request", "--recipe"):
            scene.cpictl(f"trace export {method} {how}", "trace", "export", number, how)
        scene.cpictl(f"trace export {method} -o json", "trace", "export", number, "--shell", "-o", "json")
    first, last = _numbers(listed, "create_vm")[0], _numbers(listed, "create_vm")[-1]
    scene.cpictl("trace diff", "trace", "diff", str(first), str(last))
    scene.cpictl("call --from-trace", "call", "--from-trace", str(first), *ref)  # refused: values are masked
    scene.cpictl("ids", "ids", "--all")
    scene.cpictl("ids -o json", "ids", "--all", "-o", "json")
    for name in ("ref", "echo"):
        scene.cpictl(f"target show {name}", "target", "show", name)
    scene.cpictl("target list", "target", "list")
    _repl_piped(scene)
    _repl_in_a_terminal(scene)
    scene.cloud = "".join(path.read_text() for path in (scene.root / "cloud").rglob("*.json"))
    scene.cpictl("cleanup", "cleanup", "--yes")


def _numbers(listed: Any, method: str) -> list[int]:
    """The trace numbers of a method's calls, oldest first."""
    entries = listed if isinstance(listed, list) else listed.get("calls", listed.get("entries", []))
    numbers = [entry["n"] for entry in entries if entry.get("method") == method]
    assert numbers, (method, listed)
    return numbers


def repl_lines() -> list[str]:
    """Calls typed at the REPL's prompt, every secret in the line itself."""
    return [f"create_stemcell ./image.tgz {flow(PLACED['stemcell'].value)}",
            f"create_vm agent-1 ${{stemcell}} {flow(PLACED['vm'].value)} {flow(networks())} [] "
            f"{flow(PLACED['env'].value)}",
            f"set_vm_metadata ${{vm}} {flow(PLACED['metadata'].value)}",
            f"create_disk 1024 {flow(PLACED['disk'].value)} ${{vm}}"]


def _repl_piped(scene: Scene) -> None:
    lines = [":set detail verbose", *repl_lines(), ":last", ":log", ":stderr", ":trace", ":ids", ":env"]
    scene.process("ref repl (piped)", "repl", "--target", "ref", *EXTRA, stdin="\n".join(lines) + "\n")


def _repl_in_a_terminal(scene: Scene) -> None:
    """The history file is written by the prompt, on a terminal only: the calls typed (pasted) there, then Ctrl-D.
    What the terminal shows is not scanned: it echoes what the user typed."""
    import pexpect

    env = {**scene.env, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}
    argv = [cpictl_bin(), "repl", "--target", "ref", *EXTRA]
    child = pexpect.spawn(argv[0], argv[1:], env=env, cwd=str(scene.work), dimensions=(40, 200), encoding="utf-8",
                          timeout=60)
    child.expect("cpictl>")
    for line in repl_lines():
        child.send(f"\x1b[200~{line}\x1b[201~\r")  # pasted: one input event, not thousands of keys
        child.expect(["✔", "✖", "⚠"])
        child.expect("cpictl>")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    scene.outputs["ref repl (terminal)"] = Output(child.exitstatus or 0, "", "")


# --- the proof -----------------------------------------------------------------------------------------------


#: Every command succeeds but these: the echoing CPI fails set_vm_metadata with its echo as the message, the two
#: create_vm calls differ, and a call taken from the trace is refused while its values are masked.
EXPECTED_CODES = {"echo set_vm_metadata -o json": 1, "trace diff": 1, "call --from-trace": 2}


def test_every_command_ran_and_the_cpis_saw_the_secrets(scene: Scene) -> None:
    codes = {name: output.code for name, output in scene.outputs.items()}
    assert codes == {name: EXPECTED_CODES.get(name, 0) for name in codes}, {
        name: output.both[-2000:] for name, output in scene.outputs.items() if output.code != 0}
    # the reference CPI kept what it was given (until the cleanup): the secrets did reach a CPI, unmasked
    assert all(placed.secrets[0].core in scene.cloud for placed in PLACED.values())
    echoed = scene.outputs["echo create_vm -o json"].stdout
    assert echoed.count("<redacted>") > 1000, len(echoed)


def test_the_scene_is_quick(scene: Scene) -> None:
    """CPU time, not the clock (a loaded machine stretches the clock): about 10 s, most of it compiling the
    patterns that hunt some 200 secrets."""
    assert scene.cpu_seconds < 30, scene.cpu_seconds


@pytest.fixture(scope="module")
def finder() -> LeakFinder:
    return LeakFinder(SECRETS)


def test_the_finder_finds_every_secret_left_unmasked(scene: Scene, finder: LeakFinder) -> None:
    """The scans below could pass by seeing nothing: each secret is found where it is plain (the user's own files),
    in every echo of the echoing CPI, and cut short as a table cell would cut it, ten characters into its core."""
    plain = "".join(path.read_text() for path in scene.work.glob("*.*") if path.suffix in (".json", ".yml"))
    assert set(finder.find(plain + " ".join(EXTRA))) == {secret.label for secret in SECRETS}
    for secret in SECRETS:
        for name, echoed in echoes(secret.text).items():
            assert secret.label in finder.find(echoed), (secret.label, name)
        cut = max(secret.text.find(secret.core), 0) + 10  # ten characters of its random part are enough
        assert secret.label in finder.find(f"│ {secret.text[:cut]}… │"), secret.label


def test_no_output_shows_a_secret(scene: Scene, finder: LeakFinder) -> None:
    found = {name: finder.find(output.both) for name, output in scene.outputs.items()}
    assert {name: hits for name, hits in found.items() if hits} == {}


def test_no_file_cpictl_wrote_holds_a_secret(scene: Scene, finder: LeakFinder) -> None:
    files = scene.files()
    names = {path.name for path in files}
    assert {"default.jsonl", "default.jsonl.trace.jsonl", "repl_history", "run.json", "run.xml"} <= names, names
    found = {str(path.relative_to(scene.root)): finder.find(path.read_bytes().decode("utf-8", errors="replace"))
             for path in files}
    assert {path: hits for path, hits in found.items() if hits} == {}


def test_every_file_and_directory_cpictl_made_is_private(scene: Scene) -> None:
    loose = []
    for top in scene.scanned:
        for path in [top, *top.rglob("*")] if top.exists() else []:
            mode = stat.S_IMODE(path.lstat().st_mode)
            if path == scene.reports:
                continue  # the test made it
            wanted = 0o700 if path.is_dir() else 0o600
            if mode != wanted:
                loose.append(f"{path.relative_to(scene.root)} {oct(mode)}")
    assert loose == []


# --- what is no secret stays readable ------------------------------------------------------------------------

MASK = "<redacted>"
#: Where each place's values are, in the arguments of the call that takes them.
WHERE = {"stemcell": ("create_stemcell", lambda arguments: arguments[1]),
         "vm": ("create_vm", lambda arguments: arguments[2]),
         "network": ("create_vm", lambda arguments: arguments[3][NETWORK_NAME]["cloud_properties"]),
         "env": ("create_vm", lambda arguments: arguments[5]),
         "metadata": ("set_vm_metadata", lambda arguments: arguments[1]),
         "disk": ("create_disk", lambda arguments: arguments[1])}


def masked_form(name: str) -> dict[str, Any]:
    """A place's values as every view must show them: the readable ones as they are, every secret masked whole —
    but a URL's, in place, and the secrets inside mappings that name none, one by one."""
    shown: dict[str, Any] = {key: MASK for key in PLACED[name].value}
    shown.update(VISIBLE[name])
    shown.update(endpoint=f"https://{MASK}@api.example.com/v1", mirror=f"https://{MASK}@mirror.example.com/repo")
    if name not in catalogue.FLAT:
        shown.update(nested={"auth": {"db": {"db_password": MASK, "host": "db.internal"}}},
                     clients=[{"name": "client-visible", "clientSecret": MASK}], ssh={"private": MASK, "user": "vcap"})
    return shown


@pytest.mark.parametrize("name", PLACES)
def test_each_place_shows_its_readable_values_and_masks_every_secret_in_the_json(scene: Scene, name: str) -> None:
    method, find = WHERE[name]
    for source in (f"ref {method} -o json", "trace show create_vm -o json"):
        if source.startswith("trace") and method != "create_vm":
            continue
        document = json.loads(scene.outputs[source].stdout)
        assert find(document["request"]["arguments"]) == masked_form(name), source


def _words(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [word for item in value.values() for word in _words(item)]
    if isinstance(value, list):
        return [word for item in value for word in _words(item)]
    return [str(value)]


@pytest.mark.parametrize("name", PLACES)
def test_each_place_shows_its_readable_values_in_the_table(scene: Scene, name: str) -> None:
    method = WHERE[name][0]
    words = [word for word in _words(VISIBLE[name]) if word not in ("True", "False")]
    for source in (f"ref {method} -o table -v", "ref repl (piped)", "ref run -v"):
        assert [word for word in words if word not in scene.outputs[source].stdout] == [], source
    history = (scene.root / "state" / "cpictl" / "repl_history").read_text()
    assert [word for word in words if word not in history] == []


def test_the_agent_settings_show_the_readable_values_of_the_network_and_env(scene: Scene) -> None:
    env = [*_words(VISIBLE["env"]), "client-visible", "db.internal"]  # the table lists networks without them
    for source, words in (("ref create_vm -o table -v", env), ("ref create_vm --print settings", env),
                          ("ref metadata show -o table", env),
                          ("ref metadata show -o json", [*env, *_words(VISIBLE["network"])])):
        assert [word for word in words if word not in scene.outputs[source].stdout] == [], source


def test_masked_values_are_no_mistake_in_the_settings_a_cpi_wrote(scene: Scene) -> None:
    """The journal keeps a network's cloud_properties masked: what it cannot compare is not a mistake."""
    assert json.loads(scene.outputs["ref metadata show -o json"].stdout)["mistakes"] == []


def test_context_properties_are_all_masked_but_the_callers_own(scene: Scene) -> None:
    context = json.loads(scene.outputs["ref create_vm -o json"].stdout)["request"]["context"]
    assert {key: value for key, value in context.items() if value != MASK} == {
        "director_uuid": context["director_uuid"], "request_id": context["request_id"],
        "vm": {"stemcell": {"api_version": 2}}}
    assert set(context) == {"director_uuid", "request_id", "vm", *CONTEXT, "project_hint"}


def test_the_environment_shows_what_holds_no_secret(scene: Scene) -> None:
    shown = {"OS_PASSWORD": MASK, "GITHUB_TOKEN": MASK, "OS_PROJECT": MASK,
             "HTTPS_PROXY": f"http://{MASK}@proxy.example.com:3128", "REGION": "eu-west-1"}
    env = json.loads(scene.outputs["ref create_vm --dry-run"].stdout)["env"]
    assert {name: env[name] for name in shown} == shown and env["AWS_SECRET_ACCESS_KEY"] == MASK
    assert json.loads(scene.outputs["target show ref"].stdout)["env"] == shown


def test_the_echoing_cpi_s_readable_values_stay_readable(scene: Scene) -> None:
    document = json.loads(scene.outputs["echo create_vm -o json"].stdout)
    for text in (document["stderr"], document["response"]["log"]):
        for path, value in (("arguments[2].instance_type", "m5.large"), ("arguments[2].key_name", "bosh-keypair"),
                            ("arguments[2].availability_zone", "eu-west-1a"),
                            ("arguments[2].metadata_options.http_tokens", "required"),
                            (f"arguments[3].{NETWORK_NAME}.cloud_properties.subnet", "subnet-0a1b2c3d4e"),
                            (f"arguments[3].{NETWORK_NAME}.cloud_properties.endpoint#username", "svc-user"),
                            ("arguments[5].bosh.group", "deployment-web"), ("env.REGION", "eu-west-1")):
            assert f"{path} plain: {value}\n" in text, path
