"""Resource types the lessons use, deployed from templates (patches
cloudformation_sns_subscriptions, cloudformation_cloudwatch_alarms,
cloudformation_state_machines)."""
from __future__ import annotations

import json

from labkit.lessons.polling import wait_until
from tests.conformance.test_cloudformation_deploying import (
    ROLE, deploy, outputs, physical_ids, unique,
)

FAN_OUT = """
Resources:
  Topic:
    Type: AWS::SNS::Topic
  Inbox:
    Type: AWS::SQS::Queue
  InboxPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Inbox]
      PolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: sns.amazonaws.com}, Action: sqs:SendMessage,
             Resource: !GetAtt Inbox.Arn, Condition: {ArnEquals: {aws:SourceArn: !Ref Topic}}}
  Subscription:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Topic
      Protocol: sqs
      Endpoint: !GetAtt Inbox.Arn
      RawMessageDelivery: true
  TooManyErrors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmDescription: the consumer is failing
      Namespace: AWS/Lambda
      MetricName: Errors
      Dimensions: [{Name: FunctionName, Value: consumer}]
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
      TreatMissingData: notBreaching
      AlarmActions: [!Ref Topic]
Outputs:
  Topic: {Value: !Ref Topic}
  Subscription: {Value: !Ref Subscription}
  Alarm: {Value: !Ref TooManyErrors}
  AlarmArn: {Value: !GetAtt TooManyErrors.Arn}
"""


def test_a_topic_subscription_from_a_template_delivers(aws):
    """AWS CloudFormation User Guide, 'AWS::SNS::Subscription': subscribes an endpoint to an
    Amazon SNS topic (Ref returns the subscription ARN); RawMessageDelivery delivers the
    message as is. A message published to the topic reaches the subscribed queue."""
    cf, sns, sqs, stack = aws("cloudformation"), aws("sns"), aws("sqs"), unique("fan-out")
    out = outputs(deploy(cf, stack, FAN_OUT))
    attributes = sns.get_subscription_attributes(SubscriptionArn=out["Subscription"])[
        "Attributes"]
    assert attributes["Protocol"] == "sqs" and attributes["RawMessageDelivery"] == "true"
    sns.publish(TopicArn=out["Topic"], Message="hello from the stack")
    inbox = physical_ids(cf, stack)["Inbox"]
    received = wait_until(lambda: sqs.receive_message(QueueUrl=inbox, WaitTimeSeconds=1).get(
        "Messages"), timeout=30, what="the published message in the queue")
    assert received[0]["Body"] == "hello from the stack"
    cf.delete_stack(StackName=stack)
    assert out["Subscription"] not in {
        s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]}


def test_an_alarm_from_a_template(aws):
    """AWS CloudFormation User Guide, 'AWS::CloudWatch::Alarm': specifies an alarm and
    associates it with the specified metric; Ref returns the alarm name, Fn::GetAtt Arn its
    ARN; deleting the stack deletes the alarm."""
    cf, cw, stack = aws("cloudformation"), aws("cloudwatch"), unique("alarm")
    out = outputs(deploy(cf, stack, FAN_OUT))
    alarm, = cw.describe_alarms(AlarmNames=[out["Alarm"]])["MetricAlarms"]
    assert alarm["AlarmArn"] == out["AlarmArn"]
    assert (alarm["MetricName"], alarm["Namespace"], alarm["Threshold"]) == (
        "Errors", "AWS/Lambda", 1.0)
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": "consumer"}]
    assert alarm["AlarmActions"] == [out["Topic"]]
    assert alarm["TreatMissingData"] == "notBreaching"
    cf.delete_stack(StackName=stack)
    assert cw.describe_alarms(AlarmNames=[out["Alarm"]])["MetricAlarms"] == []


WORKFLOW = """
Resources:
ROLE
  Double:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: |
          def handler(event, context):
              return {"value": event["value"] * 2}
  Workflow:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: !GetAtt Role.Arn
      Definition:
        StartAt: Double
        States:
          Double: {Type: Task, Resource: "${DoubleArn}", End: true}
      DefinitionSubstitutions:
        DoubleArn: !GetAtt Double.Arn
Outputs:
  Workflow: {Value: !Ref Workflow}
"""


def test_a_state_machine_from_a_template_runs(aws):
    """AWS CloudFormation User Guide, 'AWS::StepFunctions::StateMachine': Definition is the
    Amazon States Language definition as an object; DefinitionSubstitutions maps ${keys}
    in it to values such as a function's ARN; Ref returns the state machine ARN, which
    StartExecution runs."""
    cf, sfn, stack = aws("cloudformation"), aws("stepfunctions"), unique("workflow")
    machine = outputs(deploy(cf, stack, WORKFLOW.replace("ROLE", ROLE)))["Workflow"]
    execution = sfn.start_execution(stateMachineArn=machine, input='{"value": 21}')
    done = wait_until(lambda: (lambda d: d if d["status"] != "RUNNING" else None)(
        sfn.describe_execution(executionArn=execution["executionArn"])),
        timeout=60, interval=0.5, what="the execution to finish")
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"value": 42}
    cf.delete_stack(StackName=stack)
