"""TemplateURL may point at the template in S3 through this endpoint (path-style URL).

`sam deploy` and `aws cloudformation deploy` (for templates over 51,200 bytes) upload the
template to S3 and pass its URL, built from the S3 endpoint they use: here
http://127.0.0.1:4566/BUCKET/KEY. moto reads only amazonaws.com URLs (or "localhost"), and
takes "127" for the bucket.
"""
from __future__ import annotations

from urllib.parse import unquote, urlparse

NAME = "cloudformation_template_url"
AWS_BEHAVIOUR = (
    "TemplateURL: the URL of a file that contains the template body; the URL must point to a "
    "template located in an Amazon S3 bucket (AWS CloudFormation API Reference: "
    "CreateStack, CreateChangeSet, UpdateStack) - in path-style (https://s3.REGION."
    "amazonaws.com/BUCKET/KEY, or the S3 endpoint's own address) or virtual-hosted-style "
    "(https://BUCKET.s3.REGION.amazonaws.com/KEY) form (Amazon S3 User Guide: 'Virtual "
    "hosting of buckets', path-style requests)."
)


def apply(ctx) -> None:
    from moto.cloudformation import models, responses
    from moto.cloudformation import utils as cfn_utils

    moto_read = cfn_utils.get_stack_from_s3_url

    def get_stack_from_s3_url(template_url: str, account_id: str, partition: str) -> str:
        parts = urlparse(template_url)
        host = parts.hostname or ""
        if host.endswith("amazonaws.com") or ".s3." in host:
            return moto_read(template_url, account_id, partition)
        from moto.s3.models import s3_backends

        bucket, key = unquote(parts.path).lstrip("/").split("/", 1)
        return s3_backends[account_id][partition].get_object(bucket, key).value.decode("utf-8")

    for module in (cfn_utils, models, responses):
        module.get_stack_from_s3_url = get_stack_from_s3_url
