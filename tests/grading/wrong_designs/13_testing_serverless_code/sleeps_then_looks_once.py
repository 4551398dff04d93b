"""Wrong design: the end-to-end test sleeps a fixed 3 s ("the function takes a second") and
then looks once. On a stage that starts polling later, or a busy machine, nothing has happened
yet: the test fails on correct code. Caught by: end-to-end-test."""

REPLACE = [
    ("""eventually(lambda: messages_left(sqs, queue) == 0, timeout=90, what="the bookings queue to settle")""",
     """time.sleep(3)   # the function takes a second"""),
]
