"""The access guard: on a shared machine, a learner's embedded backend answers only that learner.

Every learner's backend listens on 127.0.0.1, and on one machine (The Littlest JupyterHub, or
any hub whose servers share a host) every loopback port is reachable from every learner. So
the Jupyter server extension (labkit.hub.extension) gives each backend a random access key id
of its own, `LKIA` + 16 characters (AWS's own ids look like `AKIA...`), and puts it in its
kernels' AWS_ACCESS_KEY_ID. When LABKIT_BACKEND_ACCESS_KEY is set, the backend answers a
request only when:

* its AWS signature names that key. boto3 signs every request with Signature Version 4; the
  access key id is the first part of the credential scope, in the Authorization header
      Authorization: AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/sqs/aws4_request, ...
  or, for a presigned URL, in the X-Amz-Credential query parameter (AWS: "Authenticating
  Requests (AWS Signature Version 4)", Amazon S3 API Reference,
  https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html, and
  "Elements of an AWS API request signature", IAM User Guide,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-signing-elements.html).
  Legacy S3 Signature Version 2 (`Authorization: AWS AKID:signature`, `?AWSAccessKeyId=`)
  is read too. labkit's own endpoints (/_labkit/*, health, /moto-api/*) take the key in an
  X-Labkit-Key header or a `labkit_key` query parameter instead; or
* it comes from a process of the learner's own Jupyter server (LABKIT_BACKEND_TRUSTED_PID and
  its descendants: kernels, terminals, the backend and its Lambda workers). labkit's checks,
  their sandbox and the Lambda workers sign with the emulator's fixed dummy key "test"; the
  kernel's socket table says which process holds the client's end (access_peer.py). Linux
  only: elsewhere only the key opens the backend.

Anything else gets 403 with the error AWS gives for an unknown key: InvalidClientTokenId
(query protocol), UnrecognizedClientException (JSON protocols), InvalidAccessKeyId (S3), see
"Common Errors", https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html.
Without LABKIT_BACKEND_ACCESS_KEY (laptops, tests, grading) there is no guard at all.
"""
from __future__ import annotations

import hmac
import os
import re
import secrets
import sys
from urllib.parse import parse_qs

from labkit.emulator import access_errors
from labkit.emulator.access_peer import GONE, OURS, ProcessTree

KEY_ENV = "LABKIT_BACKEND_ACCESS_KEY"
TRUSTED_PID_ENV = "LABKIT_BACKEND_TRUSTED_PID"
KEY_PREFIX = "LKIA"            # never a real AWS key id (AKIA.../ASIA...)
LABKIT_HEADER = "X-Labkit-Key"
LABKIT_QUERY = "labkit_key"
OWN_PREFIXES = ("/_labkit/", "/_localstack/", "/moto-api/")   # plus exactly /health
_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"   # base32, as AWS key ids use
_SIGV4_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
_SIGV2 = re.compile(r"^AWS ([^:\s]+):")


def new_key() -> str:
    """A fresh random access key id: LKIA + 16 base32 characters (80 random bits)."""
    return KEY_PREFIX + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))


def is_hub_key(value: str | None) -> bool:
    return bool(value) and value.startswith(KEY_PREFIX)


def client_headers(environ: dict[str, str] | None = None) -> dict[str, str]:
    """What labkit's own callers send to /_labkit/*: the learner's key, when there is one."""
    key = (os.environ if environ is None else environ).get("AWS_ACCESS_KEY_ID", "")
    return {LABKIT_HEADER: key} if is_hub_key(key) else {}


def is_own_path(path: str) -> bool:
    """labkit's and moto's own routes, not an AWS API."""
    return path == "/health" or path.startswith(OWN_PREFIXES)


def presented_key(environ: dict) -> str | None:
    """The access key id a WSGI request presents, or None."""
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if is_own_path(environ.get("PATH_INFO", "")):
        return environ.get("HTTP_X_LABKIT_KEY") or (query.get(LABKIT_QUERY) or [None])[0]
    auth = environ.get("HTTP_AUTHORIZATION", "")
    match = _SIGV4_CREDENTIAL.search(auth) or _SIGV2.match(auth)
    if match:
        return match.group(1)
    credential = (query.get("X-Amz-Credential") or [""])[0]
    return credential.split("/", 1)[0] or (query.get("AWSAccessKeyId") or [None])[0]


class Guard:
    def __init__(self, key: str, trusted_pid: int):
        self.key = key
        self.tree = ProcessTree(trusted_pid)   # the learner's Jupyter server and descendants

    def refusal(self, environ: dict) -> str | None:
        """None when the request may pass, else who sent it (for the log)."""
        key = presented_key(environ)
        if key is not None and hmac.compare_digest(key.encode(), self.key.encode()):
            return None
        sock = environ.get("werkzeug.socket")   # the server's end of the client's connection
        try:
            holder = (self.tree.client_end_holder(sock.getpeername()[:2], sock.getsockname()[:2])
                      if sock is not None else GONE)
        except OSError:
            holder = GONE
        return None if holder == OURS else f"sent by {holder}"

    def deny(self, environ: dict, start_response, why: str = "") -> list[bytes]:
        key = presented_key(environ)
        print(f"labkit guard: 403 for {environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')} "
              f"from port {environ.get('REMOTE_PORT')}, key {key[:6] + '...' if key else '(none)'}"
              f"{', ' + why if why else ''}",
              file=sys.stderr, flush=True)  # never log a whole key: it may be someone's
        own = is_own_path(environ.get("PATH_INFO", ""))
        return access_errors.forbidden(environ, start_response, own_endpoint=own)


def from_environment(environ: dict[str, str] | None = None) -> Guard | None:
    """The guard the backend runs with, or None when LABKIT_BACKEND_ACCESS_KEY is unset."""
    env = os.environ if environ is None else environ
    key = env.get(KEY_ENV, "").strip()
    if not key:
        return None
    return Guard(key, int(env.get(TRUSTED_PID_ENV) or os.getppid()))
