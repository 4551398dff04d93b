"""Planted bug (in the learner's tests): the end-to-end test checks the table and the
notifications but not the dead-letter queue, so a stage without partial batch responses, which
loses the bad booking instead of parking it, passes. Caught by: end-to-end-test."""

REPLACE = [
    ("""\
        parked = [b["booking_id"] for b in drain(sqs, dead_letters)]
        assert parked == [bad["booking_id"]], f"parked: {parked}, expected only the bad one"
""", ""),
]
