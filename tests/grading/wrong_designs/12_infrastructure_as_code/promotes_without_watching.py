"""Wrong design: the release looks at its alarm once, right after shifting the weight, and
promotes: the alarm has not had a period with the new version's errors to evaluate yet, so a
bad release is promoted. Caught by: bad-release-stopped."""

REPLACE = [
    ("""\
    deadline = time.monotonic() + event["bake_s"]
    while time.monotonic() < deadline:
""", """\
    for _ in range(1):   # one look at the alarm
"""),
]
