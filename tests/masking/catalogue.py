"""The secrets the end-to-end masking proof sends — every secret shape the suite knows, in every place an argument
can hold one — and the values that must stay readable beside them.

Each secret is made afresh for its place (`vm`, `network` …), from a seeded generator, so that a leak names the
place that leaked it: a value masked in one place and hunted from there would otherwise hide the same value left
bare in another. Every secret holds a random core of letters and digits, which no encoder changes (JSON, YAML,
XML, URL, shell quoting): `probes` looks for pieces of that core as well as for the whole secret, so a secret that
a view truncates (`AKIA1234…`), wraps or spells another way is still caught.
"""

from __future__ import annotations

import base64
import json
import random
import string
from dataclasses import dataclass
from html import escape as xml_escape
from typing import Any

#: Where a secret sits: create_stemcell's cloud_properties, create_vm's, one network's, create_vm's env,
#: set_vm_metadata's metadata and create_disk's cloud_properties.
PLACES = ("stemcell", "vm", "network", "env", "metadata", "disk")
#: Places whose values must be flat strings (the reference CPI refuses other metadata, as every IaaS does).
FLAT = frozenset({"metadata"})
#: The key a target's `secrets:` adds (it names no secret by the built-in rules).
TARGET_SECRET_KEY = "tenant"

_ALNUM = string.ascii_letters + string.digits
_UPPER = string.ascii_uppercase + string.digits
_B64 = string.ascii_letters + string.digits + "+/"


@dataclass(frozen=True)
class Secret:
    place: str  # PLACES, or "context", "env var"
    shape: str  # what kind of secret: "jwt", "url password", "key: password" …
    core: str  # the random part: letters and digits only, at least 16 long
    text: str  # the secret as a CPI would echo it (the credential of a `Bearer …`, a URL's password)

    @property
    def label(self) -> str:
        return f"{self.place}/{self.shape}"


def _rng(*words: str) -> random.Random:
    return random.Random("/".join(words))


def _chars(rng: random.Random, count: int, alphabet: str = _ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(count))


def _pem(rng: random.Random, label: str) -> tuple[str, str]:
    """A PEM block of three 64-column lines and a short one; its core is the first body line."""
    lines = [_chars(rng, 64, _B64) for _ in range(3)] + [_chars(rng, 20, _B64) + "=="]
    core = _chars(random.Random(lines[0]), 24)  # letters and digits only, set into the first line
    lines[0] = core + lines[0][24:]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n", core


class _Place:
    """Builds one place's mapping: `put` adds a secret under a key, `keep` a readable value."""

    def __init__(self, place: str) -> None:
        self.place = place
        self.value: dict[str, Any] = {}
        self.secrets: list[Secret] = []

    def rng(self, shape: str) -> random.Random:
        return _rng(self.place, shape)

    def put(self, key: str, value: Any, shape: str, core: str, text: str | None = None) -> None:
        self.value[key] = value
        self.secrets.append(Secret(self.place, shape, core, text if text is not None else str(value)))

    def shapes(self) -> None:
        """Secrets by their shape alone, under keys that name no secret."""
        for shape, label, key in (("pem rsa private key", "RSA PRIVATE KEY", "rsa_block"),
                                  ("pem openssh private key", "OPENSSH PRIVATE KEY", "openssh_block"),
                                  ("pem certificate", "CERTIFICATE", "x509_block")):
            pem, core = _pem(self.rng(shape), label)
            self.put(key, pem, shape, core)
        pem, core = _pem(self.rng("pem in a script"), "EC PRIVATE KEY")
        self.put("bootstrap_script", f"#!/bin/sh\ncat > /etc/ssl/node.pem <<'EOF'\n{pem}EOF\nchmod 600 x\n",
                 "pem inside a script", core, pem)
        rng = self.rng("jwt")
        core = _chars(rng, 24)
        header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
        self.put("session", f"{header}.{core}.{_chars(rng, 32)}", "jwt", core)
        for shape, prefix in (("aws access key id AKIA", "AKIA"), ("aws session key id ASIA", "ASIA")):
            core = _chars(self.rng(shape), 16, _UPPER)
            self.put(f"{prefix.lower()}_id", prefix + core, shape, core)
        for shape, prefix, length in (("github ghp_", "ghp_", 36), ("github github_pat_", "github_pat_", 60),
                                      ("gitlab glpat-", "glpat-", 20), ("slack xoxb-", "xoxb-", 24)):
            core = _chars(self.rng(shape), length)
            self.put(shape.split()[-1].strip("_-"), prefix + core, shape, core)
        core = _chars(self.rng("basic"), 16)
        credential = base64.b64encode(f"svc:{core}".encode()).decode()
        self.put("auth_header", f"Basic {credential}", "basic credential", core, credential)
        core = _chars(self.rng("bearer"), 28) + "9"
        self.put("authz", f"Bearer {core}", "bearer credential", core)
        core = _chars(self.rng("url password"), 20)
        self.put("endpoint", f"https://svc-user:{core}@api.example.com/v1", "url password", core, core)
        core = _chars(self.rng("url token as user"), 20)
        self.put("mirror", f"https://{core}@mirror.example.com/repo", "url token as user", core, core)

    def keys(self) -> None:
        """Secrets by the key they sit under: plain-looking values, some with characters encoders change."""
        for key in ("password", "admin_pwd", "api_token", "private_key", "ca_cert", "certificate", "tls_pem",
                    "truststore", "secret_access_key", "access_key_id", "passphrase", "key", "encryption_key",
                    TARGET_SECRET_KEY):
            core = _chars(self.rng(key), 20)
            value = f'{core}/p@ss "q" <é>&' if key == "password" else core
            self.put(key, value, f"key: {key}", core)
        if self.place in FLAT:
            return
        core = _chars(self.rng("deep"), 20)
        self.value["nested"] = {"auth": {"db": {"db_password": core, "host": "db.internal"}}}
        self.secrets.append(Secret(self.place, "key: nested.auth.db.db_password", core, core))
        core = _chars(self.rng("list"), 20)
        self.value["clients"] = [{"name": "client-visible", "clientSecret": core}]
        self.secrets.append(Secret(self.place, "key: clients[0].clientSecret", core, core))
        user, word = _chars(self.rng("credentials user"), 18), _chars(self.rng("credentials pass"), 18)
        self.value["credentials"] = {"user": user, "pass": word}
        self.secrets += [Secret(self.place, "key: credentials.user", user, user),
                         Secret(self.place, "key: credentials.pass", word, word)]
        core = _chars(self.rng("ssh private"), 20)
        self.value["ssh"] = {"private": core, "user": "vcap"}
        self.secrets.append(Secret(self.place, "key: ssh.private", core, core))
        number = str(_rng(self.place, "pin").randrange(10**11, 10**12))
        self.put("pin_secret", int(number), "key: pin_secret (a number)", number)


#: Values that are no secret, by place: each must stay readable in the table and JSON views.
VISIBLE: dict[str, dict[str, Any]] = {
    "stemcell": {"name": "bosh-aws-xen-hvm-ubuntu-jammy-go_agent", "version": "1.181", "infrastructure": "aws",
                 "hypervisor": "xen", "os_distro": "ubuntu"},
    "vm": {"instance_type": "m5.large", "availability_zone": "eu-west-1a", "key_name": "bosh-keypair",
           "kms_key_id": "arn:aws:kms:eu-west-1:123456789012:alias/ebs-vol", "iam_instance_profile": "director-iam",
           "ephemeral_disk": {"size": 25000, "type": "gp3", "encrypted": True},
           "metadata_options": {"http_tokens": "required", "http_endpoint": "enabled"}},
    "network": {"subnet": "subnet-0a1b2c3d4e", "security_groups": ["sg-web-0001"], "availability_zone": "eu-west-1b"},
    "env": {"bosh": {"group": "deployment-web", "groups": ["deployment-x", "web-group"]}},
    "metadata": {"deployment": "cf-prod", "job": "router-job", "index": "3"},
    "disk": {"type": "gp3", "iops": 3000, "kms_key_id": "alias/disk-key-kms"},
}


@dataclass
class Arguments:
    """One place's mapping (secrets and readable values), and the secrets in it."""

    value: dict[str, Any]
    secrets: list[Secret]


def place(name: str) -> Arguments:
    built = _Place(name)
    built.value.update(json.loads(json.dumps(VISIBLE[name])))
    built.shapes()
    built.keys()
    return Arguments(built.value, built.secrets)


def context_secrets() -> tuple[dict[str, Any], list[Secret]]:
    """A target's context (cpi-config properties): every value a secret, whatever its key."""
    values = {"region_label": _chars(_rng("context", "region"), 20),
              TARGET_SECRET_KEY: _chars(_rng("context", "tenant"), 20),
              "nested": {"any": _chars(_rng("context", "nested"), 20)},
              "registry_url": "http://reg-user:" + _chars(_rng("context", "url"), 20) + "@reg.example.com:25777"}
    secrets = [Secret("context", "region_label", values["region_label"], values["region_label"]),
               Secret("context", TARGET_SECRET_KEY, values[TARGET_SECRET_KEY], values[TARGET_SECRET_KEY]),
               Secret("context", "nested.any", values["nested"]["any"], values["nested"]["any"])]
    url_password = values["registry_url"].split(":")[2].split("@")[0]
    secrets.append(Secret("context", "registry_url password", url_password, url_password))
    return values, secrets


def flag_context_secret() -> Secret:
    """A context property given with --context."""
    core = _chars(_rng("flag", "context"), 20)
    return Secret("context", "--context project_hint", core, core)


def env_secrets() -> tuple[dict[str, str], list[Secret]]:
    """The target's environment: variables whose names hold a secret, one the target's `secrets:` names, URL
    credentials in a variable of any name; REGION is no secret."""
    password = _chars(_rng("env", "os"), 20)
    token = "ghp_" + _chars(_rng("env", "gh"), 36)
    project = _chars(_rng("env", "project"), 20)
    proxy = _chars(_rng("env", "proxy"), 20)
    env = {"OS_PASSWORD": password, "GITHUB_TOKEN": token, "OS_PROJECT": project,
           "HTTPS_PROXY": f"http://proxy-user:{proxy}@proxy.example.com:3128", "REGION": "eu-west-1"}
    secrets = [Secret("env var", "OS_PASSWORD", password, password),
               Secret("env var", "GITHUB_TOKEN", token[4:], token),
               Secret("env var", "OS_PROJECT (target secrets:)", project, project),
               Secret("env var", "HTTPS_PROXY password", proxy, proxy)]
    return env, secrets


def flag_env_secret() -> Secret:
    """AWS_SECRET_ACCESS_KEY given with --env: 40 characters, as AWS makes them."""
    core = _chars(_rng("flag", "aws"), 40)
    return Secret("env var", "--env AWS_SECRET_ACCESS_KEY", core, core)


def probes(secret: Secret) -> set[str]:
    """Plain pieces whose presence anywhere means the secret leaked: its text as itself, JSON-escaped and
    XML-escaped, and 10-character pieces of its core at the start, middle and end (of the text too, when it holds
    the core only encoded; of every line of a PEM block), which survive any text encoding, truncation and
    wrapping."""
    found = {secret.text, json.dumps(secret.text)[1:-1], xml_escape(secret.text)}
    # the core, and the text itself when it holds the core only encoded (a Basic credential)
    for core in {secret.core} if secret.core in secret.text else {secret.core, secret.text}:
        found |= {core[:10], core[len(core) // 2 - 5:len(core) // 2 + 5], core[-10:]}
    for line in secret.text.splitlines() if "\n" in secret.text else ():
        if len(line) >= 16 and not line.startswith("-----"):
            found |= {line[:10], line[-12:-2]}
    return {probe for probe in found if len(probe) >= 8}
