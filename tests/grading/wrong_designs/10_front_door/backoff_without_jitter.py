"""Wrong design: exponential backoff, capped, but without jitter: every client waits exactly
min(cap_s, base_s x 2^n). Clients throttled together come back together, at the same moments,
and are throttled together again. Caught by: gives-up-with-jitter."""

REPLACE = [
    ("""\
        sleep(random.uniform(0, min(cap_s, base_s * 2 ** attempt)))
""",
     """\
        sleep(min(cap_s, base_s * 2 ** attempt))
"""),
]
