"""A stack update creates and updates resources in dependency order.

moto adds every new resource before it modifies any changed one. With AutoPublishAlias (or
any new AWS::Lambda::Version next to a code change), the version is then published from the
old code, and the alias points at it. The order is in
labkit.emulator.cloudformation.update_order.
"""
from __future__ import annotations

NAME = "cloudformation_update_order"
AWS_BEHAVIOUR = (
    "CloudFormation creates, updates and deletes resources in dependency order: a resource "
    "that refers to another with Ref or Fn::GetAtt, or names it in DependsOn, is created or "
    "updated after it (AWS CloudFormation User Guide: 'DependsOn attribute'); so a new "
    "AWS::Lambda::Version publishes the function's updated code (AWS::Lambda::Version: "
    "'creates a version from the current code and configuration of a function')."
)


def apply(ctx) -> None:
    from moto.cloudformation import parsing

    from labkit.emulator.cloudformation.update_order import dependency_order

    def update(self, template, parameters=None):
        diff = self.build_resource_diff(template, parameters)
        _remove(self, diff["Remove"])
        # as moto does: the new template's parameters, mappings and conditions ...
        self._template = template
        if parameters:
            self.input_parameters = parameters
        self.load_mapping()
        self.load_parameters()
        self.load_conditions()
        self._resource_json_map = template["Resources"]
        # ... then add and modify, each resource after what it refers to.
        added, modified = set(diff["Add"]), set(diff["Modify"])
        for name in dependency_order(self._resource_json_map):
            if name in added:
                _ = self[name]  # moto's resource map creates a resource on first lookup
            elif name in modified:
                changed = parsing.parse_and_update_resource(
                    name, self._resource_json_map[name], self,
                    account_id=self._account_id, region_name=self._region_name)
                if changed is not None:  # a type without updates keeps its resource
                    self._parsed_resources[name] = changed

    parsing.ResourceMap.update = update


def _remove(resource_map, names: list[str]) -> None:
    """moto's removal: a few passes, so that what others depend on goes last."""
    pending, last_error = list(names), None
    for _ in range(parsing_attempts()):
        for name in list(pending):
            resource = resource_map._parsed_resources.get(name)
            try:
                if resource is not None:
                    resource_map._delete_resource(resource, resource_map._resource_json_map[name])
                pending.remove(name)
            except Exception as error:  # a dependency still in place: next pass
                last_error = error
        if not pending:
            return
    raise last_error


def parsing_attempts() -> int:
    from moto.cloudformation.parsing import MAX_UPDATE_ATTEMPTS

    return MAX_UPDATE_ATTEMPTS
