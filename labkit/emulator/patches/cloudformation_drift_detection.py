"""DetectStackDrift, DescribeStackDriftDetectionStatus, DescribeStackResourceDrifts and
DetectStackResourceDrift, which moto does not implement.

Detection runs at once (AWS runs it in the background; DescribeStackDriftDetectionStatus
then says DETECTION_COMPLETE straight away). The comparison is in
labkit.emulator.cloudformation.drift.
"""
from __future__ import annotations

NAME = "cloudformation_drift_detection"
AWS_BEHAVIOUR = (
    "Drift detection compares the current configuration of each stack resource with the "
    "expected configuration in the template and parameters; CloudFormation only checks "
    "property values explicitly set in the template. A resource is IN_SYNC, MODIFIED, DELETED "
    "or NOT_CHECKED; the stack is DRIFTED if one or more resources have drifted (AWS "
    "CloudFormation User Guide: 'Detect unmanaged configuration changes to stacks and "
    "resources with drift detection'; API Reference: DetectStackDrift, "
    "DescribeStackResourceDrifts)."
)


def apply(ctx) -> None:
    from moto.cloudformation.exceptions import ValidationError
    from moto.cloudformation.models import Stack
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.responses import ActionResult
    from moto.core.utils import utcnow
    from moto.moto_api._internal import mock_random

    from labkit.emulator.cloudformation.drift import resource_drift

    detections: dict[str, dict] = {}  # StackDriftDetectionId -> its status
    Stack.drift_information = {"StackDriftStatus": "NOT_CHECKED"}  # until a detection ran

    def stack_of(response):
        return response.cloudformation_backend.get_stack(response._get_param("StackName"))

    def detect(stack, logical_ids):
        now = utcnow()
        known = list(stack.resource_map._resource_json_map)
        for logical_id in logical_ids or []:
            if logical_id not in known:
                raise ValidationError(message=f"Resource {logical_id} does not exist for stack "
                                              f"{stack.name}")
        drifts = [resource_drift(stack, logical_id, now) for logical_id in logical_ids or known]
        stack.labkit_resource_drifts = {
            **getattr(stack, "labkit_resource_drifts", {}),
            **{d["LogicalResourceId"]: d for d in drifts}}
        return drifts, now

    def detect_stack_drift(self):
        stack = stack_of(self)
        drifts, now = detect(stack, self._get_param("LogicalResourceIds", []))
        drifted = [d for d in drifts if d["StackResourceDriftStatus"] in ("MODIFIED", "DELETED")]
        status = "DRIFTED" if drifted else "IN_SYNC"
        stack.drift_information = {"StackDriftStatus": status, "LastCheckTimestamp": now}
        detection_id = str(mock_random.uuid4())
        detections[detection_id] = {
            "StackId": stack.stack_id, "StackDriftDetectionId": detection_id,
            "StackDriftStatus": status, "DetectionStatus": "DETECTION_COMPLETE",
            "DriftedStackResourceCount": len(drifted),
            "Timestamp": now}
        return ActionResult({"StackDriftDetectionId": detection_id})

    def describe_stack_drift_detection_status(self):
        detection_id = self._get_param("StackDriftDetectionId")
        if detection_id not in detections:
            raise ValidationError(message=f"Drift detection id {detection_id} does not exist")
        return ActionResult(detections[detection_id])

    def describe_stack_resource_drifts(self):
        stack = stack_of(self)
        wanted = set(self._get_param("StackResourceDriftStatusFilters", []))
        drifts = [d for d in getattr(stack, "labkit_resource_drifts", {}).values()
                  if not wanted or d["StackResourceDriftStatus"] in wanted]
        return ActionResult({"StackResourceDrifts": drifts})

    def detect_stack_resource_drift(self):
        stack = stack_of(self)
        drifts, _ = detect(stack, [self._get_param("LogicalResourceId")])
        return ActionResult({"StackResourceDrift": drifts[0]})

    for action in (detect_stack_drift, describe_stack_drift_detection_status,
                   describe_stack_resource_drifts, detect_stack_resource_drift):
        setattr(CloudFormationResponse, action.__name__, action)
