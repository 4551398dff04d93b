"""Force the next invocation of a function to cold-start, on any backend.

Lambda creates an execution environment "with the memory, runtime, and configuration
specified" (AWS Lambda Operator Guide, "Lambda execution environments"), so after
UpdateFunctionConfiguration the next invocations run in fresh environments. Changing a
throw-away environment variable is therefore the portable way to get a cold start on AWS,
LocalStack and the embedded backend alike, with plain boto3 (no emulator back door).
"""
from __future__ import annotations

import uuid

NONCE_VARIABLE = "LABKIT_COLD_START_NONCE"


def force_cold_start(lambda_client, function_name: str) -> str:
    """Change a harmless environment variable and wait until the update is live.

    Returns the new nonce (handy to show in a lesson). The function's other environment
    variables are kept."""
    config = lambda_client.get_function_configuration(FunctionName=function_name)
    variables = dict(config.get("Environment", {}).get("Variables", {}))
    variables[NONCE_VARIABLE] = nonce = uuid.uuid4().hex[:8]
    lambda_client.update_function_configuration(
        FunctionName=function_name, Environment={"Variables": variables})
    lambda_client.get_waiter("function_updated_v2").wait(
        FunctionName=function_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return nonce
