"""Planted bug: caps the mapping only, so a replay job invoking the worker directly adds executions
on top of MaximumConcurrency. Caught by: no-overload-errors."""
import boto3

lam = boto3.client("lambda")


def allowed_concurrency(capacity, connections_per_execution):
    """How many executions of the worker the downstream's connection slots can take."""
    return capacity // connections_per_execution      # whole executions: round down, never up


def configure(event, context):
    limit = allowed_concurrency(event["downstream_capacity"], event["connections_per_execution"])
    # tasks 1 and 3: the mapping at the limit (<= reserved, so its pollers are never throttled)
    mapping = lam.create_event_source_mapping(
        FunctionName=event["function_name"], EventSourceArn=event["queue_arn"], BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        ScalingConfig={"MaximumConcurrency": limit})
    return {"mapping_uuid": mapping["UUID"]}
