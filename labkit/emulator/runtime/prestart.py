"""Entry point of a pre-started worker interpreter (see launcher.py).

Imports the runtime client ahead of time, then waits for one assignment on stdin
(environment variables, code directory, handler) and becomes exactly what
``python -m awslambdaric <handler>`` would have been: same bootstrap, same handler import
(which is what Init Duration measures), same Runtime API loop.
"""
import importlib
import json
import os
import sys

import awslambdaric.__main__ as ric_main  # noqa: E402  (the expensive part, done early)
from awslambdaric import bootstrap


def main() -> None:
    line = sys.stdin.readline()
    if not line:
        return  # the launcher went away before assigning us
    job = json.loads(line)
    os.environ.clear()
    os.environ.update(job["env"])
    os.chdir(job["cwd"])
    sys.path[0] = job["cwd"]            # what `python -m` puts first: the code directory
    sys.dont_write_bytecode = True
    # bootstrap decides at import time, from the environment it saw then, how to log: the
    # log format and level, and which log_error (text or JSON) it uses. Re-run it now that
    # the function's environment is in place (same module object: __main__ sees the result).
    importlib.reload(bootstrap)
    sys.argv = ["awslambdaric", job["handler"]]
    ric_main.main(sys.argv)


if __name__ == "__main__":
    main()
