"""Patches where moto differs from AWS. One file per AWS behaviour restored.

Every patch module defines:
  NAME        short id, used by LABKIT_DISABLE_PATCHES (comma-separated) to prove its test
              fails without it;
  AWS_BEHAVIOUR  the AWS documentation sentence it restores, with its source;
  apply(ctx)  installs the patch. ctx is the running EmbeddedServer (runtime, pollers, clock).
"""
from __future__ import annotations

import importlib
import os

# Order matters only where a patch builds on another; keep it explicit and readable.
PATCH_MODULES: list[str] = [
    "lambda_runtime",       # real Lambda execution (must stay first)
    "lambda_config",        # LoggingConfig / DeadLetterConfig kept
    "lambda_provisioned",   # provisioned concurrency API
    "dynamodb_atomic_writes",
    "dynamodb_transaction_tokens",
    "dynamodb_ttl",
    "events_targets",
    "cloudwatch_alarms",
    "cloudwatch_alarm_history",  # DescribeAlarmHistory (after cloudwatch_alarms)
    "cloudwatch_emf",
    "lambda_metrics",       # needs the lambda_runtime component
    "sqs_event_source",
    "sqs_flat_cost",
    "sqs_stale_receipts",
    "sqs_fifo_dedup_window",
    "sqs_fifo_order",
    "sqs_message_move_tasks",
    "sqs_metrics",
    "iam_managed_policies",
    "sqs_esm_visibility_timeout",  # refuse a queue visibility < function timeout
    "sns_lambda_event",     # real TopicArn/MessageId/MessageAttributes (after lambda_runtime)
    "logs_filter_patterns",  # FilterLogEvents / metric filters use the documented grammar
    "logs_insights",        # StartQuery / GetQueryResults / StopQuery run the query language
    # API Gateway: invoke URLs and what the gateway does before and after the function
    "apigateway_lambda_proxy",         # invoke URLs, Lambda proxy (after lambda_runtime)
    "apigateway_integration_timeout",
    "apigateway_throttling",
    "apigateway_authorizers",
    "apigateway_sqs_integration",
    "apigateway_metrics",
    # X-Ray: active tracing, the daemon, and the trace header across SQS, SNS and Invoke
    "xray_active_tracing",             # the daemon and Lambda's own segments (after lambda_runtime)
    "xray_trace_documents",
    "xray_sqs_trace_header",
    "xray_sns_trace_header",
    "xray_invoke_trace_header",
    "xray_otlp_endpoint",
    "moto_random_strings",  # request ids: the same draws, without a random.choice per character
]


def disabled_patches() -> set[str]:
    raw = os.environ.get("LABKIT_DISABLE_PATCHES", "")
    return {name.strip() for name in raw.split(",") if name.strip()}


def apply_all(ctx) -> list[str]:
    """Apply every patch not disabled; return the names applied."""
    skip = disabled_patches()
    applied = []
    for module_name in PATCH_MODULES:
        module = importlib.import_module(f"{__name__}.{module_name}")
        if module.NAME in skip:
            continue
        module.apply(ctx)
        applied.append(module.NAME)
    return applied
