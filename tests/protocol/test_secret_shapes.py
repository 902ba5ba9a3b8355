"""A value is a secret by its shape alone, under any key and at any depth: each shape masks, its near miss does not."""

from __future__ import annotations

import pytest

from cpictl.protocol.redaction import MASK, Redactor, forget_process_secrets, register_secret_key_names
from cpictl.protocol.secret_shapes import secret_shapes

PEM_KEY = ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAuG2LvKc3Zq1x9Jm0rTq8sWnB4eV7yUo2pLd6fHkR3aXgNcQ\n"
           "-----END RSA PRIVATE KEY-----\n")
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

#: (shape, a value of that shape, a near miss that is not a secret)
CASES = [
    ("pem-private-key", PEM_KEY, "----- BEGIN notes -----"),
    ("pem-certificate", "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----",
     "-----BEGIN certificate section in lower case-----"),
    ("openssh-private-key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
                            "-----END OPENSSH PRIVATE KEY-----", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 ops@jumpbox"),
    ("jwt", JWT, "eyJhbGciOiJIUzI1NiJ9.only-two-segments"),
    ("aws-access-key-id", "AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPL"),  # one character short
    ("aws-session-key-id", "ASIAY34FZKBOKMUTVV7A", "asiay34fzkbokmutvv7a"),
    ("github-token", "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", "ghp_short"),
    ("github-pat", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "github_pat_notes"),
    ("gitlab-token", "glpat-xYz12345678901234567", "glpat-docs"),
    ("slack-bot-token", "xoxb-123456789012-abcdefghijkl", "xoxb-"),
    ("slack-user-token", "xoxp-2718281828-3141592653", "xoxo-hugs-and-kisses"),
    ("basic-auth", "Basic YWRtaW46aHVudGVyMg==", "Basic configuration"),
    ("bearer", "Bearer 7f3a9c2e1b4d6f80a5c3", "Bearer of bad news"),
]


@pytest.mark.parametrize(("shape", "secret", "near_miss"), CASES, ids=[case[0] for case in CASES])
def test_each_shape_is_recognised_and_its_near_miss_is_not(shape, secret, near_miss):
    assert secret_shapes(secret), shape
    assert secret_shapes(near_miss) == [], near_miss


@pytest.mark.parametrize(("shape", "secret", "near_miss"), CASES, ids=[case[0] for case in CASES])
def test_a_secret_shaped_value_is_masked_and_hunted_under_any_key(shape, secret, near_miss):
    redactor = Redactor()
    masked = redactor.request({"method": "create_vm", "api_version": 2, "context": {"director_uuid": "u"},
                               "arguments": ["agent-1", "sc-1", {"user_data": {"script": secret}, "note": near_miss},
                                             {}, [], {"custom": [secret]}]})
    assert masked["arguments"][2] == {"user_data": {"script": MASK}, "note": near_miss}
    assert masked["arguments"][5] == {"custom": [MASK]}
    kept = "\n" * secret.count("\n")  # a multi-line secret's mask keeps its line breaks: a log keeps its lines
    assert redactor.text(f"got {secret} and {near_miss}") == f"got {MASK}{kept} and {near_miss}"


def test_a_token_inside_a_longer_value_masks_the_value_and_is_hunted_on_its_own():
    redactor = Redactor()
    masked = redactor.request({"method": "set_vm_metadata", "context": {},
                               "arguments": ["vm-1", {"headers": "Authorization: Bearer 7f3a9c2e1b4d6f80a5c3"}]})
    assert masked["arguments"][1] == {"headers": MASK}
    assert redactor.text("sent token 7f3a9c2e1b4d6f80a5c3") == f"sent token {MASK}"


def test_network_cloud_properties_and_a_v2_create_vm_results_networks_mask_secrets_only():
    redactor = Redactor()
    networks = {"default": {"type": "manual", "cloud_properties": {"subnet": "subnet-123", "token": "net-t0ken",
                                                                   "cert": PEM_KEY}}}
    masked = redactor.request({"method": "create_vm", "context": {}, "arguments": ["a", "s", {}, networks, [], {}]})
    shown = {"subnet": "subnet-123", "token": MASK, "cert": MASK}
    assert masked["arguments"][3]["default"]["cloud_properties"] == shown
    result = redactor.result("create_vm", ["vm-1", {"default": {"cloud_properties": {"subnet": "subnet-123",
                                                                                     "jwt": JWT}}}])
    assert result == ["vm-1", {"default": {"cloud_properties": {"subnet": "subnet-123", "jwt": MASK}}}]


def test_a_targets_extra_secret_keys_mask_cloud_properties_and_env_at_any_depth():
    register_secret_key_names(["tenant"])
    try:
        redactor = Redactor()
        masked = redactor.request({"method": "create_vm", "context": {}, "arguments": [
            "a", "s", {"instance_type": "m5.large", "auth": {"Tenant": "acme-corp"}}, {}, [], {"tenant": "acme-corp"}]})
        assert masked["arguments"][2] == {"instance_type": "m5.large", "auth": {"Tenant": MASK}}
        assert masked["arguments"][5] == {"tenant": MASK}
        assert redactor.text("tenant acme-corp on m5.large") == f"tenant {MASK} on m5.large"
    finally:
        forget_process_secrets()


def test_agent_settings_mask_shapes_and_keep_env_keys_the_agent_does_not_define_readable_unless_secret():
    settings = {"agent_id": "a-1", "trusted_certs": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
                "env": {"bosh": {"password": "$6$x", "group": "g"}, "custom_flag": "fast", "hook": JWT}}
    masked = Redactor().agent_settings(settings)
    assert masked == {"agent_id": "a-1", "trusted_certs": MASK,
                      "env": {"bosh": {"password": MASK, "group": "g"}, "custom_flag": "fast", "hook": MASK}}


def test_network_names_that_sound_secret_are_names_not_secrets():
    redactor = Redactor()
    networks = {"private": {"type": "manual", "ip": "10.0.0.5", "cloud_properties": {"subnet": "s-1"}},
                "token-net": {"type": "dynamic", "cloud_properties": {"password": "net-pw-1"}}}
    masked = redactor.request({"method": "create_vm", "context": {}, "arguments": ["a", "s", {}, networks, [], {}]})
    assert masked["arguments"][3] == {"private": networks["private"],
                                      "token-net": {"type": "dynamic", "cloud_properties": {"password": MASK}}}
    assert redactor.result("create_vm", ["vm-1", networks])[1]["private"] == networks["private"]
