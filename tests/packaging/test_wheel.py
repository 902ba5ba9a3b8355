"""The wheel as a user gets it (issue 15): built without a deprecation warning, carrying the shipped recipes and
none of the tests, and — installed into a fresh virtual environment outside the checkout — a working `cpictl`,
`cpictl-refcpi` and recorder that find their recipes and need no test or lint tool."""

from __future__ import annotations

import json
import re
import sys
import time
import zipfile
from email.parser import HeaderParser
from pathlib import Path

from tests.conftest import ROOT
from tests.packaging.conftest import DEVELOPMENT_TOOLS, INSTALL_TIMEOUT, BuiltWheel, pip_env, run

EXAMPLES = ROOT / "recipes"
CHECK_GROUPS = ROOT / "cpictl" / "conformance" / "recipes"


def files_under(directory: Path, prefix: str) -> set[str]:
    return {f"{prefix}/{path.relative_to(directory).as_posix()}" for path in directory.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts}


def test_the_wheel_builds_without_deprecation_warnings_and_carries_the_recipes(built_wheel: BuiltWheel):
    assert "running build_py" in built_wheel.log  # setuptools' own output is there: a warning would be too
    warned = [line for line in built_wheel.log.splitlines() if re.search(r"deprecat", line, re.IGNORECASE)]
    assert not warned, "\n".join(warned)

    names = set(zipfile.ZipFile(built_wheel.path).namelist())
    assert {f"cpictl/help_topics/{topic.name}" for topic in (ROOT / "cpictl" / "help_topics").glob("*.md")} <= names
    examples = files_under(EXAMPLES, "cpictl/example_recipes")
    assert {"cpictl/example_recipes/walkthrough.yml", "cpictl/example_recipes/common/stemcell.yml",
            "cpictl/example_recipes/assets/image.tgz"} <= examples
    assert examples <= names, sorted(examples - names)
    groups = files_under(CHECK_GROUPS, "cpictl/conformance/recipes")
    assert {"cpictl/conformance/recipes/vms.yml", "cpictl/conformance/recipes/parts/inputs.yml",
            "cpictl/conformance/recipes/assets/image.tgz"} <= groups
    assert groups <= names, sorted(groups - names)
    assert not [name for name in names if name.startswith(("tests/", "bench/", "scripts/", "recipes/"))]


def test_the_wheel_metadata_is_complete_and_asks_for_no_development_tool(built_wheel: BuiltWheel):
    with zipfile.ZipFile(built_wheel.path) as wheel:
        [metadata_name] = [name for name in wheel.namelist() if name.endswith(".dist-info/METADATA")]
        metadata = HeaderParser().parsestr(wheel.read(metadata_name).decode())
    assert metadata["License-Expression"] == "Apache-2.0"
    assert any(url.startswith("Source, https://") for url in metadata.get_all("Project-URL"))
    classifiers = metadata.get_all("Classifier")
    assert "Environment :: Console" in classifiers and "Programming Language :: Python :: 3 :: Only" in classifiers
    assert metadata["Description-Content-Type"] == "text/markdown" and "cpictl" in metadata.get_payload()
    always = [requirement for requirement in metadata.get_all("Requires-Dist") if "extra ==" not in requirement]
    names = {re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower() for requirement in always}
    assert {"typer", "rich", "pydantic", "pyyaml", "prompt-toolkit"} <= {name.replace("_", "-") for name in names}
    assert not names & DEVELOPMENT_TOOLS


def test_installed_from_the_wheel_into_a_fresh_venv_it_works_from_any_directory(built_wheel: BuiltWheel,
                                                                                 tmp_path: Path):
    venv = tmp_path / "venv"
    # no pip in it (ensurepip takes seconds): this run's pip installs into it
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path, env=pip_env())
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", python, "install", "-q", built_wheel.path], cwd=tmp_path,
        env=pip_env(), timeout=INSTALL_TIMEOUT)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**pip_env(), "PATH": f"{venv / 'bin'}:{pip_env()['PATH']}"}

    def cpictl(*args: str | Path, cwd: Path = elsewhere, stdin: bytes | None = None) -> str:
        return run([venv / "bin" / "cpictl", *args], cwd=cwd, env=env, stdin=stdin).stdout

    site = run([python, "-c", "import cpictl, importlib.metadata as m; print(cpictl.__file__); "
                "print('\\n'.join(d.metadata['Name'].lower() for d in m.distributions()))"], cwd=elsewhere, env=env)
    module, *installed = site.stdout.split()
    assert Path(module).is_relative_to(venv), module  # not the checkout
    assert not set(installed) & DEVELOPMENT_TOOLS, sorted(set(installed) & DEVELOPMENT_TOOLS)

    assert "recipe" in cpictl("--help")
    assert f"(Python {sys.version.split()[0]}, {python})" in cpictl("--version")
    info = json.loads(cpictl("call", "info", "-o", "json"))
    assert info["exit_code"] == 0 and info["response"]["result"]["api_version"] >= 1

    listed = {row["name"]: row for row in json.loads(cpictl("recipe", "list", "-o", "json"))}
    assert {"walkthrough", "lifecycle", "check/vms"} <= set(listed)
    assert Path(listed["walkthrough"]["file"]).is_relative_to(venv)
    assert "walkthrough" in cpictl("run", "walkthrough", "-q")  # exit 0: every step passed
    assert json.loads(cpictl("ids", "-o", "json")) == []  # its finally steps left nothing behind

    # the help topics are package data too: offline reference pages from any directory
    assert cpictl("help", "recipes") == (ROOT / "cpictl" / "help_topics" / "recipes.md").read_text()

    copied = tmp_path / "my-recipes"
    cpictl("recipe", "copy", "lifecycle", copied)
    assert "passed" in cpictl("run", copied / "lifecycle.yml", "-q", cwd=tmp_path)
    assert json.loads(cpictl("ids", "-o", "json")) == []

    _the_reference_cpi_and_the_recorder_work(venv, tmp_path, env)


def _the_reference_cpi_and_the_recorder_work(venv: Path, tmp_path: Path, env: dict[str, str]) -> None:
    """`cpictl-refcpi` answers, and a recorder shim installed by this cpictl runs it — under the bare environment
    a director gives its CPI — and records the call where `cpictl trace list` reads it."""
    request = json.dumps({"method": "info", "arguments": [], "context": {"director_uuid": "u"}}).encode()
    answer = run([venv / "bin" / "cpictl-refcpi"], cwd=tmp_path, env=env, stdin=request).stdout
    assert json.loads(answer)["result"]["api_version"] >= 1

    shim_dir = tmp_path / "jobs" / "cpi" / "bin"
    run([venv / "bin" / "cpictl", "record", "install", "--cpi", venv / "bin" / "cpictl-refcpi", shim_dir],
        cwd=tmp_path, env=env)
    director_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CPICTL_REFCPI_DIR": env["CPICTL_REFCPI_DIR"]}
    through = run([shim_dir / "cpi"], cwd=tmp_path, env=director_env, stdin=request).stdout
    assert json.loads(through)["result"] == json.loads(answer)["result"]
    trace = shim_dir / "cpi.trace.jsonl"
    deadline = time.monotonic() + 120  # the recorder appends in the background, after the shim has exited
    while not (trace.exists() and trace.read_bytes().endswith(b"\n")) and time.monotonic() < deadline:
        time.sleep(0.05)
    listed = json.loads(run([venv / "bin" / "cpictl", "trace", "list", "--file", trace, "-o", "json"],
                            cwd=tmp_path, env=env).stdout)
    assert [entry["method"] for entry in listed] == ["info"], listed
