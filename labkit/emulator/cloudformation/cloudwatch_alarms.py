"""AWS::CloudWatch::Alarm as a stack resource (moto has no model for it).

"AWS::CloudWatch::Alarm" (AWS CloudFormation User Guide): a metric alarm; Ref returns the
alarm name, Fn::GetAtt Arn its ARN. Alarms on a single metric only here (no Metrics array).
"""
from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel

from labkit.emulator.cloudformation.declared_models import DeclaredModel


def _backend(account_id: str, region: str):
    from moto.cloudwatch.models import cloudwatch_backends

    return cloudwatch_backends[account_id][region]


class StackCloudWatchAlarm(DeclaredModel, CloudFormationModel):
    TYPE, NAME_PROPERTY, GETATT = "AWS::CloudWatch::Alarm", "AlarmName", ("Arn",)

    def __init__(self, alarm) -> None:
        self.alarm = alarm

    @property
    def physical_resource_id(self) -> str:
        return self.alarm.name

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self.alarm.alarm_arn

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs) -> "StackCloudWatchAlarm":
        p = cloudformation_json["Properties"]
        if p.get("Metrics"):
            raise ValueError("labkit: AWS::CloudWatch::Alarm with Metrics (metric math) is "
                             "not supported in templates; use PutMetricAlarm")
        alarm = _backend(account_id, region_name).put_metric_alarm(
            name=resource_name, namespace=p.get("Namespace"), metric_name=p.get("MetricName"),
            comparison_operator=p["ComparisonOperator"],
            evaluation_periods=int(p["EvaluationPeriods"]), period=int(p.get("Period", 60)),
            threshold=float(p["Threshold"]) if "Threshold" in p else None,
            statistic=p.get("Statistic"), description=p.get("AlarmDescription"),
            dimensions=[{"Name": d["Name"], "Value": d["Value"]}
                        for d in p.get("Dimensions") or []],
            alarm_actions=list(p.get("AlarmActions") or []),
            datapoints_to_alarm=p.get("DatapointsToAlarm") and int(p["DatapointsToAlarm"]),
            extended_statistic=p.get("ExtendedStatistic"),
            ok_actions=list(p.get("OKActions") or []),
            insufficient_data_actions=list(p.get("InsufficientDataActions") or []),
            unit=p.get("Unit"), actions_enabled=str(p.get("ActionsEnabled", True)).lower()
            != "false", treat_missing_data=p.get("TreatMissingData"))
        return cls(alarm)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name,
                                        cloudformation_json, account_id, region_name):
        name = cloudformation_json["Properties"].get("AlarmName", original_resource.alarm.name)
        if name != original_resource.alarm.name:  # AlarmName requires replacement
            original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(name, cloudformation_json, account_id,
                                                   region_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id,
                                        region_name) -> None:
        _backend(account_id, region_name).delete_alarms([resource_name])

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_alarms([self.alarm.name])
