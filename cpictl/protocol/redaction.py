"""Masking secrets in requests, results and free text before cpictl shows or writes them (contract §9).

What is masked (the project standard: secrets are masked wherever cpictl shows or writes them; what is not secret
stays readable):
- context: every key but `director_uuid`, `request_id` and `vm` (cpi-config properties carry credentials);
- every argument — `cloud_properties` (all methods, each network's too, and a v2 create_vm result's networks),
  create_vm's `environment`, metadata, an unknown method's arguments, a `--raw` document's own keys — at any
  depth: a value under a key that names a secret (`secret_key`: password, secret, token, credential, cert,
  private, key — but not `key_name`, `kms_key_id`, `private_ip` …; plus the names a target's `secrets:` adds),
  a string whose shape is a secret (`secret_shapes`: PEM blocks, JWTs, AWS access key ids, GitHub/GitLab/Slack
  tokens, `Basic `/`Bearer ` credentials), and, in place, the userinfo of a URL (`nats://<redacted>@host`).
  So `instance_type: m5.large`, `subnet` or `availability_zone` stay readable, unlike in the director's log, which
  masks every cloud_properties value: a debugger's user needs to see them, and a replay need not ask for them.
  A setting word (`true`, `enabled`, `required` …: `metadata_options.http_tokens: required`) is no secret under
  any key: it stays readable too.
Every masked value is a secret, so every one (4 characters or longer, numbers by their text and only where no
digit touches them, never a setting word) is also hunted in free text: the CPI's `log`, stderr, error messages,
violations and results, with the userinfo of a URL (and its password alone, as typed and percent-decoded: a CPI
splits the URL and logs or base64-encodes the password) and the secret-shaped parts of a masked string (the token
inside a `Bearer …` header). Inside decoded JSON (`scrub`: a result, a saved value) a value is also masked where it sits
under the very key it was masked under in the request.

Besides a request's own secrets, every Redactor hunts the process's (`register_secret`): the embedded registry's
password and the secrets of the CPI's environment (`register_environment`: values of variables whose names hold a
secret — `AWS_SECRET_ACCESS_KEY`, `*_PASSWORD`, `*_TOKEN` — given with `--env`, in a recipe's `target.env` or
inherited, and URL credentials in any variable). Where a target is built, its environment is registered; a new
way to build one (a named target's `env:`) registers the same way.

Every secret is hunted in each spelling a CPI may echo it in — JSON-escaped (every character `\\uXXXX` too),
URL-encoded (every byte too), hex, base64 at any alignment inside a longer blob (user-data, `Authorization: Basic`)
and wrapped into lines, and a multi-line secret line by line — by one compiled pattern (`secret_forms`).

Agent settings (user-metadata, registry entries; `Redactor.agent_settings`) keep their shape so a person can see
what a CPI wrote: values under secret-sounding keys (a wider net than `secret_key`: password, keys, certificates,
tokens, credentials, `ca` — and every key `secret_key` takes), secret-shaped strings, blobstore credentials and the
userinfo of every URL (mbus, registry endpoint, blobstore endpoint) are masked; the rest (each network's
cloud_properties, env keys but the agent's `bosh`) follows the same rule as the request, so both views show the
same values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from cpictl.protocol.catalogue import get_method
from cpictl.protocol.secret_forms import holds_line_breaks, secrets_pattern
from cpictl.protocol.secret_shapes import secret_shapes
from cpictl.protocol.violations import Noise, Reaction, Violation

MASK = "<redacted>"
CONTEXT_PUBLIC_KEYS = frozenset({"director_uuid", "request_id", "vm"})
_MIN_SECRET_LENGTH = 4  # shorter values would blank out ordinary words in logs
#: Lines of a multi-line secret at least this long are hunted on their own too: a CPI that writes a PEM key to its
#: stderr is read line by line (the live view), where no line holds the whole secret. Shorter lines (`fi`, `}`)
#: would blank ordinary text; armour lines (`-----BEGIN …-----`) are no secret.
_MIN_SECRET_LINE = 16
_LINE_BREAK = re.compile(r"\r?\n")
#: Keys whose values are secrets wherever they appear in agent settings (`authorized_keys`, `private_key`, `ca` …).
SECRET_KEY = re.compile(r"pass|secret|private|key|token|cert|credential|^ca$|_ca$|^ca_", re.IGNORECASE)
_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")


#: Values that are settings, not secrets, under whatever key (`http_tokens: required`, the AWS CPI's IMDSv2 switch;
#: `AWS_USE_FIPS_TOKEN=true`): shown, and never hunted, which would blank these ordinary words in every log.
_SETTING_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "none", "null", "default", "enabled",
                            "disabled", "required", "optional"})


def setting_word(value: object) -> bool:
    """Whether a value is a setting word (`required`, `true`, `enabled` …), which no secret is."""
    return isinstance(value, str) and value.strip().lower() in _SETTING_WORDS


_KEY_WORDS = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
#: Parts of a word (`adminPassword`, `clientsecret`, `auth_token`) that make the word name a secret.
_SECRET_PARTS = ("password", "passwd", "passphrase", "secret", "token", "credential")
_SECRET_WORDS = frozenset({"pass", "pwd", "creds", "pem", "keystore", "truststore"})
#: Secret words only as the last word: `private`, `root_ca` — not `private_ip`, `ca_central_1`.
_SECRET_LAST_WORDS = frozenset({"private", "ca"})
#: A word after a secret word that makes the key name the secret rather than hold it: `key_name`, `kms_key_id`,
#: `key_pair`, `certificate_arn`, `secret_ref`, `password_file`.
_NAMES_THE_SECRET = frozenset({"name", "names", "pair", "pairs", "id", "ids", "arn", "arns", "alias", "type", "size",
                               "length", "bits", "usage", "path", "file", "ring", "vault", "format", "algorithm",
                               "spec", "version", "rotation", "ref", "reference"})


def _secret_word(word: str, before: str, last: bool) -> bool:
    if word in _SECRET_WORDS or any(part in word for part in _SECRET_PARTS):
        return True
    if word.startswith("cert") or word.endswith(("cert", "certs")):
        return True
    if word in _SECRET_LAST_WORDS:
        return last
    if word.endswith(("key", "keys")):  # key, api_key, privatekey, authorized_keys — but not public_key
        return before != "public" and not word.startswith("public")
    return False


def secret_key(name: object) -> bool:
    """Whether a mapping key names a secret: `password`, `db_passwd`, `clientSecret`, `auth_token`, `credentials`,
    `ca_cert`, `private_key`, `api_key`, `key`, `access_key` and `access_key_id` (the AWS CPI masks it too) — but
    not `key_name`, `key_pair`, `kms_key_id`, `certificate_arn`, `public_key` or `private_ip`, which name a secret
    or are no secret at all."""
    text = str(name)
    if _EXTRA_SECRET_KEYS and text.lower() in _EXTRA_SECRET_KEYS:  # read afresh: a target may add names any time
        return True
    return _known_secret_name(text) if len(text) <= _CACHED_KEY_LENGTH else _secret_name(text)


#: Longer keys are judged afresh each time: a CPI's answer may hold huge keys, which a cache would keep alive.
_CACHED_KEY_LENGTH = 128


def _secret_name(name: str) -> bool:
    """`secret_key`'s built-in rules, which depend on the name alone."""
    words = [word.lower() for word in _KEY_WORDS.split(name) if word]
    for index, word in enumerate(words):
        before = words[index - 1] if index else ""
        after = words[index + 1] if index + 1 < len(words) else ""
        if word.endswith(("key", "keys")) and (word.startswith("access") or before == "access"):
            return True
        if _secret_word(word, before, index == len(words) - 1) and after not in _NAMES_THE_SECRET:
            return True
    return False


#: Every request and result walk asks about the same few keys, thousands of times in an import.
_known_secret_name = lru_cache(maxsize=4096)(_secret_name)


def _scalar_forms(value: Any) -> list[str]:
    """How a scalar reads in free text: a string as itself, a number as its decimal text (bools never count)."""
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return []
    if isinstance(value, float):
        return [repr(value), str(int(value))] if value.is_integer() else [repr(value)]
    return [str(value)]


def url_credentials(userinfo: str) -> set[str]:
    """The secrets of a URL's userinfo (`user:p%40ss`): itself and percent-decoded, and the password alone, as
    typed and decoded; a userinfo without a password is a token given as the user name (`ghp_…@host`), whole."""
    _, colon, password = userinfo.partition(":")
    found = {userinfo, unquote(userinfo)}
    return found | {password, unquote(password)} if colon else found


def mask_url_userinfo(text: str) -> str:
    """`nats://user:pw@host:4222` → `nats://<redacted>@host:4222`, anywhere inside a text."""
    return _URL_USERINFO.sub(lambda match: f"{match['scheme']}{MASK}@", text)


_PROCESS_SECRETS: set[str] = set()
_PROCESS_NUMBERS: set[str] = set()  # process secrets that are digits only: matched where no digit touches them
_process_generation = 0  # bumped on every change, so a Redactor knows when to rebuild its pattern


def register_secret(value: str, *, numeric: bool = False) -> None:
    """A secret this cpictl process knows and hands to a CPI (the embedded registry's password, a variable of the
    CPI's environment): every Redactor hunts it from now on, in every view, report and journal, wherever a CPI
    echoes it. `numeric`: a number, hidden only where no digit touches it."""
    global _process_generation
    if len(value) < _MIN_SECRET_LENGTH or value in _PROCESS_SECRETS or setting_word(value):
        return
    _PROCESS_SECRETS.add(value)
    if numeric:
        _PROCESS_NUMBERS.add(value)
    _process_generation += 1


def forget_process_secrets(keep: set[str] | frozenset[str] = frozenset()) -> None:
    """Forget every process secret not in `keep`, and every extra secret key (tests: one process runs many
    commands)."""
    global _process_generation
    _PROCESS_SECRETS.intersection_update(keep)
    _PROCESS_NUMBERS.intersection_update(keep)
    _EXTRA_SECRET_KEYS.clear()
    _process_generation += 1


#: Key names a named target's `secrets:` adds to the rules of `secret_key`, lower case, for this whole process.
_EXTRA_SECRET_KEYS: set[str] = set()


def register_secret_key_names(names: Iterable[str]) -> None:
    """Make `secret_key` take these names (any case) for secrets too, wherever they appear: a target's
    `secrets: [tenant]` masks `cloud_properties.tenant` in a call's arguments as well as in its own context."""
    _EXTRA_SECRET_KEYS.update(str(name).lower() for name in names)


class Redactor:
    """Masks one request (and what came back for it), remembering the secret values it hid.

    `secrets` holds the text hunted in free text (every value this Redactor masked, see the module docstring),
    besides the process's secrets, which are read each time (one registered after this Redactor was made is
    hunted too); every masked scalar is also remembered with its key, so `scrub` can mask a decoded value found
    under the same key."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()  # this request's; the process's are read from the registry when hunting
        self._numeric: set[str] = set()  # secrets only ever seen as numbers: matched where no digit touches them
        self._lines: set[str] = set()  # long lines of multi-line secrets, hunted as text (`_MIN_SECRET_LINE`)
        self._keyed: set[tuple[str, str]] = set()  # (key, text) of every masked scalar
        self._version = 0  # bumped when `secrets` grows
        self._compiled: dict[bool, tuple[tuple[int, int], re.Pattern[str] | None]] = {}  # by `wrapped`

    def _mask_values(self, mapping: Any, keep: frozenset[str] = frozenset()) -> Any:
        """Every value but those under `keep` masked (and hunted): the context's rule."""
        if not isinstance(mapping, dict):
            return mapping
        masked = {}
        for key, value in mapping.items():
            if key in keep:
                masked[key] = value
            else:
                self._remember(value, key=str(key))
                masked[key] = MASK
        return masked

    def _remember(self, value: Any, key: str | None = None) -> None:
        """Remember a masked value, and hunt it (every scalar inside it) in free text."""
        if isinstance(value, dict):
            for name, item in value.items():
                self._remember(item, key=str(name))
            return
        if isinstance(value, list):
            for item in value:
                self._remember(item, key=key)
            return
        if isinstance(value, str):
            for match in _URL_USERINFO.finditer(value):  # credentials in an endpoint are secrets wherever they are
                self._hunt_userinfo(match["userinfo"])
            for part in secret_shapes(value):  # the token alone, should a CPI log only that
                self._hunt(part, numeric=False)
        for form in _scalar_forms(value):
            if key is not None:
                self._keyed.add((key, form))
            self._hunt(form, numeric=not isinstance(value, str))

    def _hunt_userinfo(self, userinfo: str) -> None:
        """A URL's credentials as they stand, and as a client splits and decodes them to use them: the password
        alone (a CPI may log it, or send it as `Authorization: Basic base64(user:password)`), `p%40ss` as `p@ss`.
        The user name alone stays readable, as in an environment variable's URL (`environment_secrets`)."""
        for form in url_credentials(userinfo):
            self._hunt(form, numeric=False)

    def _hunt(self, form: str, *, numeric: bool) -> None:
        """Hunt `form` in free text, in every spelling a CPI may echo it in (`secret_forms`)."""
        if len(form) < _MIN_SECRET_LENGTH or setting_word(form):
            return
        if "\n" in form:
            self._hunt_lines(form)
        before = (len(self.secrets), len(self._numeric))
        if not numeric:
            self._numeric.discard(form)
        elif form not in self.secrets:
            self._numeric.add(form)
        self.secrets.add(form)
        if (len(self.secrets), len(self._numeric)) != before:
            self._version += 1

    def _hunt_lines(self, secret: str) -> None:
        lines = {line.strip() for line in _LINE_BREAK.split(secret)}
        lines = {line for line in lines if len(line) >= _MIN_SECRET_LINE and not line.startswith("-----")}
        if not lines <= self._lines:
            self._lines |= lines
            self._version += 1

    def _mask_secrets(self, value: Any, key: str | None = None) -> Any:
        """Every argument (cloud_properties, networks, env, metadata, an unknown method's): values under keys that
        name a secret (`secret_key`: `password`, `api_token`, not `key_name`) and secret-shaped strings
        (`secret_shapes`: a PEM key, a JWT, `AKIA…`) masked and hunted, at any depth, and URL userinfo in every
        string. The rest is the operator's to read."""
        if isinstance(value, dict):
            masked = {}
            for name, item in value.items():
                if secret_key(name) and item is not None and not isinstance(item, bool) and not setting_word(item):
                    self._remember(item, key=str(name))
                    masked[name] = MASK
                else:
                    masked[name] = self._mask_secrets(item, str(name))
            return masked
        if isinstance(value, list):
            return [self._mask_secrets(item, key) for item in value]
        if isinstance(value, str):
            return self._mask_string(value, key)
        return value

    def _mask_string(self, value: str, key: str | None) -> str:
        """A secret-shaped string masked whole (and hunted); else its URL userinfo masked in place."""
        if secret_shapes(value):
            self._remember(value, key=key)
            return MASK
        if "@" in value:
            for match in _URL_USERINFO.finditer(value):
                self._hunt_userinfo(match["userinfo"])
            return mask_url_userinfo(value)
        return value

    def _mask_secret_keys(self, value: Any, key: str | None = None) -> Any:
        """Agent settings' rule: mask values under secret-sounding keys (`SECRET_KEY`, wider than `secret_key`, and
        every key `secret_key` takes: `admin_pwd`, a target's `secrets:`), secret-shaped strings, and URL userinfo in
        every string, keeping the shape."""
        if isinstance(value, dict):
            masked = {}
            for name, item in value.items():
                if (SECRET_KEY.search(str(name)) or secret_key(name)) and item is not None \
                        and not isinstance(item, bool) and not setting_word(item):
                    self._remember(item, key=str(name))
                    masked[name] = MASK
                else:
                    masked[name] = self._mask_secret_keys(item, str(name))
            return masked
        if isinstance(value, list):
            return [self._mask_secret_keys(item, key) for item in value]
        if isinstance(value, str):
            return self._mask_string(value, key)
        return value

    def agent_settings(self, document: Any) -> Any:
        """A masked copy of agent settings or bootstrap user-data, for showing what a CPI wrote."""
        if not isinstance(document, dict):
            return self._mask_secret_keys(document)
        masked = {}
        for key, value in document.items():
            if key == "networks" and isinstance(value, dict):
                # network names are the operator's words (`private`, `token-net`), not keys that name a secret
                masked[key] = {name: self._settings_network(network) for name, network in value.items()}
            elif key == "env" and isinstance(value, dict):  # `bosh` is the agent's; the rest, the request's env
                masked[key] = {name: (self._mask_secret_keys if name == "bosh" else self._mask_secrets)({name: item})[
                    name] for name, item in value.items()}
            elif key == "disks" and isinstance(value, dict) and isinstance(value.get("persistent"), dict):
                masked[key] = {**self._mask_secret_keys({k: v for k, v in value.items() if k != "persistent"}),
                               "persistent": {cid: self._mask_secret_keys(disk)  # keyed by disk CID
                                              for cid, disk in value["persistent"].items()}}
            else:  # top-level keys are the agent's own (`trusted_certs` holds public CA certificates by name)
                masked[key] = self._mask_secret_keys(value)
        return masked

    def _settings_network(self, network: Any) -> Any:
        """A network in agent settings: the agent's keys by its rule, its `cloud_properties` by the request's."""
        if not isinstance(network, dict):
            return self._mask_secret_keys(network)
        return {key: self._mask_secrets(value, key) if key == "cloud_properties" else
                self._mask_secret_keys({key: value})[key] for key, value in network.items()}

    def request(self, document: dict[str, Any]) -> dict[str, Any]:
        """A masked copy of a request document `{method, arguments, context, api_version}`."""
        masked = dict(document)
        if "context" in document:
            masked["context"] = self._mask_values(document["context"], CONTEXT_PUBLIC_KEYS)
        if "arguments" in document:
            masked["arguments"] = self.arguments(str(document.get("method")), document["arguments"])
        for key in document.keys() - {"method", "arguments", "context", "api_version"}:  # a --raw document's own
            masked[key] = self._mask_secrets({key: document[key]})[key]
        return masked

    def arguments(self, method: str, arguments: Any) -> Any:
        """Masked arguments: one rule for every method and parameter (`_mask_secrets`), but a `networks` argument
        is keyed by network names, the operator's words (`private`, `token-net`), not keys that name a secret."""
        spec = get_method(method)
        if spec is None or not isinstance(arguments, list):
            return self._mask_secrets(arguments)
        masked = []
        for position, value in enumerate(arguments):
            named = position < len(spec.params) and spec.params[position].name == "networks"
            masked.append(self._mask_networks(value) if named else self._mask_secrets(value))
        return masked

    def _mask_networks(self, networks: Any) -> Any:
        if not isinstance(networks, dict):
            return self._mask_secrets(networks)
        return {name: self._mask_secrets(network) for name, network in networks.items()}

    def result(self, method: str, result: Any) -> Any:
        """A masked result: secrets in the networks of a v2 create_vm (as in its arguments), and any secret the
        CPI echoed back."""
        if method == "create_vm" and isinstance(result, list) and len(result) > 1:
            result = [result[0], self._mask_networks(result[1]), *result[2:]]
        return self.scrub(result)

    def response(self, method: str, response: dict[str, Any] | None) -> dict[str, Any] | None:
        """A masked copy of `{result, error, log}`: the result as `result` masks it, the error's fields and the
        log as free text (CPIs echo their configuration in error messages)."""
        if response is None:
            return None
        masked = {**response, "result": self.result(method, response.get("result"))}
        if isinstance(masked.get("log"), str):
            masked["log"] = self.text(masked["log"])
        if masked.get("error") is not None:
            masked["error"] = self.scrub(masked["error"])
        return masked

    def violations(self, violations: list[Violation]) -> list[Violation]:
        """Violations whose messages, reactions and noise lines may quote the CPI's answer (a wrong-shape result, a
        config it printed on stdout), with secrets hidden."""
        return [self._violation(violation) for violation in violations]

    def _violation(self, violation: Violation) -> Violation:
        noise = violation.noise
        if noise is not None:  # one text, so a secret split across lines by a `key: value` layout is seen too
            noise = Noise(tuple(self.text("\n".join(noise.lines)).split("\n")), noise.count)
        return replace(violation, message=self.text(violation.message), noise=noise,
                       director=Reaction(violation.director.does, self.text(violation.director.why)),
                       create_env=Reaction(violation.create_env.does, self.text(violation.create_env.why)))

    def scrub(self, value: Any) -> Any:
        """Hide remembered secrets anywhere inside a decoded JSON value (a CPI may echo them back, even as a key),
        and any value that sits under the key it was masked under in the request."""
        if not self.secrets and not self._keyed and not _PROCESS_SECRETS:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            scrubbed: dict[Any, Any] = {}
            for key, item in value.items():
                shown = self._scrubbed_key(key, scrubbed)
                scrubbed[shown] = MASK if self._masked_under(key, item) else self.scrub(item)
            return scrubbed
        if isinstance(value, list):
            return [self.scrub(item) for item in value]
        if any(form in self.secrets or form in _PROCESS_SECRETS for form in _scalar_forms(value)):
            return MASK
        return value

    def _scrubbed_key(self, key: Any, taken: dict[Any, Any]) -> Any:
        """A key with secrets hidden; two keys that hide to the same text stay apart (`<redacted>#2`)."""
        if not isinstance(key, str):
            return key
        shown = self.text(key)
        if shown == key:
            return key
        number = 1
        while (candidate := shown if number == 1 else f"{shown}#{number}") in taken:
            number += 1
        return candidate

    def _masked_under(self, key: Any, value: Any) -> bool:
        return not isinstance(value, (dict, list)) and any((str(key), form) in self._keyed
                                                           for form in _scalar_forms(value))

    def text(self, text: str) -> str:
        """Hide every remembered secret inside free text (the CPI's log, its stderr), in every spelling a CPI may
        echo it in: JSON-escaped, URL-encoded, hex, base64, base64 wrapped into lines (`secret_forms`). One
        compiled pattern, rebuilt only when the secrets change; the line breaks inside a masked base64 blob stay,
        so a log keeps its lines."""
        if not self.secrets and not _PROCESS_SECRETS:  # nothing to hunt: no need to look at the text at all
            return text
        # `holds_line_breaks`: its first test inline, as this runs once per stderr line
        pattern = self._pattern(("\n" in text or "\\n" in text) and holds_line_breaks(text))
        return text if pattern is None else pattern.sub(_mask_match, text)

    def _pattern(self, wrapped: bool) -> re.Pattern[str] | None:
        key = (self._version, _process_generation)
        compiled = self._compiled.get(wrapped)
        if compiled is None or compiled[0] != key:
            numbers = frozenset(self._numeric | (_PROCESS_NUMBERS - self.secrets))
            texts = frozenset((self.secrets | _PROCESS_SECRETS) - numbers)
            lines = frozenset(self._lines - texts)
            compiled = self._compiled[wrapped] = (key, secrets_pattern(texts, numbers, wrapped, lines)
                                                  if texts or numbers else None)
        return compiled[1]


def _mask_match(match: re.Match[str]) -> str:
    """The mask for one secret found, followed by the real line breaks it spanned (wrapped base64)."""
    found = match[0]
    if "\n" not in found:
        return MASK
    return MASK + "".join(char for char in found if char in "\r\n")


#: Variables whose names sound secret but hold none (the working directory: `pwd`).
_PUBLIC_ENV_NAMES = frozenset({"PWD", "OLDPWD"})
#: A value that is a file path (`SSL_CERT_DIR=/etc/ssl/certs`, `PIP_CERT=~/ca.pem`) says where a secret is kept,
#: as a `_file` or `_path` key does; hunting it would blank the path in every message.
_PATH_VALUE = re.compile(r"(?:~|\.{1,2})?(?:/[\w.+-]+)+/?")


def secret_env_name(name: str) -> bool:
    """Whether an environment variable's name says it holds a secret: `AWS_SECRET_ACCESS_KEY`, `OS_PASSWORD`,
    `GITHUB_TOKEN`, `BOSH_CLIENT_SECRET` (`secret_key`'s rules) — not `PWD`, `SSL_CERT_FILE`, `KEY_NAME`."""
    return name not in _PUBLIC_ENV_NAMES and secret_key(name)


def _secret_env_value(name: str, value: str) -> bool:
    return (secret_env_name(name) and not setting_word(value)
            and not _PATH_VALUE.fullmatch(value))


def mask_secret_env(env: dict[str, str]) -> dict[str, str]:
    """Environment variables whose names say they hold a secret (AWS_SECRET_ACCESS_KEY, *_PASSWORD, *_TOKEN …),
    masked, unless the value is a file path or a word such as `true`; in the rest, the credentials of a URL
    (`HTTPS_PROXY=http://user:pw@proxy`)."""
    return {name: MASK if value and _secret_env_value(name, value) else mask_url_userinfo(value)
            for name, value in env.items()}


def environment_secrets(env: Mapping[str, str]) -> set[str]:
    """The secrets an environment hands a CPI: the values of variables whose names hold a secret
    (`secret_env_name`; not a file path, not a word such as `true`), and the credentials of every URL in any
    variable (`HTTPS_PROXY=http://user:pw@proxy`: the password, as typed and percent-decoded; a token given as
    the user name when there is none)."""
    found: set[str] = set()
    for name, value in env.items():
        if _secret_env_value(name, value):
            found.add(value)
        if "@" in value:
            for match in _URL_USERINFO.finditer(value):
                # the password (the user name stays readable), or a token given as the user name (`TOKEN@host`)
                user, colon, password = match["userinfo"].partition(":")
                found |= {password, unquote(password)} if colon else {user}
    return {secret for secret in found if len(secret) >= _MIN_SECRET_LENGTH}


def register_environment(env: Mapping[str, str]) -> None:
    """Hunt, in this whole process, the secrets of a CPI's environment (`environment_secrets`): called where a
    target is built (`--env`, inherited variables, a recipe's `target.env`), so a CPI that echoes one is masked
    in every view, report, journal and history line. A value of digits only is hidden only where no digit
    touches it."""
    for secret in environment_secrets(env):
        register_secret(secret, numeric=secret.isdigit())


def mask_request(document: dict[str, Any]) -> dict[str, Any]:
    """Convenience: a masked copy of one request document."""
    return Redactor().request(document)
