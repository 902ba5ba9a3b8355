"""What a Tab offers, asked of real `cpictl` processes as the shells' scripts ask: methods, live IDs of the slot's
kind, trace numbers, recipe files, sessions, `--print` parts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cpictl.recipes.shipped import shipped_names
from tests.completion.conftest import Made, complete, created
from tests.conftest import cpictl_bin


def test_method_names_complete():
    assert complete("cpictl call attach_") == ["attach_disk"]
    assert "describe" not in complete("cpictl describe cre") and "create_vm" in complete("cpictl describe cre")


def test_command_names_complete():
    assert complete("cpictl tr") == ["trace"]
    assert complete("cpictl --debug ca") == ["call"]


def test_argument_slots_offer_live_ids_of_their_kind_only(made: Made):
    assert complete("cpictl call delete_vm ") == [made.vm]
    assert complete("cpictl call create_vm agent-1 ") == [made.stemcell]
    assert complete(f"cpictl call attach_disk {made.vm} ") == [made.disk]
    assert complete("cpictl call attach_disk ") == [made.vm]
    assert complete("cpictl call delete_snapshot ") == []
    assert complete("cpictl call --session other delete_vm ") == []  # another session holds nothing


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_shells_with_descriptions_get_the_same_ids(made: Made, shell: str):
    assert complete("cpictl call delete_vm ", shell) == [made.vm]
    assert sorted(complete("cpictl call create_", shell)) == ["create_disk", "create_network", "create_stemcell",
                                                              "create_vm"]


def test_a_deleted_vm_is_not_offered_once_another_process_deleted_it(made: Made):
    assert complete("cpictl call delete_vm ") == [made.vm]  # builds the index
    subprocess.run([cpictl_bin(), "call", "delete_vm", made.vm, "-o", "json"], capture_output=True, timeout=120,
                   check=True)
    assert complete("cpictl call delete_vm ") == []


def test_metadata_show_offers_vms_and_ids_forget_offers_every_live_id(made: Made):
    assert complete("cpictl metadata show ") == [made.vm]
    assert complete("cpictl ids forget ") == [made.disk, made.vm, made.stemcell]  # newest first
    assert complete(f"cpictl ids forget {made.stemcell[:-1]}") == [made.stemcell]


def test_trace_numbers_complete_newest_first(made: Made):
    # the session's trace: the caller's info (negotiating the version), then the three calls that made `made`
    assert complete("cpictl trace show ") == ["4", "3", "2", "1"]
    assert complete("cpictl trace export ") == ["4", "3", "2", "1"]
    assert complete("cpictl trace replay 2") == ["2"]
    assert complete("cpictl call --from-trace ") == ["4", "3", "2", "1"]


def test_sessions_complete(made: Made):
    created("create_disk", "1", "{}", "--session", "second")
    assert complete("cpictl call --session ") == ["default", "second"]
    assert complete("cpictl ids --session s") == ["second"]


def test_print_parts_complete_after_a_comma():
    assert complete("cpictl call info --print res") == ["result"]
    assert complete("cpictl call info --print result,l") == ["result,log"]


def test_recipe_files_and_directories_complete(tmp_path: Path):
    work = tmp_path / "work"
    (work / "recipes" / "common").mkdir(parents=True)
    for name in ("recipes/a.yml", "recipes/b.yaml", "recipes/notes.md", "recipes/common/c.yml", "top.yml"):
        (work / name).write_text("steps: []\n")
    (work / ".hidden.yml").write_text("steps: []\n")
    # a lone directory is opened at once: the shell inserts `recipes/` without a space after it
    assert complete("cpictl run rec", cwd=work) == ["recipes/a.yml", "recipes/b.yaml", "recipes/common/"]
    assert complete("cpictl run recipes/common/", cwd=work) == ["recipes/common/c.yml"]
    assert complete("cpictl recipe check t", cwd=work) == ["top.yml"]
    # and the shipped recipes' names after the paths, which `cpictl run NAME` runs
    assert complete("cpictl run recipes/a.yml ", cwd=work) == ["recipes/", "top.yml", *shipped_names()]
    assert complete(f"cpictl run {work}/t") == [f"{work}/top.yml"]


def test_shipped_recipe_names_complete(tmp_path: Path):
    (tmp_path / "walkabout.yml").write_text("steps: []\n")
    assert complete("cpictl run walk", cwd=tmp_path) == ["walkabout.yml", "walkthrough"]
    assert complete("cpictl recipe check check/v", cwd=tmp_path) == ["check/vms"]
    # show and copy take a name only: no files
    assert complete("cpictl recipe show walk", cwd=tmp_path) == ["walkthrough"]
    assert complete("cpictl recipe copy check/", cwd=tmp_path) == [
        f"check/{group}" for group in ("info", "stemcells", "vms", "disks", "errors", "settings")]
    assert complete("cpictl recipe copy check/vms ", cwd=tmp_path) == []  # DIR: left to the shell
    (tmp_path / "recipes").mkdir()
    (tmp_path / "recipes" / "mine.yml").write_text("steps: []\n")
    # a name beside a lone directory: the directory is offered as it is, not opened
    assert complete("cpictl run re", cwd=tmp_path) == ["recipes/", "resize-and-update"]


def test_a_file_argument_without_a_completer_is_left_to_the_shell():
    # click's path type answers with the word typed, which bash would insert back: nothing, so the shell completes
    assert complete("cpictl call info --state ") == []
    assert complete("cpictl call info --state ", "zsh") == []


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_help_topics_complete(shell: str):
    assert complete("cpictl help ex", shell) == ["exit-codes"]
    assert {"recipes", "references", "masking", "targets"} <= set(complete("cpictl help ", shell))
