"""Values that are secrets by their shape alone, whatever key they sit under (`redaction` masks and hunts them).

A key such as `user_data`, `script` or `custom_header` says nothing, yet its value may be a private key or a
token. Only shapes that a credential format defines exactly are recognised, so that ordinary values (`m5.large`,
`subnet-0a1b2c`, `eu-west-1a`, a sentence) never match:
- PEM blocks: `-----BEGIN <LABEL>-----` (PRIVATE KEY, RSA/EC/OPENSSH PRIVATE KEY, CERTIFICATE, …): a PEM header
  is five dashes, BEGIN, an upper-case label and five dashes; anything looser (`----- BEGIN notes -----`) is prose.
- JWTs: three base64url segments joined by dots, the first starting `eyJ` (`{"` encoded), each at least 8 long.
- AWS access key ids: `AKIA` or `ASIA` and 16 upper-case letters or digits, not inside a longer word.
- Token prefixes their issuers document: GitHub `ghp_ gho_ ghu_ ghs_ ghr_` + 36 characters and `github_pat_`,
  GitLab `glpat-` + 20, Slack `xoxb- xoxp- xoxa- xoxr- xoxs-` + 10 or more.
- HTTP credentials: `Basic ` or `Bearer ` then a token68 of 8 or more characters holding a digit or ending in
  `=` (so `Basic configuration` is prose, `Bearer eyJhbGci…`, `Basic YWRtaW46…=` are not).
- URL userinfo (`nats://user:pw@host`) is a secret too, but only the userinfo part: `redaction` masks it in place.

A value holding such a shape anywhere is masked whole; the shape itself is hunted as well as the whole value, so
a CPI that logs only the token is caught too.
"""

from __future__ import annotations

import re

_SHAPES = re.compile("|".join((
    r"-----BEGIN [A-Z0-9][A-Z0-9 ]*-----[^\x00]*?(?:-----END [A-Z0-9 ]*-----|\Z)",
    r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
    r"(?<![A-Za-z0-9])A(?:KI|SI)A[A-Z0-9]{16}(?![A-Za-z0-9])",
    r"(?<![A-Za-z0-9])gh[pousr]_[A-Za-z0-9]{36}(?![A-Za-z0-9])",
    r"(?<![A-Za-z0-9])github_pat_[A-Za-z0-9_]{22,}",
    r"(?<![A-Za-z0-9])glpat-[A-Za-z0-9_-]{20,}",
    r"(?<![A-Za-z0-9])xox[bpars]-[A-Za-z0-9-]{10,}",
    r"\b(?:Basic|Bearer) +(?P<credential>(?=[A-Za-z0-9._~+/-]*(?:[0-9]|=))[A-Za-z0-9._~+/-]{8,}=*)",
)))
#: A cheap test before the full pattern, whose look-behinds leave the regex engine no first character to scan for:
#: every shape holds one of these literals (one pass over a 3 MB value, not one per literal).
_HINT = re.compile(r"-----BEGIN |eyJ|A[KS]IA|gh[pousr]_|github_pat_|glpat-|xox[bpars]-|Basic |Bearer ")


def secret_shapes(value: str) -> list[str]:
    """The secret-shaped parts of a string (empty when there is none): for `Bearer abc123…`, the credential
    after the scheme; for a script holding a PEM key, the PEM block."""
    if _HINT.search(value) is None:
        return []
    return [match["credential"] or match[0] for match in _SHAPES.finditer(value)]
