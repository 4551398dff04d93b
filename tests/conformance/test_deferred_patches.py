"""Patches deferred to their service's first request (patches.DEFERRED_PATCH_MODULES): a backend
that never sees a CloudFormation call never pays for importing it, and one that does gets the
patches before moto answers that first call."""
from __future__ import annotations

import json
import urllib.request

import boto3
import pytest
from botocore.exceptions import ClientError

from labkit.emulator.patches import DEFERRED_PATCH_MODULES
from labkit.emulator.server import ServerProcess


def _patches(url: str) -> list[str]:
    with urllib.request.urlopen(url + "/_labkit/health", timeout=10) as resp:
        return json.loads(resp.read())["patches"]


def test_cloudformation_patches_wait_for_the_first_cloudformation_request():
    deferred = DEFERRED_PATCH_MODULES["cloudformation"]
    with ServerProcess() as server:
        client = lambda service: boto3.client(  # noqa: E731
            service, endpoint_url=server.url, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test")
        client("sqs").list_queues()
        assert not set(deferred) & set(_patches(server.url))
        # the very first call already gets a patched answer: a parameter outside its
        # AllowedValues is refused (cloudformation_parameter_constraints; moto alone accepts it)
        template = {"Parameters": {"Stage": {"Type": "String", "AllowedValues": ["dev", "prod"]}},
                    "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}
        with pytest.raises(ClientError, match="ValidationError"):
            client("cloudformation").create_stack(
                StackName="deferred", TemplateBody=json.dumps(template),
                Parameters=[{"ParameterKey": "Stage", "ParameterValue": "test"}])
        assert set(deferred) <= set(_patches(server.url))
