"""`cpictl help TOPIC`: the reference pages read offline, and the README sections copied from them (`make docs`).

What a user would notice: a topic missing from `cpictl help`, a README section that says something the offline
help does not, a topic that cannot be found under the words people type, a page whose code wraps at 80 columns,
a table shown as raw Markdown on a terminal.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from cpictl import exit_codes
from cpictl.help_topics import as_section, canonical_name, load_topic, topic_names
from scripts import gen_docs
from tests.completion.terminal import Tmux, require
from tests.conftest import ROOT, cpictl_bin

CODE_WIDTH = 78  # a code line wider than this wraps on an 80-column terminal, mid-comment


def cpictl(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([cpictl_bin(), *argv], capture_output=True, text=True, timeout=60, env=env, check=False)


def test_the_topics_the_issue_names_exist_with_a_title_and_a_one_line_summary():
    assert {"recipes", "references", "exit-codes", "masking", "targets", "completion"} <= set(topic_names())
    for name in topic_names():
        topic = load_topic(name)
        assert topic.text.startswith(f"# {topic.title}\n\n"), name
        assert 10 < len(topic.summary) <= 64, (name, topic.summary)  # the list's line fits 80 columns


@pytest.mark.parametrize("document", gen_docs.DOCUMENTS)
def test_each_document_carries_the_topics_word_for_word(document):
    text = (ROOT / document).read_text()
    assert gen_docs.carried_topics(text), f"{document} carries no help topic"
    assert gen_docs.rendered(text) == text, f"{document} is stale: run `make docs`"


def test_the_readme_carries_the_reference_topics_each_once():
    carried = gen_docs.carried_topics((ROOT / "README.md").read_text())
    assert sorted(carried) == sorted({"recipes", "references", "targets", "masking", "exit-codes"})
    assert gen_docs.carried_topics((ROOT / "completions" / "README.md").read_text()) == ["completion"]


def test_a_stale_section_is_rewritten_from_its_topic():
    marker = "<!-- cpictl help masking: generated from cpictl/help_topics/masking.md by `make docs`; edit that file -->"
    stale = f"# Doc\n\n{marker}\n## Masking\n\nold words\n<!-- end of cpictl help masking -->\n\nafter\n"
    fresh = gen_docs.rendered(stale)
    assert "old words" not in fresh and fresh.endswith("<!-- end of cpictl help masking -->\n\nafter\n")
    assert as_section(load_topic("masking"), level=2) in fresh
    assert "\n## Masking\n" in fresh and "\n### Where, and in which encodings\n" in fresh  # one level down


def test_headings_move_down_but_comments_in_code_stay():
    section = as_section(load_topic("targets"), level=2)
    assert section.startswith("## Configuration and targets\n")
    assert "\n# ~/.config/cpictl/config.yml" in section  # a YAML comment, not a heading


@pytest.mark.parametrize("name", topic_names())
def test_code_in_a_topic_fits_an_80_column_terminal(name):
    in_code, wide = False, []
    for number, line in enumerate(load_topic(name).text.splitlines(), 1):
        if line.startswith("```"):
            in_code = not in_code
        elif in_code and len(line) > CODE_WIDTH:
            wide.append(f"{name}.md:{number}: {len(line)} columns")
    assert not wide, wide


def test_help_lists_every_topic_within_80_columns():
    proc = cpictl("help")
    assert proc.returncode == 0, proc.stderr
    for name in topic_names():
        assert re.search(rf"^  {re.escape(name)}\s+{re.escape(load_topic(name).summary)}$", proc.stdout, re.M), name
    assert max(len(line) for line in proc.stdout.splitlines()) <= 80


def test_a_piped_topic_is_its_markdown_whole():
    proc = cpictl("help", "recipes")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == load_topic("recipes").text


@pytest.mark.parametrize(("words", "name"), [
    ("exit codes", "exit-codes"), ("Exit_Codes", "exit-codes"), ("config", "targets"), ("secrets", "masking"),
    ("refs", "references"), ("recipe", "recipes"),
])
def test_the_words_people_type_find_the_topic(words, name):
    assert canonical_name(words) == name


def test_several_words_name_one_topic_on_the_command_line():
    proc = cpictl("help", "exit", "codes")
    assert proc.returncode == 0 and proc.stdout == load_topic("exit-codes").text


def test_an_unknown_topic_is_a_usage_error_with_a_suggestion():
    proc = cpictl("help", "exitcode")
    assert proc.returncode == 2
    assert "did you mean 'exit-codes'?" in proc.stderr and "Traceback" not in proc.stderr


def test_help_of_a_command_is_that_commands_help():
    via_help, direct = cpictl("help", "target", "add"), cpictl("target", "add", "--help")
    assert via_help.returncode == 0 and via_help.stdout == direct.stdout
    assert "Usage: cpictl target add" in via_help.stdout


def test_the_exit_codes_topic_names_every_code_cpictl_uses():
    text = load_topic("exit-codes").text
    codes = [value for name, value in vars(exit_codes).items() if name.isupper() and isinstance(value, int)]
    assert len(codes) >= 6
    for code in codes:
        assert re.search(rf"^\| {code} \|", text, re.M), code
    for signal_code in (130, 143, 129, 141):
        assert str(signal_code) in text


@pytest.fixture
def terminal(tmp_path):
    require("tmux")
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "TERM": "xterm-256color", "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    tmux = Tmux(tmp_path / "tmux.socket", env)
    yield tmux
    tmux.stop()


def test_on_a_terminal_a_topic_is_rendered_not_raw_markdown(terminal, tmp_path):
    terminal.run("new-session", "-d", "-s", "t", "-x", "80", "-y", "60", "-c", str(tmp_path),
                 "sh", "-c", f"{cpictl_bin()} help exit-codes --no-pager; echo DONE; sleep 60")
    screen = terminal.wait("t", lambda s: "DONE" in s, "the topic")
    assert "By command" in screen and "## By command" not in screen
    assert "|---|" not in screen and "`call`" not in screen  # a table, and code without its backticks
    assert max(len(line) for line in screen.splitlines()) <= 80


def test_on_a_terminal_a_long_topic_goes_through_the_pager(terminal, tmp_path):
    paged = tmp_path / "paged.txt"
    pager = tmp_path / "pager.sh"
    pager.write_text(f"#!/bin/sh\ncat > {paged}\n")
    pager.chmod(0o755)
    terminal.run("new-session", "-d", "-s", "t", "-x", "80", "-y", "24", "-c", str(tmp_path), "-e",
                 f"PAGER={pager}", "sh", "-c", f"{cpictl_bin()} help recipes; echo DONE; sleep 60")
    terminal.wait("t", lambda s: "DONE" in s, "the pager to end")
    text = paged.read_text()
    assert "The format in one example" in text and "# Recipes" not in text  # rendered, then paged


def test_an_install_without_its_topics_says_so_without_a_traceback(tmp_path, monkeypatch, capsys):
    import cpictl.help_topics as topics
    from cpictl.cli.main import main

    monkeypatch.setattr(topics, "TOPICS_DIR", tmp_path)  # an empty directory where the pages should be
    assert main(["help"]) == 2
    err = capsys.readouterr().err
    assert "no help topics" in err and "Traceback" not in err
