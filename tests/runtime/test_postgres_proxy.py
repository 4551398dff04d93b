"""labkit.postgres_proxy: at most pool_size server connections, the rest queue, late ones refused."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pg8000.native
import pytest

from labkit.lessons.polling import wait_until
from labkit.postgres import ROLE, DATABASE, Postgres
from labkit.postgres_proxy import PoolingProxy, error_response


@pytest.fixture(scope="module")
def db(learner_user_can_run_python):
    server = Postgres(max_connections=6).start()     # learner_limit 3
    try:
        yield server
    finally:
        server.stop()


def through(proxy: PoolingProxy, db: Postgres) -> pg8000.native.Connection:
    return pg8000.native.Connection(ROLE, password=db.password, host="127.0.0.1", port=proxy.port,
                                    database=DATABASE, timeout=10)


def session(proxy, db, hold_s: float) -> str:
    try:
        conn = through(proxy, db)
    except pg8000.exceptions.DatabaseError as error:
        return error.args[0]["C"]
    try:
        conn.run("SELECT pg_sleep(CAST(:s AS float))", s=hold_s)
        return "ok"
    finally:
        conn.close()


def test_a_query_goes_through_the_proxy(db):
    proxy = PoolingProxy(db.port, pool_size=2).start()
    try:
        conn = through(proxy, db)
        assert conn.run("SELECT current_user, 40 + 2") == [["app", 42]]
        conn.close()
        assert proxy.stats()["served"] == 1
    finally:
        proxy.stop()


def test_more_clients_than_the_server_allows_queue_instead_of_being_refused(db):
    """8 sessions at once against learner_limit 3: through a pool of 3 none is refused by the
    server (which refuses a 4th session of role app: test_postgres), and at most 3 are lent at
    once. (No watcher polls pg_stat_activity meanwhile: an admin connection takes a free slot.)"""
    refused_before = db.refused_connections()
    proxy = PoolingProxy(db.port, pool_size=db.learner_limit, borrow_timeout_s=10).start()
    try:
        with ThreadPoolExecutor(8) as pool:
            outcomes = list(pool.map(lambda _: session(proxy, db, 0.3), range(8)))
    finally:
        proxy.stop()
    assert outcomes == ["ok"] * 8
    assert db.refused_connections() == refused_before
    stats = proxy.stats()
    assert stats["served"] == 8 and stats["peak_lent"] == db.learner_limit
    assert stats["waited"] >= 1 and stats["refused"] == 0


def test_a_client_waiting_past_the_borrow_timeout_is_refused_with_53300(db):
    proxy = PoolingProxy(db.port, pool_size=1, borrow_timeout_s=0.3).start()
    try:
        holder = through(proxy, db)               # takes the only slot
        began = time.monotonic()
        assert session(proxy, db, 0) == "53300"   # not a hang: the client gives up after 10 s
        assert time.monotonic() - began > 0.25      # refused once the borrow timeout passed
        holder.close()
        assert session(proxy, db, 0) == "ok"      # the slot came back when the holder left
        assert proxy.stats()["refused"] == 1
    finally:
        proxy.stop()


def test_the_error_message_is_a_wellformed_postgres_error_response():
    message = error_response("no slot")
    assert message[:1] == b"E" and int.from_bytes(message[1:5], "big") == len(message) - 1
    assert b"C53300\0" in message and b"Mno slot\0" in message and message.endswith(b"\0\0")


def test_pool_size_must_be_positive():
    with pytest.raises(ValueError):
        PoolingProxy(5432, pool_size=0)


def test_stopping_while_clients_connect_leaves_no_task_pending(caplog):
    """Clients connecting while the proxy stops start tasks the first cancellation round never
    saw; stop() must finish those too, or the closed loop drops them pending and the kernel
    later prints "Task was destroyed but it is pending!" into the learner's notebook."""
    import gc
    import socket
    import sys
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    held, unraisable = [], []

    def accept():
        while True:
            try:
                held.append(server.accept()[0])    # keep every session open, as a slow query
            except OSError:
                return
    threading.Thread(target=accept, daemon=True).start()
    hook, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        for _ in range(5):
            proxy = PoolingProxy(server.getsockname()[1], pool_size=50).start()
            stop_connecting = threading.Event()

            def connect_until_stopped(port=proxy.port):
                while not stop_connecting.is_set():
                    try:
                        held.append(socket.create_connection(("127.0.0.1", port), timeout=1))
                    except OSError:
                        return
            clients = [threading.Thread(target=connect_until_stopped) for _ in range(4)]
            for client in clients:
                client.start()
            # stop while clients are connecting: once the proxy has served some
            wait_until(lambda: proxy.stats()["served"] >= 4, 10, interval=0.01,
                       what="clients to connect")
            proxy.stop()
            stop_connecting.set()
            for client in clients:
                client.join()
            del proxy
            gc.collect()
    finally:
        sys.unraisablehook = hook
        server.close()
        for sock in held:
            sock.close()
    assert not unraisable, [u.exc_value for u in unraisable]
    assert "destroyed but it is pending" not in caplog.text
    assert "Exception in callback" not in caplog.text


def test_a_client_task_is_not_collected_while_the_server_closes(caplog):
    """A client that has hung up its sending side (PostgreSQL drivers send Terminate and close)
    leaves its transport out of the event loop's selector, and asyncio's streams hold their
    reader weakly: a task waiting for the server to close its side was reachable from nothing
    and the garbage collector destroyed it, pending ("Task was destroyed but it is pending!",
    printed into lesson 11 in JupyterLab). The proxy must hold its client tasks itself."""
    import gc
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    saw_eof, closing_late = threading.Event(), threading.Event()

    def serve_one():
        conn, _ = server.accept()
        while conn.recv(65536):          # until the proxy passes on the client's EOF
            pass
        saw_eof.set()
        closing_late.wait(10)            # a backend that takes its time to exit
        conn.close()
    threading.Thread(target=serve_one, daemon=True).start()
    proxy = PoolingProxy(server.getsockname()[1], pool_size=1).start()
    try:
        client = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
        client.sendall(b"X" * 100)
        client.shutdown(socket.SHUT_WR)
        assert saw_eof.wait(10), "the proxy did not pass the client's EOF on"
        gc.collect()
        closing_late.set()
        assert client.recv(10) == b""    # the proxy closed the client once the server had
        client.close()
    finally:
        proxy.stop()
        server.close()
    assert "destroyed but it is pending" not in caplog.text
