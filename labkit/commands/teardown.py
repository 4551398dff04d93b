"""labkit teardown: find and delete every resource the kit created (tagged or prefixed).

    labkit teardown --dry-run      list what would be deleted
    labkit teardown --yes          delete without asking
    labkit teardown --all-owners   every learner's labkit resources (instructor, shared account)

Refused on real AWS unless LABKIT_BACKEND=aws and LABKIT_AWS_CONFIRM=1 (backends.resolve);
always allowed on an emulator. What is found, and in which order it goes: labkit.cleanup.
"""
from __future__ import annotations

import sys
from typing import Callable

from labkit import cleanup
from labkit.aws_resources import is_managed, owner
from labkit.backends import BackendError, resolve
from labkit.cleanup import Found, delete_all

HELP = "Delete every AWS resource labkit created (tagged labkit:managed or named labkit-<owner>-)."


def add_arguments(p) -> None:
    p.add_argument("--yes", action="store_true", help="delete without asking")
    p.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
    p.add_argument("--all-owners", action="store_true",
                   help="every labkit resource in the account, not only LABKIT_OWNER's")


def find(client: Callable, all_owners: bool = False) -> list[Found]:
    """Every managed resource of this owner (of every owner: ``all_owners``), in deletion order."""
    return cleanup.find(client, lambda name, tags: is_managed(name, tags(), all_owners=all_owners))


def run(args) -> int:
    try:
        backend = resolve()
    except BackendError as exc:
        print(f"labkit teardown: {exc}", file=sys.stderr)
        return 2
    where = backend.endpoint_url or f"real AWS ({backend.region})"
    whose = "every owner" if args.all_owners else f"owner {owner()!r}"
    found = find(backend.client, all_owners=args.all_owners)
    print(f"labkit teardown on {backend.name} at {where}, {whose}: {len(found)} resource(s).")
    for item in found:
        print(f"  {item}")
    if not found or args.dry_run:
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            print("Not a terminal: pass --yes to delete.", file=sys.stderr)
            return 1
        if input(f"Delete these {len(found)} resource(s)? [y/N] ").strip().lower() != "y":
            print("Nothing deleted.")
            return 1
    failures = delete_all(found)
    for item, exc in failures:
        print(f"  FAILED {item}: {exc}", file=sys.stderr)
    print(f"deleted {len(found) - len(failures)}, failed {len(failures)}.")
    return 1 if failures else 0
