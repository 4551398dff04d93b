"""Drift-aware change sets: DeploymentMode=REVERT_DRIFT puts drifted properties back.

A default change set compares the new template with the previous one (moto does that);
with REVERT_DRIFT, CloudFormation also compares with the resources' actual state, lists a
drifted resource as a Modify (ResourceDriftStatus MODIFIED) even when its template did not
change, and executing the change set restores the template values. moto ignores the mode.
The drift comparison is labkit.emulator.cloudformation.drift (patch
cloudformation_drift_detection).
"""
from __future__ import annotations

NAME = "cloudformation_revert_drift"
AWS_BEHAVIOUR = (
    "Drift-aware change sets compare templates with the actual state of your stack "
    "resources and bring drifted resources in line with their template definitions, "
    "overwriting drifted properties with template values; create one with "
    "--deployment-mode REVERT_DRIFT (AWS CloudFormation User Guide: 'Using drift-aware "
    "change sets')."
)


def apply(ctx) -> None:
    from moto.cloudformation import parsing
    from moto.cloudformation.models import Change, ChangeSet
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.utils import utcnow

    from labkit.emulator.cloudformation.drift import resource_drift

    moto_create = CloudFormationResponse.create_change_set
    moto_apply = ChangeSet.apply

    def create_change_set(self):
        answer = moto_create(self)
        if self._get_param("DeploymentMode") != "REVERT_DRIFT":
            return answer
        change_set = self.cloudformation_backend.describe_change_set(answer.result["Id"])
        change_set.deployment_mode = "REVERT_DRIFT"
        if change_set.change_set_type == "UPDATE":
            _plan_reverts(change_set)
        return answer

    def _plan_reverts(change_set):
        stack, now = change_set.stack, utcnow()
        listed = {c.logical_resource_id: c for c in change_set.changes}
        kept = [name for name in change_set.template_dict["Resources"]
                if name in stack.resource_map._resource_json_map]
        change_set.labkit_reverts = []
        for name in kept:
            drift = resource_drift(stack, name, now)
            status = drift["StackResourceDriftStatus"]
            change = listed.get(name)
            if change is None and status == "MODIFIED":
                change = Change("Modify", name, drift["ResourceType"])
                change.physical_resource_id = drift["PhysicalResourceId"]
                change.replacement, change.scope = "False", ["Properties"]
                change.details = [
                    {"Target": {"Attribute": "Properties",
                                "Name": d["PropertyPath"].split("/")[1],
                                "RequiresRecreation": "Never"},
                     "Evaluation": "Static", "ChangeSource": "DirectModification"}
                    for d in drift["PropertyDifferences"]]
                change_set.changes.append(change)
            if change is not None:
                change.resource_drift_status = status
            if status == "MODIFIED":
                change_set.labkit_reverts.append(name)
        if change_set.labkit_reverts and change_set.status == "FAILED":
            # "didn't contain changes" - but the drift is a change to make
            change_set.status, change_set.execution_status = "CREATE_COMPLETE", "AVAILABLE"
            change_set.status_reason = None

    def apply_change_set(self):
        moto_apply(self)
        resource_map = self.stack.resource_map
        for name in getattr(self, "labkit_reverts", []):
            restored = parsing.parse_and_update_resource(
                name, resource_map._resource_json_map[name], resource_map,
                account_id=resource_map._account_id, region_name=resource_map._region_name)
            if restored is not None:
                resource_map._parsed_resources[name] = restored

    CloudFormationResponse.create_change_set = create_change_set
    ChangeSet.apply = apply_change_set
