"""Planted bug: caps the function with reserved concurrency but leaves the mapping unlimited: the
pollers outrun the reservation, and every throttled batch waits out its visibility timeout.
Caught by: drained-in-time."""
import boto3

lam = boto3.client("lambda")


def allowed_concurrency(capacity, connections_per_execution):
    """How many executions of the worker the downstream's connection slots can take."""
    return capacity // connections_per_execution      # whole executions: round down, never up


def configure(event, context):
    limit = allowed_concurrency(event["downstream_capacity"], event["connections_per_execution"])
    # task 2: reserved concurrency caps every caller of the worker, not only the mapping
    lam.put_function_concurrency(FunctionName=event["function_name"],
                                 ReservedConcurrentExecutions=limit)
    # the mapping: no ScalingConfig, the reservation alone is meant to cap it
    mapping = lam.create_event_source_mapping(
        FunctionName=event["function_name"], EventSourceArn=event["queue_arn"], BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"])
    return {"mapping_uuid": mapping["UUID"]}
