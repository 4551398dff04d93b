"""Planted bug: rounds capacity / connections up, so one execution more than the slots allow.
Caught by: peak-within-limit."""
import boto3

lam = boto3.client("lambda")


def allowed_concurrency(capacity, connections_per_execution):
    """How many executions of the worker the downstream's connection slots can take."""
    return -(-capacity // connections_per_execution)  # round up


def configure(event, context):
    limit = allowed_concurrency(event["downstream_capacity"], event["connections_per_execution"])
    # task 2: reserved concurrency caps every caller of the worker, not only the mapping
    lam.put_function_concurrency(FunctionName=event["function_name"],
                                 ReservedConcurrentExecutions=limit)
    # tasks 1 and 3: the mapping at the limit (<= reserved, so its pollers are never throttled)
    mapping = lam.create_event_source_mapping(
        FunctionName=event["function_name"], EventSourceArn=event["queue_arn"], BatchSize=10,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        ScalingConfig={"MaximumConcurrency": limit})
    return {"mapping_uuid": mapping["UUID"]}
