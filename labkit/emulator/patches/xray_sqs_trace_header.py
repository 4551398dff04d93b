"""SQS keeps a traced sender's X-Ray header as the message's AWSTraceHeader.

moto stores MessageSystemAttributes.AWSTraceHeader when SendMessage names it, but ignores
the X-Amzn-Trace-Id HTTP header that an instrumented AWS SDK (X-Ray SDK, Powertools
Tracer) sends, so the trace stops at the queue. We take the header of SendMessage and
SendMessageBatch as every message's AWSTraceHeader unless the message names its own (the
system attribute wins, as AWS documents). The SQS event source mapping passes it to the
function in the record's attributes and continues the trace (pollers/sqs_event_source.py).
"""
from __future__ import annotations

import functools

from labkit.emulator.xray_trace_header import ServedTraceHeader

NAME = "xray_sqs_trace_header"
AWS_BEHAVIOUR = (
    "The X-Ray trace header of a SendMessage or SendMessageBatch call (X-Amzn-Trace-Id) "
    "is carried with the messages as the AWSTraceHeader message system attribute; if both "
    "are set, the message system attribute overrides the HTTP trace header (AWS X-Ray "
    "Developer Guide, 'Amazon SQS and AWS X-Ray')."
)

# the header of the SendMessage(Batch) being served, or of an SNS Publish that sends to queues
# (xray_sns_trace_header)
sending = ServedTraceHeader()


def with_trace_header(system_attributes: dict | None, header: str | None) -> dict | None:
    """The message's system attributes with the request's header as AWSTraceHeader."""
    if not header or (system_attributes or {}).get("AWSTraceHeader"):
        return system_attributes
    return {**(system_attributes or {}),
            "AWSTraceHeader": {"DataType": "String", "StringValue": header}}


def apply(ctx) -> None:
    from moto.sqs.models import SQSBackend
    from moto.sqs.responses import SQSResponse

    moto_send = SQSBackend.send_message

    @functools.wraps(moto_send)
    def send_message(self, queue_name, message_body, *args, system_attributes=None, **kwargs):
        system_attributes = with_trace_header(system_attributes, sending.value)
        return moto_send(self, queue_name, message_body, *args,
                         system_attributes=system_attributes, **kwargs)

    SQSResponse.send_message = sending.noted_while(SQSResponse.send_message)
    SQSResponse.send_message_batch = sending.noted_while(SQSResponse.send_message_batch)
    SQSBackend.send_message = send_message
