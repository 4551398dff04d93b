"""An AWS SAM template deploys as a stack through a change set, and what it declares runs
(patches cloudformation_sam_transform, cloudformation_change_set_outputs)."""
from __future__ import annotations

import io
import json
import zipfile

from labkit.lessons.polling import wait_until
from tests.conformance.test_cloudformation_deploying import (
    SAM_NO_OP, changes, create_change_set, deploy, invoke, outputs, physical_ids, settled,
    unique,
)

SAM_APP = """
Transform: AWS::Serverless-2016-10-31
Description: orders pipeline
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
Resources:
  DeadLetters:
    Type: AWS::SQS::Queue
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 30
      RedrivePolicy: {deadLetterTargetArn: !GetAtt DeadLetters.Arn, maxReceiveCount: 3}
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Timeout: 10
      Policies: [AWSLambdaBasicExecutionRole, {DynamoDBCrudPolicy: {TableName: !Ref Table}}]
      Environment: {Variables: {TABLE: !Ref Table, STAGE: !Ref Stage}}
      InlineCode: |
        import os, boto3
        def handler(event, context):
            table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
            for record in event.get("Records", []):
                table.put_item(Item={"pk": record["body"]})
            return {"answer": 42, "stage": os.environ["STAGE"]}
      Events:
        FromOrders: {Type: SQS, Properties: {Queue: !GetAtt Orders.Arn, BatchSize: 5}}
Outputs:
  WorkerName: {Value: !Ref Worker, Export: {Name: !Sub "${AWS::StackName}-worker"}}
  OrdersUrl: {Value: !Ref Orders}
"""


def test_sam_template_deploys_through_a_change_set_and_its_function_runs(aws):
    """AWS CloudFormation User Guide, 'AWS::Serverless transform': the transform takes an
    entire template written in the AWS SAM syntax and expands it into a compliant
    CloudFormation template, processed when you create a change set; an
    AWS::Serverless::Function becomes an AWS::Lambda::Function with an execution role
    (AWS::IAM::Role) and, for an SQS event, an AWS::Lambda::EventSourceMapping. A message
    sent to the queue reaches the function ('Using Lambda with Amazon SQS')."""
    cf, lam, sqs, ddb = aws("cloudformation"), aws("lambda"), aws("sqs"), aws("dynamodb")
    stack = unique("sam-app")
    change_set = create_change_set(cf, stack, SAM_APP, kind="CREATE")
    planned = changes(change_set)
    assert {name: c["ResourceType"] for name, c in planned.items()} == {
        "DeadLetters": "AWS::SQS::Queue", "Orders": "AWS::SQS::Queue",
        "Table": "AWS::DynamoDB::Table", "Worker": "AWS::Lambda::Function",
        "WorkerRole": "AWS::IAM::Role",
        "WorkerFromOrders": "AWS::Lambda::EventSourceMapping"}
    assert {c["Action"] for c in planned.values()} == {"Add"}

    cf.execute_change_set(ChangeSetName=change_set["ChangeSetId"])
    created = settled(cf, stack)
    assert created["StackStatus"] == "CREATE_COMPLETE"
    worker = outputs(created)["WorkerName"]
    assert worker == physical_ids(cf, stack)["Worker"]
    assert invoke(lam, worker) == {"answer": 42, "stage": "dev"}

    orders = outputs(created)["OrdersUrl"]
    redrive = json.loads(sqs.get_queue_attributes(QueueUrl=orders, AttributeNames=["All"])[
        "Attributes"]["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(":" + physical_ids(cf, stack)[
        "DeadLetters"].rsplit("/", 1)[-1])
    sqs.send_message(QueueUrl=orders, MessageBody="order-1")
    table = physical_ids(cf, stack)["Table"]
    wait_until(lambda: ddb.get_item(TableName=table, Key={"pk": {"S": "order-1"}}).get("Item"),
               timeout=60, interval=0.5, what="the function to store the queued order")
    cf.delete_stack(StackName=stack)


def test_outputs_exports_and_templates_of_a_sam_stack(aws):
    """AWS CloudFormation User Guide, 'Outputs syntax': an output with Export can be imported
    by other stacks (ListExports lists it); API Reference, GetTemplate: TemplateStage
    Original (the default) returns the template as submitted, Processed the template after
    transforms."""
    cf, stack = aws("cloudformation"), unique("sam-out")
    created = deploy(cf, stack, SAM_APP, params={"Stage": "prod"})
    exports = {e["Name"]: e["Value"] for e in cf.list_exports()["Exports"]}
    assert exports[f"{stack}-worker"] == outputs(created)["WorkerName"]
    assert created["Description"] == "orders pipeline"
    original = cf.get_template(StackName=stack)["TemplateBody"]
    assert "AWS::Serverless::Function" in str(original)
    processed = cf.get_template(StackName=stack, TemplateStage="Processed")["TemplateBody"]
    assert processed["Resources"]["Worker"]["Type"] == "AWS::Lambda::Function"
    cf.delete_stack(StackName=stack)
    assert f"{stack}-worker" not in {e["Name"] for e in cf.list_exports()["Exports"]}


def test_sam_function_code_from_s3_runs(aws):
    """AWS SAM Developer Guide, AWS::Serverless::Function CodeUri: an Amazon S3 URI
    (s3://bucket/key) of the deployment package, as `sam package` / `aws cloudformation
    package` upload it; it becomes Code.S3Bucket / Code.S3Key of the function."""
    cf, lam, s3 = aws("cloudformation"), aws("lambda"), aws("s3")
    bucket, stack = unique("artifacts"), unique("sam-s3")
    s3.create_bucket(Bucket=bucket)
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {'from': 's3'}\n")
    s3.put_object(Bucket=bucket, Key="app.zip", Body=package.getvalue())
    template = f"""
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {{Runtime: python3.12, Handler: app.handler, CodeUri: s3://{bucket}/app.zip}}
Outputs:
  Fn: {{Value: !Ref Fn}}
"""
    created = deploy(cf, stack, template)
    assert invoke(lam, outputs(created)["Fn"]) == {"from": "s3"}
    cf.delete_stack(StackName=stack)


def test_deleting_the_stack_deletes_its_resources(aws):
    """AWS CloudFormation User Guide, 'Delete a stack': deleting a stack deletes all of its
    resources (except those with DeletionPolicy Retain); the stack ends DELETE_COMPLETE."""
    cf, lam, sqs = aws("cloudformation"), aws("lambda"), aws("sqs")
    stack = unique("sam-del")
    created = deploy(cf, stack, SAM_APP)
    worker, orders = outputs(created)["WorkerName"], outputs(created)["OrdersUrl"]
    cf.delete_stack(StackName=stack)
    gone = cf.describe_stacks(StackName=created["StackId"])["Stacks"][0]
    assert gone["StackStatus"] == "DELETE_COMPLETE"
    assert worker not in {f["FunctionName"] for f in lam.list_functions()["Functions"]}
    assert orders not in sqs.list_queues().get("QueueUrls", [])


SCHEDULED = SAM_NO_OP + """      Events:
        Hourly: {Type: Schedule, Properties: {Schedule: rate(1 hour)}}
        Orders: {Type: EventBridgeRule, Properties: {Pattern: {source: [shop.orders]}}}
"""


def test_sam_event_rules_target_the_function(aws):
    """AWS SAM Developer Guide, AWS::Serverless::Function EventSource types Schedule and
    EventBridgeRule: each becomes an AWS::Events::Rule (ScheduleExpression or EventPattern)
    whose target is the function, with an AWS::Lambda::Permission letting
    events.amazonaws.com invoke it."""
    cf, events, lam = aws("cloudformation"), aws("events"), aws("lambda")
    stack = unique("sam-rules")
    assert deploy(cf, stack, SCHEDULED)["StackStatus"] == "CREATE_COMPLETE"
    ids = physical_ids(cf, stack)
    fn_arn = lam.get_function(FunctionName=ids["Fn"])["Configuration"]["FunctionArn"]
    hourly = events.describe_rule(Name=ids["FnHourly"])
    assert hourly["ScheduleExpression"] == "rate(1 hour)"
    assert json.loads(events.describe_rule(Name=ids["FnOrders"])["EventPattern"]) == {
        "source": ["shop.orders"]}
    for rule in (ids["FnHourly"], ids["FnOrders"]):
        assert [t["Arn"] for t in events.list_targets_by_rule(Rule=rule)["Targets"]] == [fn_arn]
    policy = json.loads(lam.get_policy(FunctionName=ids["Fn"])["Policy"])
    assert {s["Principal"]["Service"] for s in policy["Statement"]} == {"events.amazonaws.com"}
    cf.delete_stack(StackName=stack)
