"""Change sets and updates see parameter changes, and say which changes replace a resource.

moto (1) counts a resource declared without Properties as modified on every update (it
fills in Properties itself), (2) misses a resource whose value changes through a parameter
used in a condition (!If), or through a new value in the template's Mappings read with
Fn::FindInMap (or a changed condition), so UpdateStack / ExecuteChangeSet leave it as it
was, and (3) lists changes without Replacement, Scope or Details. The comparison is in
labkit.emulator.cloudformation.change_set_diff, the values both sides resolve to in
labkit.emulator.cloudformation.static_values.
"""
from __future__ import annotations

NAME = "cloudformation_change_set_diff"
AWS_BEHAVIOUR = (
    "DescribeChangeSet returns the changes CloudFormation will make: for each resource the "
    "Action (Add, Modify, Remove), and for Modify whether it requires Replacement "
    "(True/False/Conditional), the Scope and Details naming each changed property, whether "
    "it RequiresRecreation, and its ChangeSource (DirectModification, ParameterReference, ...) "
    "(AWS CloudFormation API Reference: ResourceChange, ResourceChangeDetail; User Guide: "
    "'Update behaviors of stack resources'). For an existing stack CreateChangeSet "
    "\"compares the stack's information with the information that you submit in the change "
    "set and lists the differences\" (API Reference, CreateChangeSet): values resolved, so a "
    "new Mappings value read through Fn::FindInMap modifies the resource that reads it."
)


def apply(ctx) -> None:
    from moto.cloudformation import parsing
    from moto.cloudformation.models import Change, ChangeSet

    from labkit.emulator.cloudformation.change_set_diff import (
        change_details, changed_inputs, changed_properties, modified,
    )
    from labkit.emulator.cloudformation.static_values import Inputs

    def inputs_of(resource_map, template, parameters):
        return changed_inputs(dict(resource_map.input_parameters or {}), parameters,
                              template.get("Conditions") or {})

    def resolution_of(resource_map, template, parameters):
        """What the stack's template reads, and what the submitted one will: moto's update
        keeps the stack's parameter values when none are passed."""
        before = dict(resource_map.input_parameters or {})
        pseudo = {name: value for name, value in resource_map._parsed_resources.items()
                  if name.startswith("AWS::") and isinstance(value, str)}
        return (Inputs.of(resource_map._template or {}, before, pseudo),
                Inputs.of(template, dict(parameters) if parameters else before, pseudo))

    def build_resource_diff(self, other_template, parameters=None):
        old, new = self._resource_json_map, other_template["Resources"]
        inputs = inputs_of(self, other_template, parameters)
        resolution = resolution_of(self, other_template, parameters)
        return {"Add": [name for name in new if name not in old],
                "Modify": [name for name in new if name in old and
                           modified(old[name], new[name], inputs, resolution)],
                "Remove": [name for name in old if name not in new]}

    def diff(self):
        resource_map = self.stack.resource_map
        old, new = resource_map._resource_json_map, self.template_dict["Resources"]
        by_action = resource_map.build_resource_diff(self.template_dict, self.parameters)
        inputs = inputs_of(resource_map, self.template_dict, self.parameters)
        resolution = resolution_of(resource_map, self.template_dict, self.parameters)
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
                            old[name], new[name], inputs, resolution)).items():
                        setattr(change, key.lower(), value)
                changes.append(change)
        return changes

    parsing.ResourceMap.build_resource_diff = build_resource_diff
    ChangeSet.diff = diff
