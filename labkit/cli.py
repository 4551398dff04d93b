"""`labkit` command line. Each verb lives in its own module under labkit/commands/.

A verb module defines HELP (one line), add_arguments(parser) and run(args) -> exit code.
"""
from __future__ import annotations

import argparse
import importlib
import sys

# verb -> module under labkit.commands (module names cannot contain dashes)
VERBS = {
    "serve": "serve",
    "reset": "reset",
    "doctor": "doctor",
    "check": "check",
    "grade": "grade",
    "progress": "progress",
    "cost": "cost",
    "teardown": "teardown",
    "lab": "lab",
    "strip-outputs": "strip_outputs",
    "starters": "starters",
    "collect": "collect",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="labkit", description="Serverless-in-production lab kit.")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    sub.required = True
    for verb, module_name in VERBS.items():
        try:
            module = importlib.import_module(f"labkit.commands.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"labkit.commands.{module_name}":
                raise
            continue  # verb not built yet in this checkout
        p = sub.add_parser(verb, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
