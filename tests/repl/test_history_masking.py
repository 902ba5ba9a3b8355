"""The REPL's history file never holds a secret typed at the prompt; the running session still recalls it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from cpictl.protocol.redaction import MASK
from cpictl.repl.history import MaskedFileHistory
from cpictl.repl.line_masks import mask_history_line, mask_pairs
from cpictl.repl.lines import split_words
from cpictl.repl.loop import history_path
from tests.repl.conftest import Repl


@pytest.mark.parametrize(("line", "kept"), [
    (":context password=HUNTER22", f":context password={MASK}"),
    (":context region=eu-1 director_uuid=dir-uuid request_id=cpi-1 -old creds={user: u, pw: p}",
     f":context region={MASK} director_uuid=dir-uuid request_id=cpi-1 -old creds={MASK}"),
    ("create_vm agent-1 ${stemcell} {instance_type: m5.large, key_name: k} "
     "{default: {type: dynamic, cloud_properties: {subnet: s-1}}} [] {bosh: {password: HUNTER22, group: g}}",
     "create_vm agent-1 ${stemcell} {instance_type: m5.large, key_name: k} "
     "{default: {type: dynamic, cloud_properties: {subnet: s-1}}} [] "
     f"{{bosh: {{password: {MASK}, group: g}}}}"),
    ("create_vm agent-1 sc environment={bosh: {password: HUNTER22}} cloud_properties={a: 1}",
     f"create_vm agent-1 sc environment={{bosh: {{password: {MASK}}}}} cloud_properties={{a: 1}}"),
    ('create_disk 1024 {type: gp3, "kms key": "x y"} "vm 1"',
     f"create_disk 1024 {{type: gp3, kms key: {MASK}}} 'vm 1'"),
    ("create_stemcell /tmp/image {name: refcpi}", "create_stemcell /tmp/image {name: refcpi}"),
    ("update_disk disk-1 2048 {iops: 3000}", "update_disk disk-1 2048 {iops: 3000}"),
    ("create_disk 1024 {type: gp3, note: AKIAIOSFODNN7EXAMPLE} vm-1",  # a secret by its shape, under any key
     f"create_disk 1024 {{type: gp3, note: {MASK}}} vm-1"),
    ("set_vm_metadata vm-1 eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.dBjftJeZ4CVP-mB92K27uhbU",
     f"set_vm_metadata vm-1 {MASK}"),
    ("set_vm_metadata vm-1 {owner: me, admin_password: HUNTER22}",
     f"set_vm_metadata vm-1 {{owner: me, admin_password: {MASK}}}"),
    ("create_stemcell https://ops:pw-HUNTER22@images.example.com/s.tgz {}",
     f"create_stemcell https://{MASK}@images.example.com/s.tgz {{}}"),
    ("set_disk_metadata disk-1 metadata={backup: 'https://ops:pw-HUNTER22@b.example.com'}",
     f"set_disk_metadata disk-1 metadata={{backup: 'https://{MASK}@b.example.com'}}"),
])
def test_secrets_are_masked_the_way_the_request_view_masks_them(line: str, kept: str) -> None:
    assert mask_history_line(line) == kept


@pytest.mark.parametrize("line", [
    "info", "create_disk 1024 {} vm-1", "has_vm  'vm 1'", "create_disk 1 @cloud.yml vm-1", ":ids vm", ":context",
    ":context -region", "set_vm_metadata vm-1 {owner: me}", "", "   ",
])
def test_a_line_with_nothing_to_mask_is_kept_as_typed(line: str) -> None:
    assert mask_history_line(line) == line


def test_a_masked_line_reads_back_as_the_same_words_with_the_values_masked() -> None:
    masked = mask_history_line("create_vm 'agent 1' sc {password: \"it's\", zone: z1} {} [] {x: y}")
    assert split_words(masked) == ["create_vm", "agent 1", "sc", f"{{password: {MASK}, zone: z1}}", "{}", "[]",
                                   "{x: y}"]


@pytest.mark.parametrize(("line", "kept"), [
    ("create_disk 1 {password: HUNTER22, a: [1,", f"create_disk 1 {{password: {MASK}, a: [1,"),  # open bracket
    ("create_disk 1 {a: [1, 2}, token: 'HUNTER 22'}", f"create_disk 1 {{a: [1, 2}}, token: {MASK}}}"),  # mismatch
    ('create_vm a sc {credentials: {user: u, pw: "x}"}, key_name: k', f"create_vm a sc {{credentials: {MASK}, "
                                                                        "key_name: k"),
    ("frobnicate password=HUNTER22 env.bosh.password: HUNTER22", f"frobnicate password={MASK} env.bosh.password: "
                                                                  f"{MASK}"),  # an unknown method
    (":cpi /opt/cpi --api-token=HUNTER22 --registry=https://admin:HUNTER22@10.0.0.6",
     f":cpi /opt/cpi --api-token={MASK} --registry=https://{MASK}@10.0.0.6"),
])
def test_lines_that_do_not_parse_have_secret_looking_pairs_masked(line: str, kept: str) -> None:
    assert mask_history_line(line) == kept


def test_an_abandoned_continuation_and_its_command_are_both_kept() -> None:
    line = "create_disk 1 {password: HUNTER22,\n  size: 3\n:ids"
    assert mask_history_line(line) == f"create_disk 1 {{password: {MASK},\n  size: 3\n:ids"


def test_pairs_are_masked_only_under_secret_sounding_keys() -> None:
    assert mask_pairs("key_name: bosh instance_type=m5 token: t0k3n 'password': 'a b' x") == \
        f"key_name: bosh instance_type=m5 token: {MASK} 'password': {MASK} x"


def test_a_setting_word_under_a_secret_sounding_key_stays_readable_in_unparsable_text() -> None:
    # the AWS CPI's IMDSv2 switch: `required` is a setting, as the Redactor judges it in parsed values
    assert mask_pairs("{metadata_options: {http_tokens: required, token: s3cr3t-t0k3n") == \
        f"{{metadata_options: {{http_tokens: required, token: {MASK}"


def test_a_word_is_masked_whether_or_not_the_api_version_gives_it_a_parameter() -> None:
    line = "create_stemcell /img {name: n} env={tags: {a: b}, password: HUNTER22}"
    masked = f"create_stemcell /img {{name: n}} env={{tags: {{a: b}}, password: {MASK}}}"
    assert mask_history_line(line, api_version=3) == masked  # v3's `env` parameter, masked as the Redactor masks
    assert mask_history_line(line, api_version=2) == masked  # no v2 parameter takes it: its pairs are masked


def test_the_file_holds_masked_lines_while_the_session_recalls_the_real_ones() -> None:
    path = history_path()
    history = MaskedFileHistory(str(path))
    history.append_string(":context password=HUNTER22")
    history.append_string("create_vm a sc {access_key: AKIA-REAL, instance_type: m5}\n  {} [] {}")
    assert list(history.get_strings()) == [":context password=HUNTER22",
                                           "create_vm a sc {access_key: AKIA-REAL, instance_type: m5}\n  {} [] {}"]
    text = path.read_text()
    assert "HUNTER22" not in text and "AKIA-REAL" not in text and "instance_type: m5" in text
    assert list(MaskedFileHistory(str(path)).load_history_strings()) == [
        f"create_vm a sc {{access_key: {MASK}, instance_type: m5}} {{}} [] {{}}", f":context password={MASK}"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_history_file_removed_meanwhile_comes_back_private(tmp_path: Path) -> None:
    path = tmp_path / "repl_history"
    MaskedFileHistory(str(path)).append_string("info")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text().endswith("+info\n")


def test_the_prompt_session_writes_masked_history(repl: Repl) -> None:
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from cpictl.repl.loop import _prompt_session

    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        session = _prompt_session(repl.ctx)
    assert isinstance(session.history, MaskedFileHistory)
    repl.ctx.state.set_target(api_version=3)
    session.history.append_string("create_stemcell /img {name: n} env={tags: {a: b}, password: HUNTER22}")
    assert f"+create_stemcell /img {{name: n}} env={{tags: {{a: b}}, password: {MASK}}}\n" in history_path().read_text()
