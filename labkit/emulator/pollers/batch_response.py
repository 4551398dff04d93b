"""Which messages of a batch failed, from the function's result (AWS's rules).

AWS Lambda Developer Guide, "Handling errors for an SQS event source" (partial batch
responses): with FunctionResponseTypes=["ReportBatchItemFailures"] the
handler returns {"batchItemFailures": [{"itemIdentifier": messageId}]} and only those
messages return to the queue. An empty or null batchItemFailures list, an empty or null
response = complete success. An invalid JSON response, an empty or null itemIdentifier,
or an itemIdentifier that is not a message of the batch = complete failure. A raised
error = complete failure. Without ReportBatchItemFailures the response is ignored.
"""
from __future__ import annotations

import json
from typing import Iterable


def failed_message_ids(payload: bytes, function_error: str | None, batch_ids: Iterable[str],
                       report_item_failures: bool) -> set[str]:
    """The message ids that must stay on the queue (all of them when the batch failed)."""
    batch = list(batch_ids)
    if function_error:
        return set(batch)
    if not report_item_failures:
        return set()
    try:
        response = json.loads(payload) if payload and payload.strip() else None
    except ValueError:
        return set(batch)
    if response is None:
        return set()
    if not isinstance(response, dict):
        return set(batch)
    failures = response.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return set(batch)
    failed: set[str] = set()
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not identifier or identifier not in batch:
            return set(batch)
        failed.add(identifier)
    return failed
