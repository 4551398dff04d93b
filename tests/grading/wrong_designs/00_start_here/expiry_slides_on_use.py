"""Wrong design: the student mixes up the configuration's expiry with the idle reaping of the
lesson's widget: they remember when the configuration was last *used* and reload it only after
TTL_S without any request. A quiet function refreshes; a busy one, called more often than every
TTL_S, keeps serving the rates it loaded at its cold start for as long as the environment lives.
Caught by: refreshes-config."""

REPLACE = [
    ("""\
    if time.time() - loaded_at > TTL_S:
        config, loaded_at = load_config(ssm), time.time()
    return config
""",
     """\
    if time.time() - loaded_at > TTL_S:   # idle for longer than TTL_S: reload
        config = load_config(ssm)
    loaded_at = time.time()               # in use: still fresh
    return config
"""),
]
