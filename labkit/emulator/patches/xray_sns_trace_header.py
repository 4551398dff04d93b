"""SNS passes a traced publisher's X-Ray header on to the SQS queues it delivers to.

moto's Publish ignores the X-Amzn-Trace-Id header, so a message fanned out to a queue has
no AWSTraceHeader and its consumer starts a new trace. Around Publish and PublishBatch we
make the header known to the SQS sends moto does for the topic's sqs subscriptions (the
same mechanism as xray_sqs_trace_header, which must be applied too). SNS -> Lambda
deliveries are asynchronous invocations; carrying the header there is left to the
runtime's async queue (not done yet).
"""
from __future__ import annotations

NAME = "xray_sns_trace_header"
AWS_BEHAVIOUR = (
    "Amazon SNS propagates the X-Ray trace header of a Publish request to the Amazon SQS "
    "queues subscribed to the topic, so the trace continues through the queue (AWS X-Ray "
    "Developer Guide, 'Amazon SNS and AWS X-Ray')."
)


def apply(ctx) -> None:
    from moto.sns.responses import SNSResponse

    from labkit.emulator.patches.xray_sqs_trace_header import remembering_header

    SNSResponse.publish = remembering_header(SNSResponse.publish)
    SNSResponse.publish_batch = remembering_header(SNSResponse.publish_batch)
