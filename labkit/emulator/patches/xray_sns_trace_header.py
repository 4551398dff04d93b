"""SNS passes a traced publisher's X-Ray header on to the queues and functions it delivers to.

moto's Publish ignores the X-Amzn-Trace-Id header, so a message fanned out to a queue has
no AWSTraceHeader and its consumer starts a new trace. Around Publish and PublishBatch we
make the header known to the SQS sends moto does for the topic's sqs subscriptions (the
same mechanism as xray_sqs_trace_header, which must be applied too), and to the runtime's
asynchronous invocations of the topic's lambda subscribers (``dispatch(...,
trace_header=...)``, kept in the async queue), which continue the publisher's trace.
"""
from __future__ import annotations

from labkit.emulator.xray_trace_header import ServedTraceHeader

NAME = "xray_sns_trace_header"
AWS_BEHAVIOUR = (
    "Amazon SNS propagates the X-Ray trace header of a Publish request to the Amazon SQS "
    "queues and AWS Lambda functions subscribed to the topic, so the trace continues through "
    "the topic (AWS X-Ray Developer Guide, 'Amazon SNS and AWS X-Ray')."
)

_publish = ServedTraceHeader()     # the header of the Publish(Batch) being served


def apply(ctx) -> None:
    from moto.sns.responses import SNSResponse

    from labkit.emulator.patches.xray_sqs_trace_header import sending

    for action in ("publish", "publish_batch"):
        setattr(SNSResponse, action,
                _publish.noted_while(sending.noted_while(getattr(SNSResponse, action))))
    runtime = ctx.find_component("lambda-runtime")
    if runtime is None:
        return   # lambda_runtime disabled: no function runs, no trace to continue
    # moto delivers to a topic's lambda subscribers inside Publish, on this thread
    _publish.continued_by(runtime)
