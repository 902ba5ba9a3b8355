"""What cpictl tells a user cites only documents a user has: never a section (`§13`) of the contract notes this
repository was built from, which a user of cpictl does not have. Messages, help and violation texts say the fact
itself, or name a BOSH source file anyone can find. Comments and docstrings may keep their section references."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from cpictl.cli.main import main
from cpictl.protocol.catalogue import METHODS
from tests.cli.test_help_width import command_paths
from tests.conftest import CPIS, ROOT


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the constant nodes that are docstrings (a module's, class's or function's first statement)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def test_no_string_in_the_code_cites_a_section():
    # every message, help text and violation text is a string in the code: only docstrings may cite a section
    cited = []
    for path in sorted((ROOT / "cpictl").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        docstrings = _docstrings(tree)
        cited += [f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}" for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and "§" in node.value
                  and id(node) not in docstrings]
    assert not cited, "\n".join(cited)


@pytest.mark.parametrize("document", [
    "README.md", "docs/guide.md", "completions/README.md",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "cpictl" / "help_topics").glob("*.md")),
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "recipes").rglob("*") if p.suffix in (".md", ".yml"))])
def test_the_documents_a_user_reads_cite_no_section(document):
    lines = [line for line in (ROOT / document).read_text().splitlines() if "§" in line]
    assert not lines, "\n".join(lines)


def output_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    main(list(argv))
    captured = capsys.readouterr()
    return captured.out + captured.err


@pytest.mark.parametrize("argv", [
    *([*path, "--help"] for path in command_paths()),
    ["methods", "-o", "table"], ["methods", "-o", "json"],
    *(["describe", method, "-o", fmt] for method in METHODS for fmt in ("table", "json")),
    ["metadata", "matrix", "-o", "table"], ["metadata", "matrix", "-o", "json"],
], ids=" ".join)
def test_help_and_reference_views_cite_no_section(capsys, argv):
    assert "§" not in output_of(capsys, *argv)


@pytest.mark.parametrize(("argv", "fault"), [
    (["info", "--cpi", str(CPIS / "garbage.sh")], None),
    (["info", "--cpi", str(CPIS / "noise_before_json.sh")], None),
    (["info", "--cpi", str(CPIS / "empty.sh")], None),
    (["info", "--cpi", str(CPIS / "nonzero_exit.sh")], None),
    (["create_vm", "a", "s", "{}", "{}", "--cpi", str(CPIS / "v1_create_vm.sh"), "--api-version", "2"], None),
    (["create_disk", "1024", "{}"], "create_disk=empty-id"),
    (["delete_vm", "vm-1"], "delete_vm=short-error:VMNotFound"),
    (["info"], "info=info-version:1"),
])
def test_violation_texts_cite_no_section(capsys, monkeypatch, argv, fault):
    if fault:
        monkeypatch.setenv("CPICTL_REFCPI_FAULTS", fault)
    for fmt in ("json", "table"):
        text = output_of(capsys, "call", *argv, "--timeout", "30", "-o", fmt)
        if fmt == "json":
            document = json.loads(text[:text.rindex("}") + 1])
            assert document["violations"], text  # the call did produce the violation texts looked at here
        assert "§" not in text


def test_the_check_finds_a_cited_section(tmp_path: Path):
    tree = ast.parse('"""doc (contract §4)"""\nMESSAGE = "see contract §13"\n')
    docstrings = _docstrings(tree)
    cited = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and "§" in str(node.value)
             and id(node) not in docstrings]
    assert cited == ["see contract §13"]
