"""`metadata show`, `metadata expected` and the panel after a call, against the reference CPI."""

from __future__ import annotations

import json
import os
from pathlib import Path

from rich.console import Console

from cpictl.metadata.registry_log import append_entries, registry_log_path
from cpictl.refcpi import state_dir
from cpictl.render.metadata_view import metadata_panel
from cpictl.session import CallSession, Target, reference_cpi_argv
from cpictl.store import CloudIdStore, default_journal_path
from tests.metadata.conftest import ENVIRONMENT, NETWORKS


def user_metadata_file(vm_cid: str) -> Path:
    return Path(state_dir(os.environ)) / "user-metadata" / f"{vm_cid}.json"


def test_v2_show_after_attach_lists_the_disk_without_calling_user_metadata_wrong(cli, stemcell) -> None:
    vm_cid = cli.create_vm()
    disk = cli.create_disk()
    code, out = cli.table("call", "attach_disk", vm_cid, disk)
    assert code == 0 and "agent settings ✔ as the contract asks (user-metadata)" in out  # one line by default
    code, report = cli.json("metadata", "show")
    assert code == 0 and report["mistakes"] == []
    assert report["expected"]["placement"] == "user-metadata" and report["actual"]["placement"] == "user-metadata"
    assert report["actual"]["user_metadata"]["disks"]["persistent"] == {}  # user-data is written once
    assert report["attached_disks"] == {disk: {"path": "/dev/sdc"}}
    code, out = cli.table("metadata", "show", vm_cid)
    assert code == 0
    assert f"attached disks (session journal): {disk} → path: /dev/sdc" in out
    assert "✔ the settings are where the contract puts them" in out


def test_show_names_mistakes_in_what_the_cpi_wrote_and_exits_3(cli, stemcell) -> None:
    vm_cid = cli.create_vm()
    path = user_metadata_file(vm_cid)
    settings = json.loads(path.read_text())
    settings["agent_id"] = "agent-someone-else"
    settings["networks"]["default"]["ip"] = "10.0.0.99"
    path.write_text(json.dumps(settings))
    code, report = cli.json("metadata", "show", vm_cid)
    assert code == 3
    assert [m["code"] for m in report["mistakes"]] == ["agent_id.wrong", "networks.differ"]
    code, out = cli.table("metadata", "show", vm_cid)
    assert code == 3 and "agent_id.wrong" in out and "10.0.0.99" in out


def test_settings_in_both_places_are_a_mistake(cli, stemcell) -> None:
    vm_cid = cli.create_vm()
    registry = Path(state_dir(os.environ)) / "registry"
    registry.mkdir(exist_ok=True)
    (registry / f"{vm_cid}.json").write_text(user_metadata_file(vm_cid).read_text())
    code, report = cli.json("metadata", "show", vm_cid)
    assert code == 3 and [m["code"] for m in report["mistakes"]] == ["placement.both"]


def test_a_registry_entry_still_listing_a_detached_disk_is_named(cli, stemcell) -> None:
    vm_cid = cli.create_vm("--api-version", "1", "--registry")
    disk = cli.create_disk()
    assert cli.json("call", "attach_disk", vm_cid, disk, "--api-version", "1", "--registry")[0] == 0
    assert cli.json("call", "detach_disk", vm_cid, disk, "--api-version", "1", "--registry")[0] == 0
    # A CPI that forgets to update the registry on detach: replay its stale PUT into the capture.
    capture = registry_log_path(default_journal_path())
    stale = [json.loads(line) for line in capture.read_text().splitlines() if '"PUT"' in line][-2]
    append_entries(capture, [{k: v for k, v in stale.items() if k != "v"}])
    code, report = cli.json("metadata", "show", vm_cid)
    assert code == 3 and [m["code"] for m in report["mistakes"]] == ["disks.persistent-extra"]
    assert disk in report["mistakes"][0]["message"]


def test_show_finds_the_state_dir_through_the_targets_environment(cli, stemcell, tmp_path) -> None:
    elsewhere = tmp_path / "elsewhere"
    env = f"CPICTL_REFCPI_DIR={elsewhere}"
    image = tmp_path / "image2"
    image.write_bytes(b"x")
    assert cli.json("call", "create_stemcell", str(image), "{}", "--env", env)[0] == 0
    vm_cid = cli.create_vm("--env", env)
    assert (elsewhere / "user-metadata" / f"{vm_cid}.json").exists()
    code, _, err = cli("metadata", "show", vm_cid, "-o", "json")
    assert code == 2 and "has no VM" in err and "--env" in err  # the default state dir has no such VM
    code, report = cli.json("metadata", "show", vm_cid, "--env", env)
    assert code == 0 and report["actual"]["user_metadata"]["agent_id"] == "agent-1"


def test_a_vm_the_reference_cpi_made_is_judged_as_its_own_whatever_cpi_is_named(cli, stemcell, tmp_path) -> None:
    vm_cid = cli.create_vm()
    code, shown = cli.json("metadata", "show", vm_cid, "--cpi", "/bin/true")
    assert code == 0 and shown["vm_cid"] == vm_cid and shown["mistakes"] == []


def test_another_cpis_settings_are_not_visible_without_a_registry(cli, tmp_path) -> None:
    cpi = tmp_path / "cloud_cpi.sh"
    cpi.write_text("#!/bin/sh\ncat >/dev/null\necho '{\"result\":[\"i-1\",{}],\"error\":null,\"log\":\"\"}'\n")
    cpi.chmod(0o755)
    assert cli.json("call", "create_vm", "a", "sc", "{}", "{}", "--cpi", str(cpi), "--api-version", "2")[0] == 0
    code, out, err = cli("metadata", "show", "i-1", "--cpi", str(cpi), "-o", "table")
    assert code == 0, err
    assert " ".join(out.split()).startswith("agent settings of i-1 not shown: cloud_cpi.sh writes them to its cloud's "
                                            "user-data, which cpictl cannot read; --registry shows")


def test_a_deleted_vm_has_no_settings_to_show(cli, stemcell) -> None:
    vm_cid = cli.create_vm()
    assert cli.json("call", "delete_vm", vm_cid)[0] == 0
    code, _, err = cli("metadata", "show", vm_cid, "-o", "json")
    assert code == 2 and "deleted" in err


def test_call_panel_masks_secrets_and_is_absent_when_the_call_failed(cli, stemcell) -> None:
    code, out = cli.table("call", "create_vm", "agent-p", "${stemcell}", "{}", json.dumps(NETWORKS), "[]",
                          json.dumps(ENVIRONMENT), "--print", "settings")
    assert code == 0
    panel = out[out.index("agent settings of"):]
    for shown in ("agent-p", "10.0.0.10", "dns, gateway", "/dev/sda", "group: d-dep-web", "password: <redacted>",
                  "cert: <redacted>", "nats://"):
        assert shown in panel, shown
    for secret in ("hunter2", "KEY-PEM", "CERT-PEM"):
        assert secret not in out
    code, out = cli.table("call", "create_vm", "agent-f", "${stemcell}", '{refcpi_fault: "error:CloudError"}',
                          json.dumps(NETWORKS), "--print", "settings")
    assert code == 1 and "agent settings of" not in out


def test_metadata_panel_for_repl_and_recipes(stemcell, tmp_path) -> None:
    """The function the REPL and the recipe runner call after each step."""
    store = CloudIdStore(default_journal_path())
    target = Target(argv=reference_cpi_argv(), director_uuid="u")
    session = CallSession(target, store)
    outcome = session.call("create_vm", ["agent-x", stemcell, {}, NETWORKS, [], ENVIRONMENT])
    console = Console(width=120, record=True, no_color=True)
    panel = metadata_panel(outcome, target, store)
    assert panel is not None
    console.print(panel)
    text = console.export_text()
    assert "agent-x" in text and "hunter2" not in text and "✔" in text
    assert metadata_panel(session.call("info", []), target, store) is None


def test_expected_from_arguments_journal_and_recipe(cli, stemcell, tmp_path) -> None:
    code, doc = cli.json("metadata", "expected", "agent-e", "sc-1", "{}", json.dumps(NETWORKS), "[]",
                         json.dumps(ENVIRONMENT), "--api-version", "1", "--vm-cid", "vm-e")
    assert code == 0
    assert doc["placement"] == "registry" and doc["registry_path"] == "/instances/vm-e/settings"
    assert doc["settings"]["agent_id"] == "agent-e" and doc["settings"]["env"]["bosh"]["password"] == "<redacted>"
    assert doc["bootstrap"]["dns"] == {"nameserver": ["10.0.0.2"]}

    vm_cid = cli.create_vm(agent_id="agent-j")
    code, doc = cli.json("metadata", "expected")
    assert code == 0 and doc["vm_cid"] == vm_cid and doc["settings"]["agent_id"] == "agent-j"
    assert doc["placement"] == "user-metadata" and doc["settings"]["env"].startswith("<unknown")

    recipe = tmp_path / "r.yml"
    recipe.write_text("vars: {agent: agent-from-recipe}\n"
                      "steps:\n"
                      "  - name: make-vm\n"
                      "    call: create_vm\n"
                      "    stemcell_api_version: 1\n"
                      "    args: ['${agent}', '${stemcell}', {}, {default: {type: dynamic}}]\n")
    code, doc = cli.json("metadata", "expected", "--recipe", str(recipe), "--step", "make-vm")
    assert code == 0, doc
    assert doc["settings"]["agent_id"] == "agent-from-recipe" and doc["placement"] == "registry"
    code, _, err = cli("metadata", "expected", "--recipe", str(recipe), "--step", "nope", "-o", "json")
    assert code == 2 and "make-vm" in err


def _fake_vm_cpi(tmp_path: Path) -> Path:
    from tests.conftest import write_cpi

    return write_cpi(tmp_path / "echo.sh", """
import json, sys
request = json.load(sys.stdin)
result = ["vm-echo-1", request["arguments"][3]] if request["method"] == "create_vm" else None
json.dump({"result": result, "error": None, "log": ""}, sys.stdout)
""")


def test_show_of_a_vm_another_cpi_created_names_that_cpi(cli, tmp_path) -> None:
    cpi = _fake_vm_cpi(tmp_path)
    code, doc = cli.json("call", "create_vm", "agent-1", "sc-1", "{}", json.dumps(NETWORKS), "--cpi", str(cpi),
                         "--api-version", "2")  # a toy CPI: no info to negotiate with
    assert code == 0, doc
    code, shown = cli.json("metadata", "show", "vm-echo-1")
    assert code == 0 and shown["visible"] is False  # said in one line, not an error
    assert shown["reason"] == (f"agent settings of vm-echo-1 not shown: {cpi.name} writes them to its cloud's "
                               "user-data, which cpictl cannot read; --registry shows a registry-mode CPI's entry, "
                               "else see the VM's user-data in the IaaS")
    # What the embedded registry captured for it is shown, judged as that CPI's (user-metadata unknown).
    settings = {"agent_id": "agent-1", "vm": {"name": "vm-echo-1"}, "networks": NETWORKS}
    append_entries(registry_log_path(default_journal_path()),
                   [{"method": "PUT", "path": "/instances/vm-echo-1/settings", "instance": "vm-echo-1",
                     "status": 200, "body": json.dumps(settings)}])
    code, report = cli.json("metadata", "show", "vm-echo-1")
    assert report["actual"]["registry"]["agent_id"] == "agent-1", report


def test_show_of_a_vm_imported_from_a_state_file_says_so(cli) -> None:
    CloudIdStore(default_journal_path()).record_event("imported", "vm", "vm-director", method="create_vm",
                                                      target="create-env state /tmp/state.json")
    code, shown = cli.json("metadata", "show", "vm-director")
    assert code == 0 and shown["visible"] is False  # said, not an error
    assert shown["reason"].startswith("vm vm-director was imported from create-env state /tmp/state.json, not the "
                                      "bundled reference CPI")


def test_show_reads_at_a_glance_verdict_first_and_the_cpis_choices_apart(cli, stemcell, monkeypatch) -> None:
    """The default view leads with the verdict, sets beside each other only the fields there is something to
    expect of, and lists what the CPI was free to choose once, without a column of `<chosen by the CPI: …>`;
    -v adds where each document was read and the whole comparison."""
    vm_cid = cli.create_vm()
    monkeypatch.setenv("COLUMNS", "80")
    code, out = cli.table("metadata", "show", vm_cid)
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("✔ the settings are where the contract puts them")
    assert "<chosen by the CPI" not in out and "user-metadata/" not in out  # no placeholders, no paths
    compared, alone = out.split("not compared")
    assert "agent_id" in compared and "vm.name" not in compared
    assert f"vm.name          {vm_cid}" in alone and "/dev/sda" in alone and "nats://" in alone
    assert len(lines) <= 32 and max(len(line) for line in lines) <= 80
    code, verbose = cli.table("metadata", "show", vm_cid, "-v")
    assert "<chosen by the CPI" in verbose and f"user-metadata/{vm_cid}.json" in verbose.replace("\n", "")
