"""Wrong design: "retry with exponential backoff" - the student wraps process(order) in a retry
loop (three tries, a short sleep between them) and reports the message in batchItemFailures only
when the last try fails too, as a retry decorator would. The handler answers as asked, but every
receive now makes three attempts: the queue's maxReceiveCount no longer bounds how often a bad
order is attempted (a maxReceiveCount of 2 means 6 attempts, each with its side effects and its
billed time), and a batch with a few bad orders spends its function timeout sleeping.
Caught by: mixed-batches."""

REPLACE = [
    ("""\
import json
import os
""",
     """\
import json
import os
import time
"""),
    ("""\
        try:
            process(json.loads(record["body"]))
        except BadOrder:
            failures.append({"itemIdentifier": record["messageId"]})
""",
     """\
        for attempt in range(3):   # retry with backoff before giving the order up
            try:
                process(json.loads(record["body"]))
                break
            except BadOrder:
                if attempt == 2:
                    failures.append({"itemIdentifier": record["messageId"]})
                else:
                    time.sleep(0.1 * 2 ** attempt)
"""),
]
