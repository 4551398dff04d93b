"""Entry point of a pre-started worker interpreter (see launcher.py):
``python -m labkit.emulator.runtime.prestart awslambdaric|portable``.

Imports the runtime client ahead of time, then waits for one assignment on stdin
(environment variables, code directory, handler) and becomes exactly what
``python -m <client> <handler>`` would have been: same bootstrap, same handler import
(which is what Init Duration measures), same Runtime API loop.
"""
import importlib
import json
import os
import sys


def _awslambdaric():
    import awslambdaric.__main__ as ric_main  # the expensive part, done early
    from awslambdaric import bootstrap, lambda_runtime_client
    from awslambdaric.lambda_runtime_marshaller import LambdaMarshaller

    def run(handler: str) -> None:
        # awslambdaric decides at import time, from the environment it saw then, how to log
        # (format, level, text or JSON log_error) and whether its JSON escapes non-ASCII
        # (AWS_EXECUTION_ENV). Redo both now that the function's environment is in place
        # (same module objects: __main__ and the client see the result).
        importlib.reload(bootstrap)
        lambda_runtime_client.BaseLambdaRuntimeClient.marshaller = LambdaMarshaller()
        sys.argv = ["awslambdaric", handler]
        ric_main.main(sys.argv)
    return run


def _portable():
    from labkit.emulator.runtime import portable_client  # reads its environment when run

    booted = portable_client.boot()   # this spare's Runtime API address is already set

    def run(handler: str) -> None:
        sys.argv = [portable_client.__file__, handler]
        portable_client.main(handler, booted)
    return run


def main() -> None:
    client = sys.argv[1] if len(sys.argv) > 1 else "awslambdaric"
    run = _portable() if client == "portable" else _awslambdaric()
    line = sys.stdin.readline()
    if not line:
        return  # the launcher went away before assigning us
    job = json.loads(line)
    os.environ.clear()
    os.environ.update(job["env"])
    os.chdir(job["cwd"])
    sys.path[0] = job["cwd"]            # what `python -m` puts first: the code directory
    sys.dont_write_bytecode = True
    run(job["handler"])


if __name__ == "__main__":
    main()
