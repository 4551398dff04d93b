"""labkit.postgres: a real PostgreSQL server, its connection slots, and a function reaching it."""
from __future__ import annotations

import contextlib
from urllib.parse import urlsplit

import pg8000.native
import pytest

from labkit.postgres import RESERVED_FOR_SUPERUSERS, Postgres
from tests.runtime.conftest import invoke

MAX_CONNECTIONS = 6


@pytest.fixture(scope="module")
def db(learner_user_can_run_python):
    server = Postgres(max_connections=MAX_CONNECTIONS).start()
    try:
        yield server
    finally:
        server.stop()


def connect(dsn: str) -> pg8000.native.Connection:
    url = urlsplit(dsn)
    return pg8000.native.Connection(url.username, password=url.password, host=url.hostname,
                                    port=url.port, database=url.path.lstrip("/"), timeout=10)


def test_the_server_answers_a_query_with_the_settings_asked_for(db):
    conn = connect(db.dsn)
    try:
        assert conn.run("SELECT 1 + 1, current_user, current_database()") == [[2, "app", "analytics"]]
        assert conn.run("SHOW max_connections") == [[str(MAX_CONNECTIONS)]]
        assert conn.run("SHOW superuser_reserved_connections") == [[str(RESERVED_FOR_SUPERUSERS)]]
        assert conn.run("SELECT rolsuper FROM pg_roles WHERE rolname = current_user") == [[False]]
    finally:
        conn.close()
    assert db.url().startswith("postgresql://app:") and f"127.0.0.1:{db.port}/analytics" in db.dsn
    assert 0 < db.startup_seconds < 60


def test_the_connection_past_the_learners_limit_is_refused(db):
    """PostgreSQL (Server Configuration, Connection Settings): superuser_reserved_connections
    "determines the number of connection 'slots' that are reserved for connections by
    PostgreSQL superusers"; they are counted in max_connections. So a non-superuser role gets
    max_connections - 3, and the next connection fails with SQLSTATE 53300 (too_many_connections)."""
    assert db.learner_limit == MAX_CONNECTIONS - RESERVED_FOR_SUPERUSERS
    refused_before = db.refused_connections()
    with contextlib.ExitStack() as held:
        for _ in range(db.learner_limit):
            held.callback(connect(db.dsn).close)
        assert db.active_connections() == db.learner_limit
        with pytest.raises(pg8000.exceptions.DatabaseError) as refused:
            connect(db.dsn)
        error = refused.value.args[0]
        assert error["C"] == "53300"
        assert error["M"] == ("remaining connection slots are reserved for roles with the "
                              "SUPERUSER attribute")
        assert db.refused_connections() == refused_before + 1
        assert "FATAL:  remaining connection slots are reserved" in db.refused_lines()[-1]

        # a superuser may take the reserved slots; past all max_connections even it is refused
        for _ in range(RESERVED_FOR_SUPERUSERS):
            held.callback(db.connect_admin().close)
        with pytest.raises(pg8000.exceptions.DatabaseError) as full:
            db.connect_admin()
        assert full.value.args[0]["C"] == "53300"
        assert full.value.args[0]["M"] == "sorry, too many clients already"
    assert db.refused_connections() == refused_before + 2


def test_stop_ends_the_server_and_removes_its_data(learner_user_can_run_python):
    server = Postgres(max_connections=4).start()
    folder, dsn = server.folder, server.dsn
    assert (server.data_dir / "PG_VERSION").exists()
    server.stop()
    assert not folder.exists()
    with pytest.raises((pg8000.exceptions.InterfaceError, OSError)):
        connect(dsn)
    server.stop()        # a second stop is harmless


def test_max_connections_must_leave_a_slot_for_the_learner():
    with pytest.raises(ValueError, match="reserves for superusers"):
        Postgres(max_connections=RESERVED_FOR_SUPERUSERS)


HANDLER = """
import os
from urllib.parse import urlsplit

import pg8000.native

URL = urlsplit(os.environ["DATABASE_URL"])
CONN = pg8000.native.Connection(URL.username, password=URL.password, host=URL.hostname,
                                port=URL.port, database=URL.path.lstrip("/"))   # in init


def handler(event, context):
    (total,), = CONN.run("SELECT CAST(:a AS int) + CAST(:b AS int)", a=event["a"], b=event["b"])
    (pid,), = CONN.run("SELECT pg_backend_pid()")
    return {"total": total, "pid": pid}
"""


def test_a_function_reaches_the_database_from_its_environment(db, lam, deploy):
    """The DSN goes to the function as an environment variable; the connection opened in init
    is reused by the next invocation of the same execution environment."""
    name = deploy(HANDLER, Environment={"Variables": db.env()}, Timeout=30)
    status, error, first, tail = invoke(lam, name, {"a": 2, "b": 3})
    assert (status, error) == (200, None), tail
    assert first["total"] == 5
    _, _, second, _ = invoke(lam, name, {"a": 40, "b": 2})
    assert second == {"total": 42, "pid": first["pid"]}
    assert db.active_connections() >= 1
