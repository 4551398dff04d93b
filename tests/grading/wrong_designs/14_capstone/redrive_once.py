"""Wrong design: "a message that failed once is poison": maxReceiveCount 1, so SQS parks every
message of a batch that crashed right after a charge, valid orders included, and the orders
the payments API failed more than a few times. Processed + parked still adds up to sent, but
valid orders sit in the DLQ.
Caught by: every-order-accounted."""

REPLACE = [
    ("""\
            "max_receive_count": 5,
""",
     """\
            "max_receive_count": 1,
"""),
]
