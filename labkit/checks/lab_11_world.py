"""Lab 11's world: one real PostgreSQL server per scenario, whose own log counts the connections
the learner's function opens and the ones it refuses, and bursts of synchronous invokes of that
function on the backend (labkit.lessons.data_layer_lesson.invoke_once: one row per request).

Connections are counted by the server, not by the function: with ``log_connections`` on,
PostgreSQL writes "connection authorized: user=app ..." for every connection it lets in, with the
backend's pid in the line prefix, and a FATAL line for every one it refuses for want of a slot
(SQLSTATE 53300; PostgreSQL documentation, "Error Reporting and Logging", log_connections). A
refusal of role ``app`` comes after its authorization, so opened = authorized pids less refused
pids.
"""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd

from labkit.checks.framework import Scenario
from labkit.lessons.data_layer_lesson import NO_RETRIES, ROW_COLUMNS, invoke_once
from labkit.lessons.polling import wait_until
from labkit.postgres import DATABASE, REFUSALS, ROLE, Postgres

_PID = re.compile(r"\[(\d+)\]")
SETTLE_S = 60.0     # a server-side change (a reload, terminated backends) lands, on a loaded machine


class Database:
    """One scenario's PostgreSQL, logging every connection."""

    def __init__(self, s: Scenario, max_connections: int):
        self.server = Postgres(max_connections=max_connections).start()
        s.on_cleanup(self.server.stop)
        self._held: dict[int, Any] = {}     # backend pid -> connection held by another client
        s.on_cleanup(self._let_go)
        admin = self.server.connect_admin()
        try:
            admin.run("ALTER SYSTEM SET log_connections = 'on'")
            admin.run("SELECT pg_reload_conf()")
        finally:
            admin.close()
        wait_until(self._logging_connections, timeout=SETTLE_S, interval=0.05,
                   what="PostgreSQL to log connections")

    def _logging_connections(self) -> bool:
        admin = self.server.connect_admin()     # a new session reads the reloaded setting
        try:
            return admin.run("SHOW log_connections")[0][0] in ("on", "all")
        finally:
            admin.close()

    @property
    def env(self) -> dict[str, str]:
        return self.server.env()

    # -- what the server saw -----------------------------------------------------------------
    def mark(self) -> int:
        """A place in the server's log: count from here."""
        return len(self._log())

    def _log(self) -> str:
        return self.server.log_path.read_text(errors="replace")

    def connections_since(self, mark: int) -> tuple[int, int]:
        """(connections of role app let in, connections refused) since ``mark``."""
        authorized, refused = set(), set()
        for line in self._log()[mark:].splitlines():
            pid = _PID.search(line)
            if pid is None:
                continue
            if f"connection authorized: user={ROLE} " in line:
                authorized.add(pid.group(1))
            elif any(r in line for r in REFUSALS):
                refused.add(pid.group(1))
        return len(authorized - refused), len(refused)

    # -- what the scenario does to the server ------------------------------------------------
    def hold(self, n: int) -> None:
        """Another client of the same role (a reporting job, say) holds ``n`` connections."""
        import pg8000.native

        for _ in range(n):
            conn = pg8000.native.Connection(ROLE, password=self.server.password,
                                            host="127.0.0.1", port=self.server.port,
                                            database=DATABASE, timeout=10)
            self._held[conn.run("SELECT pg_backend_pid()")[0][0]] = conn

    def _let_go(self) -> None:
        for conn in self._held.values():
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - the server may be gone already
                pass

    def fail_over(self) -> int:
        """End every connection of role app, as a failover or a restart does; returns how many
        were ended once the server shows none left (held ones are not the function's: only
        those of other processes are ended)."""
        admin = self.server.connect_admin()
        try:
            pids = [pid for (pid,) in admin.run(
                "SELECT pid FROM pg_stat_activity WHERE usename = :u", u=ROLE)
                if pid not in self._held]
            for pid in pids:
                admin.run("SELECT pg_terminate_backend(:p)", p=pid)
        finally:
            admin.close()
        wait_until(lambda: self.server.active_connections() <= len(self._held), timeout=SETTLE_S,
                   interval=0.05, what="the ended connections to go")
        return len(pids)


def lambda_client(s: Scenario):
    """A Lambda client that tries each call once: a throttle reaches the burst's client."""
    import boto3

    kwargs: dict[str, Any] = {"region_name": "us-east-1", "config": NO_RETRIES}
    if s.target.endpoint_url:
        kwargs.update(endpoint_url=s.target.endpoint_url, aws_access_key_id="test",
                      aws_secret_access_key="test")
    return boto3.session.Session().client("lambda", **kwargs)


def burst(s: Scenario, name: str, events: list[dict], clients: int,
          retry_throttles: bool = False, max_attempts: int = 60) -> pd.DataFrame:
    """The events sent by ``clients`` clients at once, each sending its next one when it has an
    answer; with ``retry_throttles``, a throttled request is sent again (backoff with jitter)
    until it is served or ``max_attempts`` calls were throttled."""
    lam = lambda_client(s)
    retry_on = ("throttled",) if retry_throttles else ()

    def one(i: int) -> dict:
        return {"i": i, **invoke_once(lam, name, events[i], retry_on, max_attempts=max_attempts)}

    with ThreadPoolExecutor(clients) as pool:
        return pd.DataFrame(list(pool.map(one, range(len(events)))), columns=ROW_COLUMNS)
