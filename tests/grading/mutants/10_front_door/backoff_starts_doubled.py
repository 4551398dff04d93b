"""Planted bug: the exponent counts from 1, so the first retry may wait up to 2 x base_s, every
wait twice what the backoff allows. Caught by: gives-up-with-jitter."""

REPLACE = [
    ("""\
        sleep(random.uniform(0, min(cap_s, base_s * 2 ** attempt)))
""",
     """\
        sleep(random.uniform(0, min(cap_s, base_s * 2 ** (attempt + 1))))
"""),
]
