"""AWS managed policies exist in every account (patch: iam_managed_policies)."""
import json
import uuid


def test_lambda_basic_execution_role_policy_can_be_attached(aws):
    """AWS: "AWS managed policies are created and administered by AWS" and exist in every
    account; the Lambda Developer Guide tells you to attach
    arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole to an execution role."""
    iam = aws("iam")
    role = f"exec-{uuid.uuid4().hex[:8]}"
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Service": "lambda.amazonaws.com"}}]}
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))
    arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [arn]
