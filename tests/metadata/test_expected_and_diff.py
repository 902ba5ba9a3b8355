"""Pure rules: the settings a create_vm asks for (v1 and v2), and every mistake `diff_settings` names."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cpictl.protocol.agent_settings import FULL_SETTINGS_KEYS
from cpictl.protocol.settings_check import ActualSettings, expected_settings, is_placeholder
from cpictl.protocol.settings_diff import diff_settings
from tests.metadata.conftest import ENVIRONMENT, NETWORKS

ARGS = ["agent-1", "sc-1", {}, NETWORKS, [], ENVIRONMENT]
RESULT_NETWORKS = {"default": {**NETWORKS["default"], "mac": "0a:00:00:00:00:01"}}


def full(**changes: Any) -> dict[str, Any]:
    """Settings a correct CPI writes for ARGS (v2 result networks)."""
    settings = {"agent_id": "agent-1", "vm": {"name": "vm-1"}, "networks": copy.deepcopy(RESULT_NETWORKS),
                "disks": {"system": "/dev/sda", "ephemeral": "/dev/sdb", "persistent": {}},
                "env": copy.deepcopy(ENVIRONMENT), "mbus": "nats://nats:4222", "ntp": ["ntp1"],
                "blobstore": {"provider": "dav", "options": {}}}
    settings.update(changes)
    return settings


BOOTSTRAP = {"registry": {"endpoint": "http://u:p@127.0.0.1:1"}, "server": {"name": "vm-1"},
             "dns": {"nameserver": ["10.0.0.2"]}, "networks": RESULT_NETWORKS}
V2 = expected_settings(ARGS, 2, 2, "vm-1", RESULT_NETWORKS)
V1 = expected_settings(ARGS, 1, 2, "vm-1")


def codes(expected, actual: ActualSettings) -> list[str]:
    return [mistake.code for mistake in diff_settings(expected, actual)]


def test_v2_request_expects_full_settings_in_user_metadata() -> None:
    assert V2.placement == "user-metadata" and V2.bootstrap is None and V2.registry_path is None
    assert tuple(V2.settings) == FULL_SETTINGS_KEYS
    assert V2.settings["agent_id"] == "agent-1"
    assert V2.settings["networks"] == RESULT_NETWORKS and V2.networks_from == "result"
    assert V2.settings["env"] == ENVIRONMENT
    assert V2.settings["disks"]["persistent"] == {}
    for chosen in (V2.settings["vm"]["name"], V2.settings["disks"]["system"], V2.settings["mbus"],
                   V2.settings["ntp"], V2.settings["blobstore"]):
        assert is_placeholder(chosen)


def test_v1_request_expects_bootstrap_plus_registry_entry() -> None:
    assert V1.placement == "registry"
    assert V1.registry_path == "/instances/vm-1/settings"
    assert V1.settings["networks"] == NETWORKS and V1.networks_from == "request"
    assert V1.bootstrap is not None
    assert is_placeholder(V1.bootstrap["registry"]["endpoint"])
    assert V1.bootstrap["dns"] == {"nameserver": ["10.0.0.2"]}
    by_name = expected_settings({"agent_id": "a", "networks": NETWORKS}, 1, 1)
    assert by_name.settings["agent_id"] == "a" and by_name.settings["env"] == {}


def test_registry_mode_lists_attached_disks_but_user_metadata_mode_does_not() -> None:
    attached = {"disk-1": {"path": "/dev/sdc"}, "disk-2": None}
    registry = expected_settings(ARGS, 1, 1, "vm-1", persistent=attached)
    assert registry.settings["disks"]["persistent"]["disk-1"] == {"path": "/dev/sdc"}
    assert is_placeholder(registry.settings["disks"]["persistent"]["disk-2"])
    assert expected_settings(ARGS, 2, 2, "vm-1", persistent=attached).settings["disks"]["persistent"] == {}


def test_correct_settings_have_no_mistakes_in_both_modes() -> None:
    assert codes(V2, ActualSettings(full(), None)) == []
    assert codes(V1, ActualSettings(BOOTSTRAP, full())) == []
    # v1 networks come from the request: a CPI may add mac (and a DHCP ip) for the agent
    assert codes(V1, ActualSettings(BOOTSTRAP, full(networks=RESULT_NETWORKS))) == []


@pytest.mark.parametrize(("settings", "code"), [
    (full(agent_id=None), "agent_id.missing"),
    ({k: v for k, v in full().items() if k != "agent_id"}, "agent_id.missing"),
    (full(agent_id="agent-2"), "agent_id.wrong"),
    (full(networks={}), "networks.missing"),
    (full(networks={**RESULT_NETWORKS, "other": {"type": "dynamic"}}), "networks.extra"),
    (full(networks={"default": {**RESULT_NETWORKS["default"], "ip": "10.0.0.99"}}), "networks.differ"),
    (full(networks={"default": {**RESULT_NETWORKS["default"], "surprise": 1}}), "networks.differ"),
    (full(disks={"system": "/dev/sda", "ephemeral": "/dev/sdb", "persistent": {"d-1": {"lun": 0}}}),
     "disks.hint-not-string"),
    (full(disks={"system": "/dev/sda", "ephemeral": {"path": 5}, "persistent": {}}), "disks.hint-not-string"),
    (full(env={"bosh": {"group": "other"}}), "env.differs"),
    ({k: v for k, v in full().items() if k != "mbus"}, "settings.missing-key"),
    (full(ntp="ntp1"), "settings.wrong-type"),
    (full(vm={"id": "vm-1"}), "settings.wrong-type"),
    ("not an object", "settings.not-an-object"),
])
def test_each_content_mistake_is_named(settings: Any, code: str) -> None:
    found = codes(V2, ActualSettings(settings, None))
    if code == "settings.not-an-object":  # a string is no settings at all: it is also "neither"
        found = codes(V2, ActualSettings(None, settings))
    assert code in found, found


def test_messages_never_quote_environment_values() -> None:
    mistakes = diff_settings(V2, ActualSettings(full(env={"bosh": {"password": "other-secret"}}), None))
    assert [m.code for m in mistakes] == ["env.differs"]
    assert "secret" not in mistakes[0].message and "hunter2" not in mistakes[0].message
    assert "env.bosh.password" in mistakes[0].message


@pytest.mark.parametrize(("expected", "actual", "code"), [
    (V2, ActualSettings(full(), full()), "placement.both"),
    (V1, ActualSettings(full(), full()), "placement.both"),
    (V2, ActualSettings(BOOTSTRAP, full()), "placement.registry-not-user-metadata"),
    (V1, ActualSettings(full(), None), "placement.user-metadata-not-registry"),
    (V2, ActualSettings(None, None), "placement.neither"),
    (V2, ActualSettings(BOOTSTRAP, None), "placement.neither"),
    (V1, ActualSettings(BOOTSTRAP, None), "placement.neither"),
    (V1, ActualSettings({"server": {"name": "vm-1"}}, full()), "bootstrap.no-registry-endpoint"),
])
def test_each_placement_mistake_is_named(expected, actual: ActualSettings, code: str) -> None:
    assert code in codes(expected, actual)


def test_what_cpictl_cannot_see_is_not_judged() -> None:
    # another CPI's user-metadata is unreadable: a registry entry alone is fine in registry mode
    assert codes(V1, ActualSettings(None, full(), user_metadata_known=False)) == []
    # an HTTP registry cpictl did not capture: full settings in user-metadata cannot be called misplaced
    assert codes(V1, ActualSettings(full(), None, registry_known=False)) == []
    assert ActualSettings(None, None, user_metadata_known=False).placement == "unknown"


def test_registry_mode_disks_follow_attach_and_detach() -> None:
    attached = expected_settings(ARGS, 1, 1, "vm-1", persistent={"disk-1": {"path": "/dev/sdc"}})
    listed = full(disks={"system": "/dev/sda", "ephemeral": "/dev/sdb", "persistent": {"disk-1": {"path": "/dev/sdc"}}})
    unlisted = full()
    assert codes(attached, ActualSettings(BOOTSTRAP, listed)) == []
    assert codes(attached, ActualSettings(BOOTSTRAP, unlisted)) == ["disks.persistent-missing"]
    wrong_hint = full(disks={"system": "/dev/sda", "ephemeral": "/dev/sdb", "persistent": {"disk-1": "/dev/sdd"}})
    assert codes(attached, ActualSettings(BOOTSTRAP, wrong_hint)) == ["disks.hint-differs"]
    detached = expected_settings(ARGS, 1, 1, "vm-1", persistent={})
    assert codes(detached, ActualSettings(BOOTSTRAP, listed)) == ["disks.persistent-extra"]


def test_registry_less_user_metadata_is_not_judged_against_attachments() -> None:
    """v2 hints reach the agent through the director; user-data written at create_vm keeps `persistent: {}`."""
    attached = expected_settings(ARGS, 2, 2, "vm-1", RESULT_NETWORKS, persistent={"disk-1": {"path": "/dev/sdc"}})
    assert codes(attached, ActualSettings(full(), None)) == []


def test_booleans_are_not_numbers_when_comparing() -> None:
    expected = expected_settings(["a", "s", {}, {"n": {"type": "manual", "ip": "1.2.3.4", "x": 1}}, [], {}], 2, 2)
    found = full(agent_id="a", env={}, networks={"n": {"type": "manual", "ip": "1.2.3.4", "x": True}})
    assert codes(expected, ActualSettings(found, None)) == ["networks.differ"]


def test_values_the_journal_keeps_masked_are_no_mistake_but_what_differs_around_them_is() -> None:
    """The journal keeps a network's cloud_properties masked in part: a password, a URL's credentials in place."""
    kept = {"subnet": "s-1", "password": "<redacted>", "nested": {"token": "<redacted>", "zone": "z1"},
            "endpoint": "https://<redacted>@api.example.com/v1"}
    real = {"subnet": "s-1", "password": "pw-1", "nested": {"token": "t-1", "zone": "z1"},
            "endpoint": "https://svc:pw-2@api.example.com/v1"}
    network = {"type": "manual", "ip": "10.0.0.5"}
    expected = expected_settings(["a", "s", {}, {"n": {**network, "cloud_properties": kept}}, [], {}], 2, 2)

    def found(cloud_properties: dict[str, Any]) -> ActualSettings:
        return ActualSettings(full(agent_id="a", env={}, networks={"n": {**network,
                                                                         "cloud_properties": cloud_properties}}), None)

    assert codes(expected, found(real)) == []
    assert codes(expected, found({**real, "subnet": "s-2"})) == ["networks.differ"]
    assert codes(expected, found({**real, "endpoint": "https://svc:pw-2@other.example.com/v1"})) == ["networks.differ"]
    assert codes(expected, found({**real, "nested": {"token": "t-1", "zone": "z2"}})) == ["networks.differ"]
    assert codes(expected, found({key: value for key, value in real.items() if key != "password"})) == \
        ["networks.differ"]
