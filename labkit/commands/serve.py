"""labkit serve: run the embedded backend in the foreground."""
from __future__ import annotations

import sys

from labkit.emulator.server import DEFAULT_HOST, DEFAULT_PORT, serve_forever
from labkit.isolation.ports import port_is_free

HELP = "Run the embedded AWS backend (moto + patches + a real Lambda runtime) on one port."


def add_arguments(p) -> None:
    p.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default %(default)s)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default %(default)s)")


def run(args) -> int:
    if args.port and not port_is_free(args.host, args.port):
        print(f"labkit serve: port {args.port} on {args.host} is busy.\n"
              f"  Another backend may already be running (try: labkit doctor),\n"
              f"  or choose another port: labkit serve --port 4567 (make lab PORT=4567).",
              file=sys.stderr)
        return 2
    serve_forever(args.host, args.port)
    return 0
