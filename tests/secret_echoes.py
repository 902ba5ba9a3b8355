"""How a CPI may echo a secret, and how a test tells that one leaked: shared by the redaction tests, the secret scan
of every file a run writes, and the echoing CPI those tests run (which imports this module by path).

`echoes(secret)` is what a CPI writes: the secret plain, base64 at each of the three byte alignments inside a longer
blob (standard and URL-safe), base64 wrapped into lines (MIME's 76 columns with LF, PEM's 64 with CRLF, and 76 with
JSON's `\\n` escape) with a break inside the secret, HTTP basic auth, hex in both cases, URL-encoded three ways and
every byte percent-encoded two ways, JSON-escaped five ways and every character `\\u`-escaped three ways.
`leak_probes(secret)` are substrings any of which, found in text cpictl shows or writes, means the secret leaked;
their base64 probes are worked out here on their own (not by cpictl's code), trimmed at both ends so they hold only
characters that depend on nothing but the secret. `leaks` also looks for them with line breaks taken out, so
base64 wrapped into lines cannot hide a leak.
"""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote, quote_plus

#: What stands before a secret inside a base64 blob, 30, 31 and 32 bytes long: all three alignments.
_BLOB_HEADS = ['{"user_data": {"password": "', '{"user_data": {"password":  "', '{"user_data": {"password":   "']
_BLOB_TAIL = '", "agent_id": "agent-1", "mbus": "nats://nats:4222"}}'


def _go_json(secret: str) -> str:
    """JSON as Go's encoding/json writes it: `<`, `>` and `&` as \\u003c, \\u003e, \\u0026."""
    text = json.dumps(secret, ensure_ascii=False)[1:-1]
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _lower_percent(text: str) -> str:
    """Percent-encoding with lower-case hex digits (`%2f`), as some encoders write it."""
    return re.sub("%[0-9A-F]{2}", lambda match: match[0].lower(), text)


def _every_char_escaped(secret: str) -> str:
    """Every UTF-16 code unit as \\uXXXX (lower-case hex), as an encoder that escapes everything writes it."""
    units = secret.encode("utf-16-be", errors="surrogatepass")
    return "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))


def _every_byte_percent(secret: str) -> str:
    return "".join(f"%{byte:02X}" for byte in secret.encode())


def _wrapped(secret: str, width: int, newline: str) -> str:
    """Base64 of a document holding the secret, wrapped at `width` columns with a line break inside the secret:
    the secret starts a few characters before the end of the first line."""
    head = '{"password": "'
    pad = "x" * max(0, (width - 4) * 3 // 4 - len(head.encode()) - len('{"p": "", '))
    encoded = base64.b64encode(('{"p": "' + pad + '", ' + head + secret + _BLOB_TAIL).encode()).decode()
    return newline.join(encoded[i:i + width] for i in range(0, len(encoded), width))


def echoes(secret: str) -> dict[str, str]:
    """Each way a CPI may write the secret, by name."""
    data = secret.encode()
    blobs = {f"base64-at-{len(head.encode()) % 3}": base64.b64encode((head + secret + _BLOB_TAIL).encode()).decode()
             for head in _BLOB_HEADS}
    urlsafe = {f"base64url-at-{len(head.encode()) % 3}":
               base64.urlsafe_b64encode((head + secret + _BLOB_TAIL).encode()).decode() for head in _BLOB_HEADS}
    return {
        "plain": secret,
        **blobs,
        **urlsafe,
        "basic-auth": "Authorization: Basic " + base64.b64encode(b"registry-admin:" + data).decode(),
        "hex": data.hex(),
        "HEX": data.hex().upper(),
        "url": "https://example.com/login?password=" + quote(secret, safe=""),
        "url-plus": "password=" + quote_plus(secret),
        "url-lower": _lower_percent(quote(secret, safe="")),
        "json": json.dumps({"password": secret}, ensure_ascii=False),
        "json-ascii": json.dumps({"password": secret}),
        "json-go": '{"password":"' + _go_json(secret) + '"}',
        "json-slash": json.dumps({"password": secret}).replace("/", "\\/"),
        "json-in-json": json.dumps({"settings": json.dumps({"env": {"bosh": {"password": secret}}})}),
        "json-u-every": '{"password":"' + _every_char_escaped(secret) + '"}',
        "json-u-every-upper": '{"password":"' + _every_char_escaped(secret).upper().replace("\\U", "\\u") + '"}',
        "json-u-every-in-json": json.dumps({"settings": '{"password":"' + _every_char_escaped(secret) + '"}'}),
        "url-every-byte": "password=" + _every_byte_percent(secret),
        "url-every-byte-lower": "password=" + _every_byte_percent(secret).lower(),
        "base64-mime-lf": _wrapped(secret, 76, "\n"),
        "base64-pem-crlf": _wrapped(secret, 64, "\r\n"),
        "base64-json-escaped-breaks": json.dumps({"user_data": _wrapped(secret, 76, "\n")}),
    }


def _base64_middles(data: bytes) -> set[str]:
    """Base64 characters that depend only on `data`, at each alignment, in both alphabets: encode it behind 0, 1
    and 2 filler bytes and keep what lies strictly inside, one character trimmed at each end for good measure."""
    middles = set()
    for filler in range(3):
        encoded = base64.b64encode(b"\x00" * filler + data + b"\x00\x00\x00").decode()
        first = (filler * 8 + 5) // 6 + 1
        last = (filler + len(data)) * 8 // 6 - 1
        if last - first >= 6:
            middles |= {encoded[first:last], encoded[first:last].translate(str.maketrans("+/", "-_"))}
    return middles


def leak_probes(secret: str) -> set[str]:
    """Substrings whose presence anywhere means the secret leaked, in one encoding or another."""
    data = secret.encode()
    jsons = {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], _go_json(secret),
             json.dumps(secret)[1:-1].replace("/", "\\/"), json.dumps(json.dumps(secret))[3:-3]}
    every = {_every_char_escaped(secret), _every_char_escaped(secret).upper().replace("\\U", "\\u"),
             json.dumps(_every_char_escaped(secret))[1:-1], _every_byte_percent(secret),
             _every_byte_percent(secret).lower()}
    return ({secret, data.hex(), data.hex().upper(), quote(secret, safe=""), quote_plus(secret),
             _lower_percent(quote(secret, safe=""))} | jsons | every
            | _base64_middles(data) | _base64_middles(json.dumps(secret)[1:-1].encode()))


def leaks(text: str, secrets: list[str]) -> list[tuple[str, str]]:
    """(secret, probe) for every probe of every secret found in `text`."""
    unwrapped = re.sub(r"\r?\n|\\r\\n|\\n", "", text)
    return [(secret, probe) for secret in secrets for probe in sorted(leak_probes(secret))
            if probe in text or probe in unwrapped]
