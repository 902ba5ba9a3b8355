"""`METHOD` alone asks for each parameter: defaults on Enter, re-asking on bad values, Ctrl-C abandons."""

from __future__ import annotations

from tests.repl.conftest import CTRL_C, STEMCELL_IMAGE, Repl, cid_created


def test_create_disk_built_parameter_by_parameter(repl: Repl) -> None:
    repl.term.answers = ["1024", "", ""]  # size; Enter keeps cloud_properties {} and vm_cid null
    output = repl.run("create_disk")
    assert [q.strip() for q in repl.term.asked] == ["size>", "cloud_properties>", "vm_cid>"]
    assert "size in MiB" in output and "e.g. 1024" in output  # help and example from the catalogue
    assert repl.ctx.state.last.outcome.request.arguments == [1024, {}, None]
    assert repl.live("disk") == [cid_created(output, "disk")]


def test_a_required_parameter_and_a_bad_value_are_asked_again(repl: Repl) -> None:
    repl.term.answers = ["", "lots", "2048", "{type: fast}", "${vm}", ""]
    output = repl.run("create_disk")
    assert "size is required" in output
    assert "parameter 'size': expected integer" in output
    assert "undefined reference ${vm}" in output  # no live VM: asked again, Enter then keeps null
    assert repl.ctx.state.last.outcome.request.arguments == [2048, {"type": "fast"}, None]


def test_references_and_the_sessions_ids_work_in_answers(repl: Repl) -> None:
    stemcell = cid_created(repl.run(f"create_stemcell {STEMCELL_IMAGE} {{}}"), "stemcell")
    repl.term.answers = ["agent-7", "${stemcell}", "", "{default: {type: dynamic}}", "", ""]
    output = repl.run("create_vm")
    assert "✔ ok" in output
    assert repl.ctx.state.last.outcome.request.arguments[:2] == ["agent-7", stemcell]


def test_ctrl_c_abandons_the_call(repl: Repl) -> None:
    repl.term.answers = ["1024", CTRL_C]
    output = repl.run("create_disk")
    assert "abandoned; nothing was sent" in output
    assert repl.ctx.state.history == [] and repl.live("disk") == []


def test_a_method_without_parameters_just_runs(repl: Repl) -> None:
    assert "✔ ok" in repl.run("info")
    assert repl.term.asked == []


def test_a_line_that_leaves_required_parameters_out_asks_for_just_those(repl: Repl) -> None:
    stemcell = cid_created(repl.run(f"create_stemcell {STEMCELL_IMAGE} {{}}"), "stemcell")
    repl.term.answers = ["{default: {type: dynamic}}"]
    output = repl.run("create_vm agent-9 ${stemcell} {}")
    assert [q.strip() for q in repl.term.asked] == ["networks>"]  # not the optional disk_cids, environment
    assert "create_vm: still needs networks" in output and "✔ ok" in output
    arguments = repl.ctx.state.last.outcome.request.arguments
    assert arguments[:4] == ["agent-9", stemcell, {}, {"default": {"type": "dynamic"}}]
    repl.term.answers = [CTRL_C]
    assert "abandoned; nothing was sent" in repl.run("create_vm agent-10 ${stemcell}")
    assert len(repl.live("vm")) == 1


def test_by_name_arguments_that_leave_a_required_one_out_ask_for_it(repl: Repl) -> None:
    repl.term.answers = ["2048"]
    output = repl.run("create_disk cloud_properties={}")
    assert [q.strip() for q in repl.term.asked] == ["size>"] and "✔ ok" in output
    assert repl.ctx.state.last.outcome.request.arguments == [2048, {}, None]


def test_without_a_terminal_missing_parameters_are_an_error_not_a_question(repl: Repl) -> None:
    from cpictl.repl.terminal import Terminal

    repl.ctx.term = Terminal(repl.term.console)
    assert "parameter 'size': missing (required)" in repl.run("create_disk cloud_properties={}")
    assert repl.live("disk") == []


def test_a_rejected_answer_is_handed_back_for_editing_not_taken_as_the_next(repl: Repl) -> None:
    repl.term.answers = ["lots", "2048", "{type: fast}}", "{type: fast}", ""]
    output = repl.run("create_disk")
    assert "parameter 'size': expected integer" in output and "fix it below" in output
    # each question after a rejected answer starts with that answer's text; the others start empty
    assert repl.term.kept == ["", "lots", "", "{type: fast}}", ""]
    assert repl.ctx.state.last.outcome.request.arguments == [2048, {"type": "fast"}, None]


def test_an_answer_continues_while_a_bracket_is_open_as_at_the_main_prompt(repl: Repl) -> None:
    repl.term.answers = ["1024", "{type: fast,\n tags: [a, b]}", ""]
    repl.run("create_disk")
    continues = repl.term.continues[1]
    assert continues("{type: fast,") and continues("{a: [1,\n 2")  # Enter opens another line …
    assert not continues("{type: fast}") and not continues("{a: [1}")  # … not once closed, or broken beyond repair
    assert repl.ctx.state.last.outcome.request.arguments[1] == {"type": "fast", "tags": ["a", "b"]}


def test_create_vm_offers_a_fresh_agent_id_that_enter_takes(repl: Repl) -> None:
    import re
    import uuid

    repl.run(f"create_stemcell {STEMCELL_IMAGE} {{}}")
    sent = []
    for _ in range(2):
        repl.term.answers = ["", "${stemcell}", "", "{default: {type: dynamic}}", "", ""]
        output = repl.run("create_vm")
        assert "required, Enter takes the fresh one shown" in output and "✔ ok" in output
        question = next(q for q in repl.term.asked[-6:] if "agent_id" in q)
        offered = re.fullmatch(r"  agent_id \[(.+)\]> ", question).group(1)
        agent_id = repl.ctx.state.last.outcome.request.arguments[0]
        assert agent_id == offered and uuid.UUID(agent_id).version == 4
        sent.append(agent_id)
    assert sent[0] != sent[1]  # a new one for each VM
    repl.term.answers = ["agent-typed", "${stemcell}", "", "{default: {type: dynamic}}", "", ""]
    repl.run("create_vm")
    assert repl.ctx.state.last.outcome.request.arguments[0] == "agent-typed"  # a typed one wins
