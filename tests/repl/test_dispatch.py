"""Lines through the real dispatcher, in-process against the reference CPI: calls, meta-commands, errors."""

from __future__ import annotations

import json
import re

import pytest

from cpictl.repl.context import QuitRepl
from tests.repl.conftest import STEMCELL_IMAGE, Repl, cid_created, editors


def single_error(output: str) -> str:
    """The output of a refused input: exactly one `error:` line, never a traceback."""
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    return lines[0]


def make_vm(repl: Repl) -> tuple[str, str]:
    stemcell = cid_created(repl.run(f"create_stemcell {STEMCELL_IMAGE} {{}}"), "stemcell")
    vm = cid_created(repl.run("create_vm agent-1 ${stemcell} {} {default: {type: dynamic}}"), "vm")
    return stemcell, vm


def test_a_call_renders_like_cpictl_call_and_journals_its_ids(repl: Repl) -> None:
    output = repl.run(f"create_stemcell {STEMCELL_IMAGE} {{}}")
    assert "✔ ok" in output and re.search(r"✔ ok   \d+ ms   cpi-\d+", output)
    assert "target bundled reference CPI" not in output  # the toolbar and the banner name it, not every call
    assert repl.live("stemcell") == [cid_created(output, "stemcell")]


def test_references_resolve_from_the_session_store(repl: Repl) -> None:
    stemcell, vm = make_vm(repl)
    assert repl.ctx.state.last.outcome.request.arguments[1] == stemcell
    output = repl.run("create_disk 1024 {} ${vm}")
    assert vm in output and repl.live("disk")


@pytest.mark.parametrize("line, message", [
    ("create_disk {a: [1", "unbalanced bracket"),
    ("create_disk '{a: [1}'", "not valid YAML"),
    ("create_disk size=big", "parameter 'size': expected integer"),
    ("create_disk 1024 {} vm-1 extra", "takes 3 argument(s)"),
    ("has_vm ${vm}", "undefined reference ${vm}"),
    ("has_vm ${steps.x.result}", "no step named 'x'"),
    ("delete_mv vm-1", "did you mean 'delete_vm'"),
    ("help", "did you mean ':help'"),
    (":sav x.yml", "did you mean ':save'"),
    (":describe nosuch", "unknown CPI method 'nosuch'"),
    (":set api_version two", "expected an integer or 'none'"),
    (":last", "no call yet"),
    (":", "needs a name"),
])
def test_bad_input_is_one_line_and_the_repl_lives_on(repl: Repl, line: str, message: str) -> None:
    assert message in single_error(repl.run(line))
    assert "✔ ok" in repl.run("info")


def test_sticky_versions_and_context_reach_the_next_request(repl: Repl) -> None:
    repl.run(":set api_version 1")
    repl.run(":set stemcell_api_version none")
    repl.run(":context region=eu-1 tags={team: bosh}")
    env = repl.run(":env")
    assert re.search(r"api_version\s+1", env) and "not sent" in env and "region" in env
    stemcell, vm = make_vm(repl)
    request = repl.ctx.state.last.outcome.request
    assert request.api_version == 1 and vm  # v1 create_vm answers the bare CID
    assert request.context["region"] == "eu-1" and "vm" not in request.context
    repl.run(":context -region")
    assert "region" not in repl.ctx.state.target.context
    assert "no key 'nope'" in single_error(repl.run(":context -nope"))


def test_cpi_switches_the_executable_and_back(repl: Repl, echo_cpi) -> None:
    assert "target:" in repl.run(f":cpi {echo_cpi}")
    assert repl.ctx.state.target.argv == [str(echo_cpi)]
    assert "is not an executable file" in single_error(repl.run(":cpi /no/such/cpi"))
    repl.run(":cpi")
    assert repl.ctx.state.target.is_reference


def test_again_sends_the_last_call_with_a_fresh_request_id(repl: Repl) -> None:
    repl.run("info")
    first = repl.ctx.state.last.outcome.request_id
    output = repl.run(":again")
    assert "✔ ok" in output and repl.ctx.state.last.outcome.request_id != first
    assert len(repl.ctx.state.history) == 2


def test_again_edit_opens_the_last_request_and_sends_what_was_saved(repl: Repl) -> None:
    make_vm(repl)
    repl.run("create_disk 1024")
    repl.term.editor = lambda text: text.replace("size: 1024", "size: 2048")
    output = repl.run(":again edit")
    assert "# integer, required" in repl.term.edited[0]
    assert repl.ctx.state.last.outcome.request.arguments[0] == 2048 and "✔ ok" in output


def test_edit_a_new_request_saved_unchanged_sends_nothing(repl: Repl) -> None:
    make_vm(repl)
    repl.term.editor = lambda text: text  # save and quit at once
    output = repl.run(":edit create_disk")
    template = repl.term.edited[0]
    assert "method: create_disk" in template
    assert "unchanged; nothing sent" in output
    assert repl.live("disk") == [] and len(repl.ctx.state.history) == 2  # no create_disk went out


def test_edit_template_values_are_placeholders_and_filling_them_in_sends(repl: Repl) -> None:
    make_vm(repl)
    repl.term.editor = lambda text: text.replace("size:  # fill in", "size: 8  # fill in")
    output = repl.run(":edit create_disk")
    values = [line for line in repl.term.edited[0].splitlines() if not line.lstrip().startswith("#")]
    assert not any("m5.large" in line for line in values)  # the example is only in a comment
    assert "  cloud_properties: {}" in values and "  vm_cid: null" in values  # optional: the defaults
    assert "✔ ok" in output and len(repl.live("disk")) == 1
    assert repl.ctx.state.last.outcome.request.arguments == [8, {}, None]


def test_edit_with_a_required_value_left_empty_reopens_and_sends_nothing_once_emptied(repl: Repl) -> None:
    repl.term.editor = editors(lambda text: text.replace("cloud_properties: {}", "cloud_properties: {a: 1}"),
                               lambda text: "")
    output = repl.run(":edit create_disk")
    assert "fill in size (required, left empty) — reopening the editor" in output
    reopened = repl.term.edited[1]
    assert reopened.startswith("# error: this request was not sent: the edited request: fill in size")
    assert "  cloud_properties: {a: 1}" in reopened  # what the user wrote, kept
    assert "empty request; nothing was sent" in output and repl.ctx.state.history == []


def test_again_edit_saved_unchanged_sends_nothing(repl: Repl) -> None:
    repl.run("create_disk 1024")
    repl.term.editor = lambda text: text
    assert "unchanged; nothing sent (:again sends the last call as it was)" in repl.run(":again edit")
    assert len(repl.ctx.state.history) == 1


def test_edit_with_bad_yaml_saved_again_unchanged_runs_nothing(repl: Repl) -> None:
    bad = "method: info\narguments: [unclosed"
    repl.term.editor = editors(lambda text: bad, lambda text: text)  # the second time: saved as it came back
    output = repl.run(":edit info")
    assert "not valid YAML" in output and "not changed since the error; nothing sent" in output
    assert repl.term.edited[1].endswith("\n" + bad)
    assert repl.ctx.state.history == []
    repl.term.editor = lambda text: ""
    assert "nothing was sent" in repl.run(":edit info")


def test_last_log_and_stderr_show_the_whole_thing(repl: Repl) -> None:
    repl.run("info")
    last = json.loads(repl.run(":last"))
    assert set(last) == {"result", "error", "log"} and last["result"]["api_version"] == 2
    assert "Starting info" in repl.run(":log")
    assert "INFO -- refcpi" in repl.run(":stderr")


def test_ids_lists_the_live_ids_newest_first(repl: Repl) -> None:
    stemcell, vm = make_vm(repl)
    listing = repl.run(":ids")
    assert listing.index(vm) < listing.index(stemcell)
    assert stemcell not in repl.run(":ids vm")


def test_methods_and_describe(repl: Repl) -> None:
    assert "create_vm" in repl.run(":methods")
    assert "disk_cid" in repl.run(":describe attach_disk")


def test_cleanup_asks_first_and_then_deletes_in_dependency_order(repl: Repl) -> None:
    make_vm(repl)
    repl.term.confirm_answer = False
    assert "nothing was deleted" in repl.run(":cleanup")
    assert repl.live("vm")
    repl.term.confirm_answer = True
    output = repl.run(":cleanup")
    assert output.index("delete_vm") < output.index("delete_stemcell")
    assert repl.live("vm") == [] and repl.live("stemcell") == []
    assert "nothing to clean up" in repl.run(":cleanup")


def test_run_a_recipe_in_this_session_sharing_ids(repl: Repl, tmp_path) -> None:
    stemcell, _ = make_vm(repl)
    recipe = tmp_path / "r.yml"
    recipe.write_text("name: more\nsteps:\n  - name: second\n    call: create_vm\n"
                      "    args: [agent-2, '${stemcell}', {}, {default: {type: dynamic}}]\n"
                      "    save: {second_vm: '[0]'}\n")
    output = repl.run(f":run {recipe}")
    assert "more: passed" in output  # the summary table of `cpictl run`
    assert "agent settings of vm-" in output  # the settings panel after create_vm, as `cpictl run` shows it
    assert len(repl.live("vm")) == 2
    assert repl.ctx.state.history[-1].arguments[1] == stemcell  # it used the session's stemcell
    assert repl.ctx.state.variables["second_vm"] == repl.live("vm")[0]
    assert "invalid recipe" in repl.run(f":run {tmp_path / 'missing.yml'}")
    leftovers = output.split("more: passed", 1)[1]  # what the run left, with the REPL's commands, not the CLI's
    assert f"left behind: vm {repl.live('vm')[0]} — :ids lists them, :cleanup deletes them" in leftovers
    assert "cpictl cleanup" not in output


def test_run_shows_the_recipe_lines_of_a_failed_step(repl: Repl, tmp_path) -> None:
    recipe = tmp_path / "r.yml"
    recipe.write_text("name: fails\nsteps:\n  - name: check\n    call: has_vm\n    args: [vm-nope]\n"
                      "    expect:\n      result: [{equals: true}]\n")
    output = repl.run(f":run {recipe}")
    assert "✖ check (has_vm)" in output  # the step line `cpictl run` prints
    assert re.search(rf"{re.escape(str(recipe))}:7:\d+: ", output)  # file:line:column of the failed expectation
    assert "7 |       result: [{equals: true}]" in output and "^" in output  # the quoted YAML with a caret
    assert "fails: failed" in output


def test_quit_leaves(repl: Repl) -> None:
    with pytest.raises(QuitRepl):
        repl.run(":quit")
    with pytest.raises(QuitRepl):
        repl.run(":exit")


def test_an_internal_bug_is_one_line_too(repl: Repl, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("cpictl.repl.dispatch.call_from_words", broken)
    assert "internal error: RuntimeError: boom" in single_error(repl.run("info"))


def test_detaching_from_the_wrong_vm_warns_before_the_call(repl: Repl) -> None:
    repl.run(f"create_stemcell {STEMCELL_IMAGE} {{}}")
    first = cid_created(repl.run("create_vm agent-1 ${stemcell} {} {default: {type: dynamic}}"), "vm")
    disk = cid_created(repl.run("create_disk 1024 {} ${vm}"), "disk")
    assert "warning" not in repl.run("attach_disk ${vm} ${disk}")
    second = cid_created(repl.run("create_vm agent-2 ${stemcell} {} {default: {type: dynamic}}"), "vm")
    output = repl.run("detach_disk ${vm} ${disk}")  # ${vm} is now the second VM
    warning = (f"warning: disk {disk} is attached to vm {first}, not to vm {second} (per the session journal); "
               f"detach_disk will likely fail with DiskNotAttached")
    assert warning in output
    assert output.index("warning:") < output.index("DiskNotAttached")  # said before, and the call still went
    assert "warning" not in repl.run(f"detach_disk {first} ${{disk}}")


def test_double_dollar_escapes_a_reference_in_the_repl(repl: Repl) -> None:
    repl.run("has_vm $${vm}")
    assert repl.ctx.state.last.outcome.request.arguments == ["${vm}"]
