"""labkit reset: wipe every service's state and every execution environment."""
from __future__ import annotations

import json
import sys
import urllib.request

from labkit.backends import resolve
from labkit.emulator.access_guard import client_headers

HELP = "Wipe all state and execution environments of the running embedded backend."


def add_arguments(p) -> None:
    p.add_argument("--endpoint-url", help="backend URL (default: the one labkit would use)")


def run(args) -> int:
    url = args.endpoint_url or resolve().endpoint_url
    if not url:
        print("labkit reset: only the embedded backend can be reset.", file=sys.stderr)
        return 2
    # on a hub, the learner's backend accepts /_labkit/reset only with their key
    req = urllib.request.Request(url + "/_labkit/reset", method="POST", data=b"",
                                 headers=client_headers())
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            print(json.loads(resp.read()))
    except OSError as exc:
        print(f"labkit reset: no embedded backend answers at {url} ({exc}).", file=sys.stderr)
        return 1
    return 0
