"""The README's pictures (docs/images/*.svg, `make docs-images`) are current: each was drawn by the view code as it
is now, shows the command its scene runs today, and is an SVG a browser can read.

Each image carries the sha256 of every view module its cpictl process loaded (`scripts/docs_images.py` says which
modules count); one that changed since means the picture may no longer be what cpictl draws. Nothing here runs
cpictl: these tests only read files, so they cost milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from scripts.docs_images import IMAGES, PROVENANCE_ID, ROOT, SCENES, is_view_module, provenance_of

SVG = "{http://www.w3.org/2000/svg}"
IMAGE_FILES = sorted(IMAGES.glob("*.svg"))


def stale_modules(svg: Path, root: Path = ROOT) -> list[str]:
    """Why an image is older than the code that draws it: one message per module gone or changed (none: current)."""
    shown = svg.relative_to(svg.parent.parent.parent).as_posix()
    problems = []
    for module, digest in provenance_of(svg.read_text())["view_modules"].items():
        source = root / module
        if not source.is_file():
            problems.append(f"{shown} was drawn by {module}, which is gone: run `make docs-images`")
        elif hashlib.sha256(source.read_bytes()).hexdigest() != digest:
            problems.append(f"{shown} is older than {module}: run `make docs-images`")
    return problems


def svg_text(svg: Path) -> tuple[str, str]:
    """(the window title, the terminal's lines joined) as the SVG spells them; rich writes spaces as U+00A0."""
    title, lines = "", []
    for element in ElementTree.parse(svg).getroot().iter(f"{SVG}text"):
        text = (element.text or "").replace("\xa0", " ")
        if element.get("class", "").endswith("-title"):
            title = text
        else:
            lines.append(text)
    return title, "".join(lines)


@pytest.mark.parametrize("scene", [scene.name for scene in SCENES])
def test_every_scene_has_its_image(scene: str):
    assert (IMAGES / f"{scene}.svg").is_file(), f"docs/images/{scene}.svg is missing: run `make docs-images`"


@pytest.mark.parametrize("svg", IMAGE_FILES, ids=lambda path: path.name)
def test_image_is_well_formed_svg_with_provenance(svg: Path):
    root = ElementTree.parse(svg).getroot()  # raises on XML that is not well-formed
    assert root.tag == f"{SVG}svg"
    provenance = provenance_of(svg.read_text())
    assert provenance, f"{svg.name} has no <metadata id={PROVENANCE_ID!r}>: was it drawn by `make docs-images`?"
    assert provenance["view_modules"], f"{svg.name} names no view module that drew it"
    assert all(is_view_module(module) for module in provenance["view_modules"])


@pytest.mark.parametrize("svg", IMAGE_FILES, ids=lambda path: path.name)
def test_image_is_not_older_than_its_view_modules(svg: Path):
    problems = stale_modules(svg)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("svg", IMAGE_FILES, ids=lambda path: path.name)
def test_image_shows_the_command_its_scene_runs(svg: Path):
    scenes = {scene.name: scene for scene in SCENES}
    assert svg.stem in scenes, f"{svg.name} belongs to no scene of scripts/docs_images.py: delete it"
    command = "$ " + scenes[svg.stem].shown.typed()
    assert provenance_of(svg.read_text())["commands"] == [command], \
        f"{svg.name} shows another command than its scene runs now: run `make docs-images`"
    title, _ = svg_text(svg)
    assert title == command


def test_the_repl_image_shows_its_inputs():
    """The REPL's picture is its transcript: each input it was fed appears after the prompt."""
    scene = next(scene for scene in SCENES if scene.name == "repl")
    _, text = svg_text(IMAGES / "repl.svg")
    for line in scene.files[scene.shown.stdin or ""].splitlines():
        assert f"cpictl> {line}" in text


def test_a_changed_or_missing_view_module_makes_an_image_stale(tmp_path: Path):
    (tmp_path / "cpictl" / "render").mkdir(parents=True)
    view = tmp_path / "cpictl" / "render" / "call_view.py"
    view.write_text("drawn = 1\n")
    provenance = {"commands": ["$ cpictl call info"], "view_modules": {
        "cpictl/render/call_view.py": hashlib.sha256(b"drawn = 1\n").hexdigest(),
        "cpictl/render/gone_view.py": "0" * 64}}
    svg = tmp_path / "docs" / "images" / "call.svg"
    svg.parent.mkdir(parents=True)
    svg.write_text(f'<svg xmlns="http://www.w3.org/2000/svg"><metadata id="{PROVENANCE_ID}">'
                   f"{json.dumps(provenance)}</metadata></svg>")
    assert stale_modules(svg, tmp_path) == [
        "docs/images/call.svg was drawn by cpictl/render/gone_view.py, which is gone: run `make docs-images`"]
    view.write_text("drawn = 2\n")
    assert "docs/images/call.svg is older than cpictl/render/call_view.py: run `make docs-images`" \
        in stale_modules(svg, tmp_path)


@pytest.mark.parametrize("path, counts", [
    ("cpictl/render/call_view.py", True), ("cpictl/render/console.py", True),
    ("cpictl/cli/check_output.py", True), ("cpictl/cli/output.py", True), ("cpictl/cli/run_view.py", True),
    ("cpictl/repl/call_output.py", True),
    ("cpictl/cli/call_cmd.py", False), ("cpictl/session.py", False), ("cpictl/repl/loop.py", False),
    ("cpictl/traces/trace_view.py", False),
])
def test_view_module_rule(path: str, counts: bool):
    assert is_view_module(path) is counts


def test_the_generator_draws_a_real_run_with_its_provenance(tmp_path: Path):
    """`make docs-images` itself, for its first scene: a real cpictl run in a terminal, saved as an SVG whose
    provenance lists the view modules that drew it, each as it is now — what the staleness test reads."""
    import subprocess
    import sys

    from tests.completion.terminal import require

    require("tmux")
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "docs_images.py"), "--only", "call",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    [svg] = tmp_path.glob("*.svg")
    assert svg.name == "call.svg" and stale_modules(svg) == []
    provenance = provenance_of(svg.read_text())
    assert "cpictl/render/call_view.py" in provenance["view_modules"]
    title, text = svg_text(svg)
    assert title.startswith("$ cpictl call create_vm") and provenance["commands"] == [title]
    assert "created vm vm-" in " ".join(text.split())  # the call's own view, drawn from its screen
