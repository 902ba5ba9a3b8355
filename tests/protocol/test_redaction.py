"""Secrets are masked the way contract §9 says, and their values are hidden inside free text too."""

from __future__ import annotations

import pytest

from cpictl.protocol.redaction import MASK, Redactor, mask_secret_env, secret_key


def test_create_vm_request_masks_context_and_secrets_but_keeps_the_rest_readable():
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
    assert masked["arguments"][2] == {"instance_type": "m5", "key_name": "bosh"}
    assert masked["arguments"][3]["default"] == {"type": "manual", "ip": "10.0.0.5", "cloud_properties":
                                                 {"subnet": "subnet-1"}}
    assert masked["arguments"][5] == {"other": "x", "bosh": {"group": "g", "groups": ["g"], "password": MASK,
                                                             "mbus": {"cert": MASK}}}
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


def _create_vm(cloud_properties, networks=None, env=None, context=None):
    return {"method": "create_vm", "api_version": 2, "context": {"director_uuid": "u", **(context or {})},
            "arguments": ["agent-1", "stemcell-1", cloud_properties, networks or {}, [], env or {}]}


def test_non_secret_cloud_properties_stay_readable_in_the_request_and_in_text():
    redactor = Redactor()
    cloud_properties = {"instance_type": "m5.large", "key_name": "bosh-keypair", "availability_zone": "eu-west-1a",
                        "kms_key_id": "alias/ebs-key"}
    masked = redactor.request(_create_vm(cloud_properties))
    assert masked["arguments"][2] == cloud_properties
    redactor.request({"method": "create_stemcell", "arguments": ["/tmp/image", {"name": "refcpi", "version": "1.0"}]})
    line = "I, [2024] INFO -- refcpi: creating m5.large in eu-west-1a with key pair bosh-keypair, alias/ebs-key"
    assert redactor.text(line) == line
    assert redactor.secrets == set()


def test_cloud_properties_under_secret_keys_are_hunted_at_any_depth():
    redactor = Redactor()
    masked = redactor.request(_create_vm(
        {"instance_type": "m5.large", "access_key": "AKIA-access", "auth": {"client_secret": "deep-secret-1",
                                                                           "user": "admin-user"},
         "credentials": {"user": "cred-user", "list": ["cred-item"]}, "ca_cert": "-----BEGIN CERT",
         "endpoint": "https://svc:pw-in-url@api.example.com"},
        networks={"default": {"type": "manual", "cloud_properties": {"subnet": "subnet-123",
                                                                     "password": "net-password"}}}))
    assert masked["arguments"][2] == {"instance_type": "m5.large", "access_key": MASK,
                                      "auth": {"client_secret": MASK, "user": "admin-user"}, "credentials": MASK,
                                      "ca_cert": MASK, "endpoint": f"https://{MASK}@api.example.com"}
    assert masked["arguments"][3]["default"]["cloud_properties"] == {"subnet": "subnet-123", "password": MASK}
    text = ("m5.large AKIA-access deep-secret-1 admin-user cred-user cred-item -----BEGIN CERT svc:pw-in-url "
            "subnet-123 net-password")
    assert redactor.text(text) == f"m5.large {MASK} {MASK} admin-user {MASK} {MASK} {MASK} {MASK} subnet-123 {MASK}"


def test_every_context_value_and_env_values_under_secret_keys_are_masked_and_hunted():
    redactor = Redactor()
    redactor.request(_create_vm({}, context={"region": "eu-central-1", "request_id": "cpi-123456",
                                             "nested": {"any": "nested-context"}},
                                env={"bosh": {"group": "deployment-web", "groups": ["deployment", "web-group"],
                                              "tags": {"team": "blue-team"}, "mbus": {"urls": ["nats://nats:n4ts-pw@x"]},
                                              "password": "$6$crypted"},
                                     "custom": "custom-env-value"}))
    text = "eu-central-1 cpi-123456 nested-context deployment-web web-group blue-team $6$crypted custom-env-value"
    assert redactor.text(text) == (f"{MASK} cpi-123456 {MASK} deployment-web web-group blue-team {MASK} "
                                   "custom-env-value")
    assert redactor.text("connecting to nats://nats:n4ts-pw@x") == f"connecting to nats://{MASK}@x"


def test_numeric_secrets_are_hunted_by_their_text():
    redactor = Redactor()
    masked = redactor.request(_create_vm({"password": 98765432, "token": 1234.5, "secret": True, "api_key": 123,
                                          "instance_count": 55555}, context={"port": 8443}))
    assert masked["arguments"][2] == {"password": MASK, "token": MASK, "secret": True, "api_key": MASK,
                                      "instance_count": 55555}
    assert redactor.text("password=98765432 token 1234.5 port 8443") == f"password={MASK} token {MASK} port {MASK}"
    assert redactor.text("id 1987654321, secret True, key 123, count 55555") == \
        "id 1987654321, secret True, key 123, count 55555"  # no digit-run middles, no bools, nothing short
    assert redactor.scrub({"echo": [98765432, "98765432", 5]}) == {"echo": [MASK, MASK, 5]}


def test_a_numeric_secret_also_given_as_a_string_is_hidden_everywhere():
    redactor = Redactor()
    redactor.request(_create_vm({"password": 4242}, context={"pin": "4242"}))
    assert redactor.text("x14242x") == f"x1{MASK}x"


def test_scrub_masks_a_value_found_under_the_key_it_was_masked_under():
    redactor = Redactor()
    redactor.request(_create_vm({"instance_type": "m5.large", "password": "pw", "pin_code": 10240}, context={"pin": 7}))
    assert redactor.scrub({"instance_type": "m5.large", "password": "pw", "note": "pw", "pin": 7, "size": 7}) == \
        {"instance_type": "m5.large", "password": MASK, "note": "pw", "pin": MASK, "size": 7}


@pytest.mark.parametrize(("key", "secret"), [
    ("password", True), ("db_passwd", True), ("clientSecret", True), ("auth_token", True), ("credentials", True),
    ("ca_cert", True), ("ca", True), ("private_key", True), ("api_key", True), ("key", True), ("access_key", True),
    ("access_key_id", True), ("AccessKeyId", True), ("secret_access_key", True), ("encryption_key", True),
    ("private", True), ("passphrase", True),
    ("key_name", False), ("keyName", False), ("key_pair", False), ("kms_key_id", False), ("kms_key_arn", False),
    ("public_key", False), ("private_ip", False), ("ca-central-1", False), ("instance_type", False),
    ("name", False), ("certificate_arn", False), ("ssh_key_path", False), ("tags", False), ("image_id", False),
])
def test_secret_sounding_keys(key, secret):
    assert secret_key(key) is secret


@pytest.mark.parametrize("password", ['abc"defgh', "abc\\defgh", "pässwörd-1"])
def test_a_secret_is_found_in_a_log_that_quotes_the_request_as_json(password):
    import json

    redactor = Redactor()
    request = {"method": "create_disk", "arguments": [10, {"password": password}, None], "context": {}}
    redactor.request(request)
    for logged in (json.dumps(request), json.dumps(request, ensure_ascii=False)):
        assert password not in redactor.text(logged)
        assert json.dumps(password)[1:-1] not in redactor.text(logged)
        assert MASK in redactor.text(logged)


def test_an_error_message_and_violations_that_echo_a_secret_are_masked():
    from cpictl.protocol.violations import Noise, Violation, fails, misreads

    redactor = Redactor()
    redactor.request({"method": "create_disk", "arguments": [10, {"password": "hunter22"}, None],
                      "context": {"aws_secret": "topsecret9"}})
    response = {"result": None, "log": "",
                "error": {"type": "Bosh::Clouds::CloudError", "message": "bad: hunter22 / topsecret9",
                          "ok_to_retry": False}}
    masked = redactor.response("create_disk", response)
    assert masked["error"]["message"] == f"bad: {MASK} / {MASK}"
    assert response["error"]["message"] == "bad: hunter22 / topsecret9"  # a copy: the outcome keeps its bytes
    echoed = Violation("result.wrong-type", 'got {"password": "hunter22"}',
                       director=misreads("stores hunter22 as the CID"),
                       create_env=fails("Unexpected external CPI command result: 'topsecret9'"),
                       noise=Noise(("loading", "password: hunter22"), 2))
    [violation] = redactor.violations([echoed])
    assert "hunter22" not in violation.message and violation.code == "result.wrong-type"
    assert violation.director == misreads(f"stores {MASK} as the CID")
    assert violation.create_env == fails(f"Unexpected external CPI command result: '{MASK}'")
    assert violation.noise == Noise(("loading", f"password: {MASK}"), 2)
    assert violation.severity == "error" and echoed.noise is not None  # a copy: the outcome keeps its own


def test_agent_settings_keep_networks_and_disks_whose_names_sound_secret():
    settings = {"agent_id": "a-1",
                "networks": {"private": {"type": "manual", "ip": "10.0.0.5", "cloud_properties": {"subnet": "s-1"}},
                             "token": {"type": "dynamic", "password": "net-secret-1"}},
                "disks": {"system": "/dev/sda", "persistent": {"vol-key-1": {"path": "/dev/sdb"}}}}
    masked = Redactor().agent_settings(settings)
    assert masked["networks"]["private"]["ip"] == "10.0.0.5" and masked["networks"]["private"]["type"] == "manual"
    assert masked["networks"]["private"]["cloud_properties"] == {"subnet": "s-1"}  # readable, as in the request
    assert masked["networks"]["token"] == {"type": "dynamic", "password": MASK}
    assert masked["disks"]["persistent"] == {"vol-key-1": {"path": "/dev/sdb"}}


def test_metadata_and_unknown_methods_hide_values_under_keys_that_name_a_secret():
    redactor = Redactor()
    masked = redactor.request({"method": "set_vm_metadata", "context": {"director_uuid": "d"}, "arguments": [
        "vm-1", {"name": "web/0", "admin_password": "hunter22", "key_name": "ops", "db": {"api_token": "t0k3n-1"},
        "backup": "https://ops:s3cr3t-pw@backup.example.com/db"}]})
    assert masked["arguments"] == ["vm-1", {"name": "web/0", "admin_password": MASK, "key_name": "ops",
                                            "db": {"api_token": MASK},
                                            "backup": f"https://{MASK}@backup.example.com/db"}]
    assert redactor.text("set password hunter22, token t0k3n-1, url ops:s3cr3t-pw") == \
        f"set password {MASK}, token {MASK}, url {MASK}"
    unknown = Redactor().request({"method": "frobnicate_vm", "arguments": [{"password": "hunter22"}, "vm-1"]})
    assert unknown["arguments"] == [{"password": MASK}, "vm-1"]


def test_the_environment_shown_by_a_dry_run_hides_url_credentials_too():
    from cpictl.protocol.redaction import mask_secret_env

    shown = mask_secret_env({"HTTPS_PROXY": "http://bob:pr0xyPass@proxy:3128", "AWS_SECRET_ACCESS_KEY": "abcd1234",
                             "LANG": "C.UTF-8"})
    assert shown == {"HTTPS_PROXY": "http://<redacted>@proxy:3128", "AWS_SECRET_ACCESS_KEY": "<redacted>",
                     "LANG": "C.UTF-8"}


def test_a_setting_word_is_no_secret_whatever_key_it_sits_under() -> None:
    """`metadata_options.http_tokens: required` is the AWS CPI's IMDSv2 switch: masking it hid a setting, and hunting
    `required` blanked the word in every log line."""
    redactor = Redactor()
    masked = redactor.request(_create_vm({"metadata_options": {"http_tokens": "required", "http_endpoint": "enabled"},
                                          "api_token": "t0k3n-value-1", "credentials": {"type": "default",
                                                                                          "secret": "s3cr3t-v-2"}},
                                         context={"use_iam_profile": "true", "api_key": "k3y-value-3"}))
    assert masked["arguments"][2] == {"metadata_options": {"http_tokens": "required", "http_endpoint": "enabled"},
                                      "api_token": MASK, "credentials": MASK}
    assert masked["context"]["use_iam_profile"] == MASK  # every context property is masked, but not hunted
    line = "a token is required by default (true); t0k3n-value-1 s3cr3t-v-2 k3y-value-3"
    assert redactor.text(line) == f"a token is required by default (true); {MASK} {MASK} {MASK}"


def test_agent_settings_mask_every_key_the_request_masks_and_keep_network_names() -> None:
    from cpictl.protocol.redaction import register_secret_key_names

    register_secret_key_names(["tenant"])  # a target's `secrets:` (forgotten after the test, tests/conftest.py)
    secrets = {"admin_pwd": "p-1", "tls_pem": "p-2", "truststore": "p-3", "tenant": "p-4", "group": "web"}
    masked = Redactor().agent_settings({"env": secrets, "networks": {"private": {
        "type": "manual", "cloud_properties": {**secrets, "subnet": "s-1"}}}})
    hidden = {"admin_pwd": MASK, "tls_pem": MASK, "truststore": MASK, "tenant": MASK}
    assert masked["env"] == {**hidden, "group": "web"}
    assert masked["networks"]["private"]["cloud_properties"] == {**hidden, "group": "web", "subnet": "s-1"}


def test_a_url_s_password_is_hunted_alone_and_decoded_and_its_user_name_stays_readable() -> None:
    import base64

    from tests.secret_echoes import leaks

    redactor = Redactor()
    redactor.request(_create_vm({"endpoint": "https://svc-user:p%40ss-w0rd-1@api.example.com/v1"},
                                context={"registry": "http://reg-user:r3g-pw-77@reg.example.com:25777"}))
    basic = base64.b64encode(b"svc-user:p@ss-w0rd-1").decode()
    shown = redactor.text(f"login svc-user / p@ss-w0rd-1 / p%40ss-w0rd-1 (Basic {basic}); reg-user r3g-pw-77")
    assert shown.startswith(f"login svc-user / {MASK} / {MASK} (Basic ") and shown.endswith(f"; reg-user {MASK}")
    assert leaks(shown, ["p@ss-w0rd-1", "r3g-pw-77"]) == []


def test_agent_settings_show_a_network_s_cloud_properties_and_the_operator_s_env_as_the_request_does() -> None:
    cloud_properties = {"subnet": "s-1", "kms_key_id": "alias/ebs", "key_name": "ops", "password": "pw-1"}
    env = {"bosh": {"password": "pw-2", "key_name": "agent-own"}, "custom": {"key_name": "ops", "api_token": "t-1"}}
    redactor = Redactor()
    request = redactor.request(_create_vm({}, networks={"private": {"type": "manual", "ip": "10.0.0.5",
                                                                     "cloud_properties": cloud_properties}}, env=env))
    settings = Redactor().agent_settings({"networks": {"private": {"type": "manual", "ip": "10.0.0.5", "mac": "0a:1",
                                                                   "cloud_properties": cloud_properties}}, "env": env})
    assert settings["networks"]["private"]["cloud_properties"] == \
        request["arguments"][3]["private"]["cloud_properties"] == {**cloud_properties, "password": MASK}
    assert settings["env"]["custom"] == request["arguments"][5]["custom"] == {"key_name": "ops", "api_token": MASK}
    assert settings["env"]["bosh"] == {"password": MASK, "key_name": MASK}  # the agent's own: the wider net
