"""Wrong design: the student read AWS's partial batch response example, which stops at the first
failure and returns that message and every one after it in batchItemFailures, and follows it:
on a BadOrder the loop breaks and the rest of the batch is reported as failed, unprocessed. That
advice is for FIFO queues, where order must be kept. On a standard queue the good orders behind a
bad one are sent back for nothing: processed late, received again and again, and, when a bad
order keeps landing in front of them, dead-lettered with it after maxReceiveCount receives
without ever being processed.
Caught by: reports-failures."""

REPLACE = [
    ("""\
    failures = []          # local: a global would leak one batch's failures into the next
    for record in event["Records"]:
        try:
            process(json.loads(record["body"]))
        except BadOrder:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
""",
     """\
    failures = []
    for position, record in enumerate(event["Records"]):
        try:
            process(json.loads(record["body"]))
        except BadOrder:   # stop here: this message and all after it go back, in order
            failures = [{"itemIdentifier": r["messageId"]} for r in event["Records"][position:]]
            break
    return {"batchItemFailures": failures}
"""),
]
