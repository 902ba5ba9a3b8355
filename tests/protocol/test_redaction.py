"""Secrets are masked the way contract §9 says, and their values are hidden inside free text too."""

from __future__ import annotations

from cpictl.protocol.redaction import MASK, Redactor, mask_secret_env


def test_create_vm_request_is_masked_like_the_directors_log_and_more():
    request = {"method": "create_vm", "api_version": 2,
               "context": {"director_uuid": "u", "request_id": "cpi-1", "vm": {"stemcell": {"api_version": 2}},
                           "secret_access_key": "AKIA-very-secret"},
               "arguments": ["agent", "sc", {"instance_type": "m5", "key_name": "bosh"},
                             {"default": {"type": "manual", "ip": "10.0.0.5",
                                          "cloud_properties": {"subnet": "subnet-1"}}}, [],
                             {"bosh": {"group": "g", "groups": ["g"], "password": "$6$hash-value",
                                       "mbus": {"cert": {"private_key": "-----BEGIN KEY"}}}, "other": "x"}]}
    redactor = Redactor()
    masked = redactor.request(request)
    assert masked["context"] == {"director_uuid": "u", "request_id": "cpi-1", "vm": {"stemcell": {"api_version": 2}},
                                 "secret_access_key": MASK}
    assert masked["arguments"][2] == {"instance_type": MASK, "key_name": MASK}
    assert masked["arguments"][3]["default"] == {"type": "manual", "ip": "10.0.0.5", "cloud_properties":
                                                 {"subnet": MASK}}
    assert masked["arguments"][5] == {"other": MASK, "bosh": {"group": "g", "groups": ["g"], "password": MASK,
                                                              "mbus": MASK}}
    assert request["context"]["secret_access_key"] == "AKIA-very-secret"  # the original is untouched
    assert redactor.text("auth with AKIA-very-secret failed") == f"auth with {MASK} failed"
    assert redactor.scrub({"echo": ["$6$hash-value"]}) == {"echo": [MASK]}


def test_short_values_are_not_hunted_in_text():
    redactor = Redactor()
    redactor.request({"method": "ping", "arguments": [], "context": {"x": "on"}})
    assert redactor.text("turned on") == "turned on"


def test_secret_looking_environment_names():
    env = {"AWS_SECRET_ACCESS_KEY": "s", "DB_PASSWORD": "p", "GITHUB_TOKEN": "t", "SSH_KEY": "k", "REGION": "eu",
           "KEYBOARD": "us"}
    assert mask_secret_env(env) == {"AWS_SECRET_ACCESS_KEY": MASK, "DB_PASSWORD": MASK, "GITHUB_TOKEN": MASK,
                                    "SSH_KEY": MASK, "REGION": "eu", "KEYBOARD": "us"}
