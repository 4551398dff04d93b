"""Change sets and updates see parameter changes, and say which changes replace a resource.

moto (1) counts a resource declared without Properties as modified on every update (it
fills in Properties itself), (2) misses a resource whose value changes through a parameter
used in a condition (!If), so UpdateStack / ExecuteChangeSet leave it as it was, and (3)
lists changes without Replacement, Scope or Details. The comparison is in
labkit.emulator.cloudformation.change_set_diff.
"""
from __future__ import annotations

NAME = "cloudformation_change_set_diff"
AWS_BEHAVIOUR = (
    "DescribeChangeSet returns the changes CloudFormation will make: for each resource the "
    "Action (Add, Modify, Remove), and for Modify whether it requires Replacement "
    "(True/False/Conditional), the Scope and Details naming each changed property, whether "
    "it RequiresRecreation, and its ChangeSource (DirectModification, ParameterReference, ...) "
    "(AWS CloudFormation API Reference: ResourceChange, ResourceChangeDetail; User Guide: "
    "'Update behaviors of stack resources')."
)


def apply(ctx) -> None:
    from moto.cloudformation import parsing
    from moto.cloudformation.models import Change, ChangeSet

    from labkit.emulator.cloudformation.change_set_diff import (
        change_details, changed_inputs, changed_properties, modified,
    )

    def inputs_of(resource_map, template, parameters):
        return changed_inputs(dict(resource_map.input_parameters or {}), parameters,
                              template.get("Conditions") or {})

    def build_resource_diff(self, other_template, parameters=None):
        old, new = self._resource_json_map, other_template["Resources"]
        inputs = inputs_of(self, other_template, parameters)
        return {"Add": [name for name in new if name not in old],
                "Modify": [name for name in new
                           if name in old and modified(old[name], new[name], inputs)],
                "Remove": [name for name in old if name not in new]}

    def diff(self):
        resource_map = self.stack.resource_map
        old, new = resource_map._resource_json_map, self.template_dict["Resources"]
        by_action = resource_map.build_resource_diff(self.template_dict, self.parameters)
        inputs = inputs_of(resource_map, self.template_dict, self.parameters)
        changes = []
        for action, names in by_action.items():
            for name in names:
                declaration = new[name] if action != "Remove" else old[name]
                change = Change(action, name, declaration["Type"])
                existing = resource_map._parsed_resources.get(name)
                if action != "Add":
                    change.physical_resource_id = getattr(existing, "physical_resource_id",
                                                          None)
                if action == "Modify":
                    for key, value in change_details(declaration["Type"], changed_properties(
                            old[name], new[name], inputs)).items():
                        setattr(change, key.lower(), value)
                changes.append(change)
        return changes

    parsing.ResourceMap.build_resource_diff = build_resource_diff
    ChangeSet.diff = diff
