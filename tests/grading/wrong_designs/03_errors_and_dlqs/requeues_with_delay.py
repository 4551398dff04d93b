"""Wrong design: "back off before retrying" - instead of reporting a transient failure (SQS then
retries it one visibility timeout later), the student sends the message back to the queue with
DelaySeconds growing with the attempt, and lets Lambda delete the original. The copy is a new
message: its ApproximateReceiveCount starts again at 1, so the redrive policy never sees a
message fail maxReceiveCount times. An order the payment API never accepts circulates for ever,
a billed invocation each time, and never reaches the DLQ or its alarm.
Caught by: poison-max-receives."""

REPLACE = [
    ("""\
        except Exception:
            failures.append({"itemIdentifier": record["messageId"]})   # retry this one only
""",
     """\
        except Exception:   # back off: the same message again, delayed, instead of a retry now
            queue = sqs.get_queue_url(QueueName=record["eventSourceARN"].split(":")[-1])["QueueUrl"]
            sqs.send_message(QueueUrl=queue, MessageBody=record["body"],
                             DelaySeconds=min(900, 2 ** attempt))
"""),
]
