"""labkit cost: price a Lambda workload from the command line (the model in labkit.cost)."""
from __future__ import annotations

import json
import sys

from labkit import cost

HELP = "Price a Lambda workload (on-demand or provisioned concurrency) from dated list prices."


def add_arguments(p) -> None:
    sub = p.add_subparsers(dest="what", metavar="WHAT")
    sub.required = True

    on_demand = sub.add_parser("lambda", help="on-demand function: requests x duration x memory")
    on_demand.add_argument("--requests", type=float, required=True, help="invocations per month")
    on_demand.add_argument("--duration-ms", type=float, required=True, help="average duration")
    _memory_and_arch(on_demand)
    on_demand.add_argument("--cold-starts", type=float, default=0,
                           help="invocations that started a new environment (default 0)")
    on_demand.add_argument("--init-ms", type=float, default=0.0,
                           help="average Init Duration of a cold start (billed since 1 Aug 2025)")
    on_demand.add_argument("--no-free-tier", action="store_true",
                           help="do not subtract the monthly free tier")
    on_demand.add_argument("--json", action="store_true", help="print the breakdown as JSON")

    provisioned = sub.add_parser("provisioned", help="provisioned concurrency kept for some hours")
    provisioned.add_argument("--concurrency", type=int, required=True,
                             help="environments kept initialised")
    _memory_and_arch(provisioned)
    provisioned.add_argument("--hours", type=float, required=True, help="hours it stays enabled")
    provisioned.add_argument("--requests", type=float, default=0,
                             help="requests served by those environments (default 0)")
    provisioned.add_argument("--duration-ms", type=float, default=0.0,
                             help="average duration of those requests")
    provisioned.add_argument("--json", action="store_true", help="print the breakdown as JSON")


def _memory_and_arch(p) -> None:
    p.add_argument("--memory-mb", type=float, required=True, help="configured memory (128..10240)")
    p.add_argument("--arch", choices=cost.ARCHITECTURES, default="x86_64",
                   help="architecture (default %(default)s)")


def run(args) -> int:
    try:
        if args.what == "lambda":
            bill = cost.lambda_cost(args.requests, args.duration_ms, args.memory_mb,
                                    arch=args.arch, free_tier=not args.no_free_tier,
                                    cold_starts=args.cold_starts, init_ms=args.init_ms)
        else:
            bill = cost.provisioned_cost(args.concurrency, args.memory_mb, args.hours,
                                         arch=args.arch, requests=args.requests,
                                         duration_ms=args.duration_ms)
    except ValueError as exc:
        print(f"labkit cost: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(bill.to_dict(), indent=2) if args.json else bill.table())
    return 0
