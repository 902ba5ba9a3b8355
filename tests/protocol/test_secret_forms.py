"""A known secret is masked in every spelling a CPI may echo it in — plain, base64 at any alignment inside a longer
blob, basic auth, hex, URL-encoded, JSON-escaped — whichever way cpictl learnt it; other text stays readable."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest

from cpictl.protocol.redaction import (
    MASK,
    Redactor,
    _mask_match,
    environment_secrets,
    register_environment,
    register_secret,
)
from cpictl.protocol.secret_forms import holds_line_breaks
from tests.secret_echoes import echoes, leak_probes, leaks

#: One secret with every character an encoder treats specially (`@`, space, `"`, `/`, `<`, `&`, non-ASCII), one
#: like a generated token, one like an AWS secret key.
SECRETS = ['p@ss w"rd/é<1>&', "Zk3pQ9xWvB2nR7tY5uLm", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"]


def _learnt_from(shape: str, secret: str) -> Redactor:
    """A Redactor that learnt `secret` the way `shape` says: as each place a secret comes from."""
    redactor = Redactor()
    if shape == "context property":
        redactor.request({"method": "info", "arguments": [], "context": {"director_uuid": "d", "api_key": secret}})
    elif shape == "cloud_properties password":
        redactor.request({"method": "create_disk", "context": {"director_uuid": "d"},
                          "arguments": [1024, {"type": "gp3", "password": secret}, None]})
    elif shape == "env bosh.password":
        redactor.request({"method": "create_vm", "context": {"director_uuid": "d"},
                          "arguments": ["agent-1", "sc-1", {}, {}, [], {"bosh": {"password": secret}}]})
    elif shape == "--env secret":
        register_environment({"OS_PASSWORD": secret})
    elif shape == "inherited env secret":
        register_environment({"PATH": "/usr/bin", "AWS_SECRET_ACCESS_KEY": secret})
    elif shape == "registry password":
        register_secret(secret)
    elif shape == "url password":  # a CPI splits the URL and uses the password alone, decoded
        redactor.request({"method": "create_disk", "context": {"director_uuid": "d"}, "arguments": [
            1024, {"endpoint": f"https://svc-user:{quote(secret, safe='')}@api.example.com/v1"}, None]})
    return redactor


SHAPES = ["context property", "cloud_properties password", "env bosh.password", "--env secret",
          "inherited env secret", "registry password", "url password"]


@pytest.mark.parametrize("secret", SECRETS, ids=["specials", "token", "aws-key"])
@pytest.mark.parametrize("shape", SHAPES)
def test_every_spelling_of_a_secret_is_masked_whichever_way_it_was_learnt(shape, secret) -> None:
    redactor = _learnt_from(shape, secret)
    for name, echoed in echoes(secret).items():
        line = f"INFO -- cpi: {name}: {echoed} (done)"
        masked = redactor.text(line)
        assert leaks(masked, [secret]) == [], (name, masked)
        assert MASK in masked and masked.startswith(f"INFO -- cpi: {name}: ") and masked.endswith(" (done)"), masked
        assert redactor.scrub({"result": [echoed]}) == {"result": [masked[len(f"INFO -- cpi: {name}: "):-7]]}


def test_the_probes_would_see_each_echo_unmasked() -> None:
    # the test above cannot pass by accident: every echo, left alone, is caught by the probes
    for secret in SECRETS:
        for name, echoed in echoes(secret).items():
            assert leaks(echoed, [secret]), name


def test_a_secret_in_base64_user_data_is_masked_and_the_rest_of_the_line_kept() -> None:
    redactor = _learnt_from("env bosh.password", "hunter22-long-password")
    user_data = json.dumps({"agent_id": "a-1", "env": {"bosh": {"password": "hunter22-long-password"}}})
    blob = base64.b64encode(user_data.encode()).decode()
    masked = redactor.text(f"user_data={blob} region=eu-west-1")
    assert leaks(masked, ["hunter22-long-password"]) == []
    assert masked.startswith(f"user_data={blob[:20]}") and masked.endswith(" region=eu-west-1")


def test_a_long_secret_in_base64_masks_the_rest_of_its_blob_but_not_the_text_after_it() -> None:
    key = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(["MIIEpAIBAAKCAQEA1x2y3z4+/abcdefghij"] * 40) + "\n-----END"
    redactor = _learnt_from("env bosh.password", key)
    blob = base64.b64encode(json.dumps({"env": {"bosh": {"mbus": {"private_key": key}}}}).encode()).decode()
    masked = redactor.text(f"{blob}, then the next field")
    assert leaks(masked, [key]) == [] and masked.endswith(f"{MASK}, then the next field")
    assert "MIIEpAIBAAKCAQEA" not in redactor.text(key)  # and as itself, whole


def test_text_that_is_no_secret_stays_readable() -> None:
    redactor = _learnt_from("cloud_properties password", "hunter22-pw")
    register_environment({"REGION": "eu-west-1", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG"})
    line = ("creating m5.large in eu-west-1 from ami-0abc1234 with user-data "
            + base64.b64encode(b'{"agent_id": "agent-1", "mbus": "nats://nats:4222"}').decode()
            + " hex " + b"agent-1".hex() + " url " + "a%20b%2Fc")
    assert redactor.text(line) == line


def test_short_values_are_never_hunted_in_any_spelling() -> None:
    redactor = Redactor()
    redactor.request({"method": "info", "arguments": [], "context": {"x": "on", "y": "abc"}})
    register_environment({"DB_PASSWORD": "pw1"})
    for text in ("turned on", base64.b64encode(b"xxon abc pw1").decode(), b"on abc pw1".hex(), "%6f%6e"):
        assert redactor.text(text) == text


def test_a_number_is_not_masked_inside_a_longer_number_in_any_spelling() -> None:
    redactor = Redactor()
    redactor.request({"method": "create_disk", "context": {}, "arguments": [1, {"password": 98765432}, None]})
    assert redactor.text("pin 98765432, id 1987654321") == f"pin {MASK}, id 1987654321"
    assert MASK in redactor.text(base64.b64encode(b"pin=98765432;").decode())


@pytest.mark.parametrize("env", [
    {"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI", "OS_PASSWORD": "hunter22", "GITHUB_TOKEN": "ghp_abcdef",
     "BOSH_CLIENT_SECRET": "client-secret-1"},
])
def test_environment_secrets_are_the_values_of_secret_names_and_url_credentials(env) -> None:
    everything = {**env, "PWD": "/work/here", "SSL_CERT_DIR": "/etc/ssl/certs", "PIP_CERT": "~/ca.pem",
                  "KEY_NAME": "bosh-keypair", "TOKENIZERS_PARALLELISM": "false", "REGION": "eu-west-1",
                  "HTTPS_PROXY": "http://proxy-user:pr%40xy-pw@proxy:3128", "X_TOKEN": "abc",
                  "GIT_REMOTE": "https://ghp_tokenAsUser@github.com/o/r", "MIRROR": "http://admin:pw@mirror"}
    assert environment_secrets(everything) == {*env.values(), "pr%40xy-pw", "pr@xy-pw", "ghp_tokenAsUser"}


def test_a_secret_learnt_after_a_redactor_was_made_is_hunted_by_it() -> None:
    redactor = Redactor()
    assert redactor.text("token t0k3n-later") == "token t0k3n-later"
    register_environment({"VAULT_TOKEN": "t0k3n-later"})  # e.g. a recipe's target.env, applied after
    assert redactor.text("token t0k3n-later") == f"token {MASK}"


def test_a_secret_echoed_as_a_key_is_masked_and_keys_stay_apart() -> None:
    redactor = _learnt_from("context property", "hunter22-key")
    scrubbed = redactor.scrub({"hunter22-key": 1, base64.b64encode(b"hunter22-key").decode(): 2, "plain": 3})
    assert scrubbed == {MASK: 1, f"{MASK}#2": 2, "plain": 3}


@pytest.mark.parametrize("secret", ["nul\x00inside", "emoji-😀-pw", "back\\slash\\", "(.*)+[a-z]{2}"],
                         ids=["nul", "emoji", "backslashes", "regex-syntax"])
def test_odd_characters_in_a_secret_are_masked_in_every_spelling(secret) -> None:
    redactor = _learnt_from("context property", secret)
    for name, echoed in echoes(secret).items():
        assert leaks(redactor.text(echoed), [secret]) == [], name
    assert redactor.text("(.)+[a-z] nothing") == "(.)+[a-z] nothing"


def test_a_lone_surrogate_in_a_secret_is_masked_as_itself_and_json_escaped() -> None:
    secret = "\ud800lone-surrogate"  # what a decoded JSON string may hold
    redactor = _learnt_from("context property", secret)
    assert redactor.text(f"x {secret} y") == f"x {MASK} y"
    assert redactor.text('x "\\ud800lone-surrogate" y') == f'x "{MASK}" y'


def test_probes_cover_every_alignment() -> None:
    # sanity of the test helper itself: a secret at each alignment shows one of its probes
    for offset in range(3):
        blob = base64.b64encode(b"x" * offset + b"Zk3pQ9xWvB2nR7tY5uLm" + b"tail").decode()
        assert any(probe in blob for probe in leak_probes("Zk3pQ9xWvB2nR7tY5uLm")), offset


def test_masking_the_rest_of_a_long_blob_takes_memory_in_proportion_to_the_text() -> None:
    import tracemalloc

    key = "-----BEGIN KEY-----\n" + "\n".join(["MIIEpAIBAAKCAQEA1x2y3z4+/abcdefghij"] * 40) + "\n-----END"
    redactor = _learnt_from("env bosh.password", key)
    blob = base64.b64encode(json.dumps({"key": key, "pad": "x" * 3_000_000}).encode()).decode()
    for text in (blob, blob.replace("/", "\\/")):  # a JSON encoder that escapes `/`, too
        tracemalloc.start()
        masked = redactor.text(f"user_data {text} end")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert masked.startswith("user_data ") and masked.endswith(f"{MASK} end") and len(masked) < 100
        assert peak < 3 * len(text), peak  # a repeated group would keep a backtracking entry per character


def test_wrapped_base64_is_masked_over_its_line_break_and_the_log_keeps_its_lines() -> None:
    secret = "Zk3pQ9xWvB2nR7tY5uLm"
    redactor = _learnt_from("context property", secret)
    encoded = base64.b64encode(b"x" * 53 + secret.encode() + b" and some more bytes after it").decode()
    for width, newline in ((76, "\n"), (64, "\r\n"), (76, "\\n"), (64, "\\r\\n")):
        wrapped = newline.join(encoded[i:i + width] for i in range(0, len(encoded), width))
        masked = redactor.text(f"user-data:\n{wrapped}\nend")
        assert leaks(masked, [secret]) == [] and MASK in masked, (width, newline)
        assert masked.count("\n") == f"user-data:\n{wrapped}\nend".count("\n")  # real breaks stay
        assert masked.startswith(f"user-data:\n{encoded[:60]}") and masked.endswith("\nend")


def test_a_long_secrets_wrapped_blob_is_masked_to_its_end_and_other_base64_stays() -> None:
    key = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(["MIIEpAIBAAKCAQEA1x2y3z4+/abcdefghij"] * 40) + "\n-----END"
    redactor = _learnt_from("env bosh.password", key)
    encoded = base64.b64encode(json.dumps({"private_key": key}).encode()).decode()
    wrapped = "\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76))
    other = "\n".join([base64.b64encode(b"nothing secret here, only a public note " * 3).decode()[:76]] * 2)
    masked = redactor.text(f"{wrapped}\n {other}")
    assert leaks(masked, [key]) == [] and masked.endswith(f" {other}")
    assert encoded[-20:] not in masked.replace("\n", "")  # the blob's last line went with it


def test_fully_escaped_forms_of_other_text_stay_readable() -> None:
    redactor = _learnt_from("context property", "hunter22-pw")
    escaped = "".join(f"\\u{ord(char):04x}" for char in "hunter22-px")  # one character differs
    percent = "".join(f"%{byte:02X}" for byte in b"hunter23-pw")
    line = f"logged {escaped} and {percent} and \\u0068\\u0075 and %68%75"
    assert redactor.text(line) == line


def test_a_multi_line_secret_read_a_line_at_a_time_is_masked_line_by_line() -> None:
    body = ["MIIEowIBAAKCAQEAuG2LvKc3Zq1x9Jm0rTq8sWnB4eV7yUo2pLd6fHkR3aXgNcQ", "x9Jm0rTq8sWnB4eV7yUo2pLd6fHkR3aXg"]
    key = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(body) + "\nfi\n-----END RSA PRIVATE KEY-----\n"
    redactor = _learnt_from("cloud_properties password", key)
    shown = [redactor.text(line) for line in key.splitlines()]  # as the live view masks stderr, line by line
    assert shown == ["-----BEGIN RSA PRIVATE KEY-----", MASK, MASK, "fi", "-----END RSA PRIVATE KEY-----"]
    assert redactor.text("a line that just says fi") == "a line that just says fi"  # short lines are not hunted


def test_a_long_secret_fully_escaped_is_masked_to_its_end() -> None:
    key = "-----BEGIN KEY-----\n" + "\n".join(["MIIEpAIBAAKCAQEA1x2y3z4+/abcdefghij"] * 20) + "\n-----END KEY-----"
    redactor = _learnt_from("env bosh.password", key)
    escaped = "".join(f"\\u{ord(char):04X}" for char in key)
    percent = "".join(f"%{byte:02x}" for byte in key.encode())
    for spelling in (escaped, percent):
        masked = redactor.text(f'{{"key": "{spelling}", "next": "field"}}')
        assert masked == f'{{"key": "{MASK}", "next": "field"}}', masked[:200]


@pytest.mark.parametrize(("text", "wrapped"), [
    ("one line", False), ("Starting create_vm...\nFinished create_vm in 0.003 seconds\n", False),
    ('{"log": "done.\\n"}', False), ("a line)\n(another", False), ("ends with a break\n", False),
    ("eyJhbGci\nOiJIUzI1", True), ("eyJh\r\nbGci", True), ('"eyJh\\nbGci"', True), ('"eyJh\\r\\nbGci"', True),
    ("abc%2F\n%2Fdef", True), ("abc\\/\n\\/def", True),
])
def test_text_is_taken_for_wrapped_base64_only_where_a_run_may_span_a_line_break(text, wrapped) -> None:
    assert holds_line_breaks(text) is wrapped


def test_text_whose_breaks_no_base64_run_can_span_is_masked_as_by_the_pattern_with_breaks() -> None:
    """Such text is matched by the cheaper pattern without breaks (ten times cheaper to compile): it finds what the
    pattern with breaks finds there, in every spelling of every secret."""
    redactor = _learnt_from("cloud_properties password", SECRETS[0])
    for secret in SECRETS[1:]:
        redactor.request({"method": "info", "arguments": [], "context": {"k": secret}})
    lines = [f"{name}: {echoed} ..." for secret in SECRETS for name, echoed in echoes(secret).items()
             if not holds_line_breaks(echoed)]  # wrapped base64: for the pattern with breaks
    text = "\n".join(lines) + "\n"
    assert not holds_line_breaks(text)
    assert redactor.text(text) == redactor._pattern(True).sub(_mask_match, text)
    assert leaks(redactor.text(text), SECRETS) == []
