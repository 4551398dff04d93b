"""Wrong design: the handler closes its connection at the end of every invocation, to leave
nothing open between requests ("tidy"); connection() sees it closed and opens a new one. Every
invocation pays a connect, and a burst asks for a connection per request. Caught by:
one-connection-per-environment."""

REPLACE = [
    ("""\
    conn = connection()
    (pid,), = conn.run("SELECT pg_backend_pid()")
    conn.run("SELECT pg_sleep(:s)", s=float(event.get("report_s", 0)))
    return {"pid": pid, "env": ENV, "customer": event.get("customer")}
""",
     """\
    conn = connection()
    try:
        (pid,), = conn.run("SELECT pg_backend_pid()")
        conn.run("SELECT pg_sleep(:s)", s=float(event.get("report_s", 0)))
        return {"pid": pid, "env": ENV, "customer": event.get("customer")}
    finally:
        conn.close()
"""),
]
