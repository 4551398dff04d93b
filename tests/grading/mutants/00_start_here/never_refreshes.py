"""Planted bug: the configuration is loaded once and kept for the environment's whole life.
Caught by: refreshes-config."""

REPLACE = [
    ("""\
    if time.time() - loaded_at > TTL_S:
        config, loaded_at = load_config(ssm), time.time()
""",
     ""),
]
