"""Wrong design: the student copies the numbers that worked in the lesson's demo
(MaximumConcurrency = 4) for both the mapping and the reserved concurrency, instead of deriving
the limit from the event. Whenever the downstream can take fewer than four executions, the
worker runs more at once than the downstream has connection slots for, and it refuses them.
Caught by: peak-within-limit."""

REPLACE = [
    ("""\
    return capacity // connections_per_execution      # whole executions: round down, never up
""",
     """\
    return 4                                          # the lesson's MaximumConcurrency: it worked
"""),
]
