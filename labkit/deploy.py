"""Deploy a Lambda function from source text, on any backend (plain boto3).

    from labkit.deploy import deploy_function
    arn = deploy_function(lambda_client, "hello", "def handler(event, context):\\n    return 1\\n")
    arn = deploy_function(lambda_client, "multi", {"app.py": "...", "lib/util.py": "..."},
                          Timeout=10, MemorySize=256, Environment={"Variables": {"A": "1"}})

Creates the function, or updates its code and configuration when it exists, and waits
until it is Active with its last update Successful. A single string is stored as app.py.
Without ``Role=`` an execution role "labkit-lambda-role" is created (or reused) through
IAM on the same endpoint.
"""
from __future__ import annotations

import io
import json
import time
import zipfile

DEFAULT_ROLE_NAME = "labkit-lambda-role"
DEFAULT_RUNTIME = "python3.11"
ROLE_PROPAGATION_S = 60
# What the kit's functions do with their execution role on AWS: write their logs to CloudWatch
# Logs, and let an SQS event source mapping poll for them (CreateEventSourceMapping is refused
# without sqs:ReceiveMessage, DeleteMessage and GetQueueAttributes on the role). These AWS
# managed policies grant exactly that ("Lambda execution role" and "Using Lambda with Amazon
# SQS", Lambda Developer Guide).
ROLE_POLICIES = ("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                 "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole")
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def zip_source(source: str | dict[str, str]) -> bytes:
    files = {"app.py": source} if isinstance(source, str) else source
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, text in sorted(files.items()):
            info = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))  # stable CodeSha256
            info.external_attr = 0o644 << 16
            zf.writestr(info, text)
    return buf.getvalue()


def ensure_role(lambda_client, role_name: str = DEFAULT_ROLE_NAME) -> str:
    import boto3

    kwargs = {}
    creds = getattr(lambda_client._request_signer, "_credentials", None)
    if creds is not None:  # reuse the Lambda client's credentials for IAM
        frozen = creds.get_frozen_credentials()
        kwargs = {"aws_access_key_id": frozen.access_key, "aws_secret_access_key": frozen.secret_key,
                  "aws_session_token": frozen.token}
    endpoint = lambda_client.meta.endpoint_url
    if ".amazonaws.com" in endpoint:
        endpoint = None  # real AWS: IAM has its own global endpoint
    iam = boto3.client("iam", endpoint_url=endpoint, region_name=lambda_client.meta.region_name,
                       **kwargs)
    try:
        return iam.get_role(RoleName=role_name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        pass
    try:
        arn = iam.create_role(RoleName=role_name,
                              AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:  # a parallel deploy created it first
        return iam.get_role(RoleName=role_name)["Role"]["Arn"]
    for policy in ROLE_POLICIES:
        iam.attach_role_policy(RoleName=role_name, PolicyArn=policy)
    return arn


def deploy_function(lambda_client, name: str, source: str | dict[str, str],
                    handler: str = "app.handler", **config) -> str:
    """Create or update function ``name``; return its ARN once Active."""
    code = zip_source(source)
    config.setdefault("Runtime", DEFAULT_RUNTIME)
    if "Role" not in config:
        config["Role"] = ensure_role(lambda_client)
    try:
        lambda_client.get_function(FunctionName=name)
        exists = True
    except lambda_client.exceptions.ResourceNotFoundException:
        exists = False
    if exists:
        lambda_client.update_function_code(FunctionName=name, ZipFile=code)
        _wait_updated(lambda_client, name)
        arn = lambda_client.update_function_configuration(
            FunctionName=name, Handler=handler, **config)["FunctionArn"]
    else:
        arn = _create(lambda_client, dict(FunctionName=name, Handler=handler,
                                          Code={"ZipFile": code}, **config))
    _wait_updated(lambda_client, name)
    return arn


def _create(lambda_client, request: dict, patience_s: float = ROLE_PROPAGATION_S) -> str:
    """CreateFunction, again while Lambda cannot yet assume a role just created: IAM changes
    are eventually consistent ("Changes that I make are not always immediately visible", IAM
    User Guide, Troubleshooting IAM), and Lambda answers InvalidParameterValueException "The
    role defined for the function cannot be assumed by Lambda" meanwhile."""
    deadline = time.monotonic() + patience_s
    while True:
        try:
            return lambda_client.create_function(**request)["FunctionArn"]
        except lambda_client.exceptions.InvalidParameterValueException as error:
            if "cannot be assumed" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(2)


def _wait_updated(lambda_client, name: str, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        conf = lambda_client.get_function_configuration(FunctionName=name)
        state, update = conf.get("State", "Active"), conf.get("LastUpdateStatus", "Successful")
        if state == "Active" and update in ("Successful", None):
            return
        if state == "Failed" or update == "Failed":
            raise RuntimeError(f"function {name} failed to deploy: {conf.get('StateReason') or conf.get('LastUpdateStatusReason')}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"function {name} still {state}/{update} after {timeout:.0f}s")
        time.sleep(1.0)
