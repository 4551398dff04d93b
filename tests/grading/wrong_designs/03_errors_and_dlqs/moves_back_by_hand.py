"""Wrong design: the student redrives the way older tutorials do, by hand: after deploying the
fix (as asked) they receive from the DLQ, send each message to the orders queue and delete it.
ReceiveMessage returns at most MaxNumberOfMessages messages, 1 when it is not given, so one
parked order goes back and the others stay in the DLQ (on AWS a short poll may also return none
at all while the queue holds messages). StartMessageMoveTask moves every message of the DLQ.
Caught by: redrive-reprocesses."""

REPLACE = [
    ("""\
    return sqs.start_message_move_task(SourceArn=event["dlq_arn"],
                                       DestinationArn=event["source_arn"])["TaskHandle"]
""",
     """\
    dlq_url = sqs.get_queue_url(QueueName=event["dlq_arn"].split(":")[-1])["QueueUrl"]
    source_url = sqs.get_queue_url(QueueName=event["source_arn"].split(":")[-1])["QueueUrl"]
    moved = 0
    for message in sqs.receive_message(QueueUrl=dlq_url).get("Messages", []):   # move them back
        sqs.send_message(QueueUrl=source_url, MessageBody=message["Body"])
        sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
        moved += 1
    return moved
"""),
]
