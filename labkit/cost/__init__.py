"""labkit.cost: what serverless costs, computed from dated, sourced prices (lesson 07).

    from labkit import cost
    bill = cost.lambda_cost(requests=100_000, duration_ms=1000, memory_mb=128, free_tier=False)
    print(bill)              # one line per charge, with each price's source and date
    bill.total_usd           # 0.228...

Modules, one idea each:
  prices        the price table (every number, its source URL, the date it was checked)
  breakdown     CostBreakdown / LineItem: what every function returns
  lambda_model  Lambda on demand (requests, GB-s by architecture and tier, INIT, free
                tier) and provisioned concurrency
  services      API Gateway, SQS, SNS, DynamoDB, Step Functions, EventBridge,
                CloudWatch Logs, NAT Gateway
  report_lines  price what a function really ran, from its REPORT log lines
  breakeven     serverless vs a fixed-price server

All prices are modelled list prices (us-east-1), not a bill: taxes, data transfer out,
savings plans and the 12-month free tiers of new accounts are left out.
"""
from labkit.cost.breakdown import CostBreakdown, LineItem
from labkit.cost.breakeven import (Comparison, break_even_requests_per_day,
                                   serverless_monthly_cost, serverless_vs_vps)
from labkit.cost.lambda_model import (ARCHITECTURES, gb_seconds, lambda_cost, lambda_usage_cost,
                                      provisioned_cost)
from labkit.cost.prices import PRICE_TABLE, PRICES_CHECKED, Price
from labkit.cost.report_lines import (Report, Usage, cost_from_report_lines, parse_report,
                                      parse_reports, reports_frame, usage_from_reports)
from labkit.cost.services import (api_gateway_cost, cloudwatch_logs_cost, dynamodb_cost,
                                  dynamodb_request_units, eventbridge_cost, nat_gateway_cost,
                                  sns_cost, sqs_cost, step_functions_express_cost,
                                  step_functions_standard_cost)

__all__ = [
    "ARCHITECTURES", "PRICE_TABLE", "PRICES_CHECKED", "Comparison", "CostBreakdown", "LineItem",
    "Price", "Report", "Usage", "api_gateway_cost", "break_even_requests_per_day",
    "cloudwatch_logs_cost", "cost_from_report_lines", "dynamodb_cost", "dynamodb_request_units",
    "eventbridge_cost", "gb_seconds", "lambda_cost", "lambda_usage_cost", "nat_gateway_cost",
    "parse_report", "parse_reports", "provisioned_cost", "reports_frame",
    "serverless_monthly_cost", "serverless_vs_vps", "sns_cost", "sqs_cost",
    "step_functions_express_cost", "step_functions_standard_cost", "usage_from_reports",
]
