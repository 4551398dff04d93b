"""An SQS event source mapping needs a queue visibility timeout >= the function timeout.

Otherwise a batch still being processed would become visible again and be delivered a
second time while the first invocation runs. The Lambda API refuses such a mapping; moto
accepts it.
"""
from __future__ import annotations

NAME = "sqs_esm_visibility_timeout"
AWS_BEHAVIOUR = (
    "CreateEventSourceMapping for an SQS queue whose visibility timeout is shorter than the "
    "function timeout fails with InvalidParameterValueException \"Queue visibility timeout: "
    "30 seconds is less than Function timeout: 60 seconds\" (Lambda API error as reported by "
    "users, e.g. github.com/winglang/wing/issues/1507, hashicorp/terraform-provider-aws#18099; "
    "Lambda Developer Guide 'Using Lambda with Amazon SQS': set the visibility timeout to at "
    "least the function timeout, ideally six times it)."
)


def apply(ctx) -> None:
    from moto.awslambda.models import LambdaBackend

    moto_create = LambdaBackend.create_event_source_mapping

    def create_event_source_mapping(self, spec):
        _check(self, spec.get("FunctionName") or "", spec.get("EventSourceArn") or "")
        return moto_create(self, spec)

    LambdaBackend.create_event_source_mapping = create_event_source_mapping


def _check(backend, function_name: str, arn: str) -> None:
    from moto.awslambda.exceptions import InvalidParameterValueException
    from moto.sqs.models import sqs_backends

    parts = arn.split(":")
    if parts[2:3] != ["sqs"] or len(parts) != 6 or not function_name:
        return
    queue = sqs_backends[parts[4]][parts[3]].queues.get(parts[5])
    try:
        fn = backend._lambdas.get_function_by_name_or_arn_with_qualifier(function_name)
    except Exception:
        return  # moto answers a missing function with its own error
    if queue is None:
        return
    visibility, timeout = int(queue.visibility_timeout), int(fn.timeout)
    if visibility < timeout:
        raise InvalidParameterValueException(
            f"Queue visibility timeout: {visibility} seconds is less than Function timeout: "
            f"{timeout} seconds")
