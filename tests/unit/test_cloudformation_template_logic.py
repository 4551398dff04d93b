"""The template logic behind the CloudFormation patches, without a server: dependency order,
change-set diffs, parameter constraints and drift comparison."""
from __future__ import annotations

from labkit.emulator.cloudformation.change_set_diff import (
    change_details, changed_inputs, changed_properties, modified,
)
from labkit.emulator.cloudformation.drift import _differences, _normalised
from labkit.emulator.cloudformation.parameters import violation
from labkit.emulator.cloudformation.static_values import Inputs, resolve
from labkit.emulator.cloudformation.update_order import dependency_order, references


def test_references_cover_ref_getatt_and_sub():
    body = {"A": {"Ref": "Fn"}, "B": {"Fn::GetAtt": ["Queue", "Arn"]}, "C": "Role.Arn",
            "D": {"Fn::Sub": "arn:${AWS::Partition}:x:${Table}/${Topic.TopicName}"},
            "E": {"Fn::Sub": ["${x}", {"x": {"Ref": "Bucket"}}]}}
    assert references(body) >= {"Fn", "Queue", "Table", "Topic", "Bucket"}


def test_dependency_order_puts_what_is_referred_to_first():
    resources = {
        "Alias": {"Properties": {"FunctionVersion": {"Fn::GetAtt": ["V2", "Version"]}}},
        "V2": {"DependsOn": "V1", "Properties": {"FunctionName": {"Ref": "Fn"}}},
        "V1": {"Properties": {"FunctionName": {"Ref": "Fn"}}},
        "Fn": {"Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
        "Role": {"Properties": {}},
    }
    order = dependency_order(resources)
    assert order.index("Role") < order.index("Fn") < order.index("V1") < order.index("V2") \
        < order.index("Alias")


def test_a_parameter_change_reaches_resources_through_conditions():
    conditions = {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
                  "Big": {"Fn::And": [{"Condition": "IsProd"}, True]}}
    inputs = changed_inputs({"Stage": "dev"}, {"Stage": "prod"}, conditions)
    assert inputs == {"Stage", "IsProd", "Big"}
    old = {"Type": "AWS::Lambda::Function",
           "Properties": {"MemorySize": {"Fn::If": ["Big", 256, 128]}, "Timeout": 3}}
    assert modified(old, old, inputs)
    assert changed_properties(old, old, inputs) == [("MemorySize", "ParameterReference")]
    assert not modified(old, old, {"Other"})


def _template(visibility, stage_default="dev", prod_when="prod"):
    return {"Parameters": {"Stage": {"Type": "String", "Default": stage_default},
                           "Size": {"Type": "Number", "Default": 3}},
            "Mappings": {"Settings": {"Queue": {"Visibility": visibility}, "Table": {"Reads": 5}},
                         "ByStage": {"dev": {"Memory": 128}, "prod": {"Memory": 256}}},
            "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, prod_when]}}}


QUEUE = {"Type": "AWS::SQS::Queue", "Properties": {
    "VisibilityTimeout": {"Fn::FindInMap": ["Settings", "Queue", "Visibility"]}}}
TABLE = {"Type": "AWS::DynamoDB::Table", "Properties": {
    "Reads": {"Fn::FindInMap": ["Settings", "Table", "Reads"]}}}


def test_a_new_mapping_value_modifies_what_reads_it():
    """CreateChangeSet lists the differences of resolved values: Fn::FindInMap reads the
    Mappings section, so a new value there changes the property that reads it, and only it."""
    resolution = (Inputs.of(_template(30), {}), Inputs.of(_template(45), {}))
    assert modified(QUEUE, QUEUE, set(), resolution)
    assert changed_properties(QUEUE, QUEUE, set(), resolution) == [
        ("VisibilityTimeout", "DirectModification")]
    assert not modified(TABLE, TABLE, set(), resolution)
    same = (Inputs.of(_template(30), {}), Inputs.of(_template(30), {}))
    assert not modified(QUEUE, QUEUE, set(), same)


def test_static_values_resolve_parameters_mappings_and_conditions_not_resources():
    inputs = Inputs.of(_template(30), {"Stage": "prod"}, {"AWS::Region": "us-east-1"})
    body = {"Memory": {"Fn::FindInMap": ["ByStage", {"Ref": "Stage"}, "Memory"]},
            "Size": {"Fn::If": ["IsProd", {"Ref": "Size"}, 1]},
            "Name": {"Fn::Sub": "${Stage}-${AWS::Region}-${Queue.Arn}-${!Literal}"},
            "Joined": {"Fn::Join": ["/", [{"Ref": "Stage"}, {"Fn::Select": [1, ["a", "b"]]}]]},
            "Queue": {"Ref": "Queue"}, "Arn": {"Fn::GetAtt": ["Queue", "Arn"]}}
    assert resolve(body, inputs) == {
        "Memory": 256, "Size": "3",
        "Name": {"Fn::Sub": "prod-us-east-1-${Queue.Arn}-${!Literal}"},
        "Joined": "prod/b", "Queue": {"Ref": "Queue"}, "Arn": {"Fn::GetAtt": ["Queue", "Arn"]}}
    assert resolve({"Fn::Sub": "${Stage}-${!Literal}"}, inputs) == "prod-${Literal}"


def test_a_changed_condition_or_default_modifies_and_a_spelling_does_not():
    memory = {"Type": "AWS::Lambda::Function",
              "Properties": {"MemorySize": {"Fn::If": ["IsProd", 256, 128]},
                             "Timeout": {"Ref": "Size"}}}
    redefined = (Inputs.of(_template(30), {"Stage": "prod"}),
                 Inputs.of(_template(30, prod_when="production"), {"Stage": "prod"}))
    assert changed_properties(memory, memory, set(), redefined) == [
        ("MemorySize", "DirectModification")]
    # the Default 3 of a Number parameter, then the value "3" passed: the same value
    spelled = (Inputs.of(_template(30), {}), Inputs.of(_template(30), {"Size": "3"}))
    assert not modified(memory, memory, set(), spelled)
    new_default = (Inputs.of(_template(30), {}), Inputs.of(_template(30, "prod"), {}))
    assert modified(memory, memory, set(), new_default)


def test_a_missing_properties_block_is_no_change():
    assert not modified({"Type": "AWS::SNS::Topic"},
                        {"Type": "AWS::SNS::Topic", "Properties": {}}, set())
    resolution = (Inputs.of(_template(30), {}), Inputs.of(_template(45), {}))
    assert not modified({"Type": "AWS::SNS::Topic", "Properties": {}},
                        {"Type": "AWS::SNS::Topic"}, set(), resolution)


def test_replacement_follows_the_property():
    assert change_details("AWS::SQS::Queue", [("QueueName", "DirectModification")])[
        "Replacement"] == "True"
    kept = change_details("AWS::SQS::Queue", [("VisibilityTimeout", "DirectModification")])
    assert kept["Replacement"] == "False" and kept["Scope"] == ["Properties"]
    assert kept["Details"][0]["Target"] == {"Attribute": "Properties",
                                            "Name": "VisibilityTimeout",
                                            "RequiresRecreation": "Never"}
    assert change_details("AWS::Lambda::Version", [("Description", "DirectModification")])[
        "Replacement"] == "True"


def test_parameter_constraints():
    template = {"Parameters": {
        "Stage": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]},
        "Size": {"Type": "Number", "Default": 1, "MinValue": 1, "MaxValue": 10},
        "Name": {"Type": "String", "Default": "ab", "AllowedPattern": "[a-z]+",
                 "MaxLength": 5}}}
    assert violation(template, {}) is None
    assert violation(template, {"Stage": "qa"}) == "Parameter 'Stage' must be one of AllowedValues"
    assert violation(template, {"Size": "11"}) == \
        "Parameter 'Size' must be a number not greater than 10"
    assert violation(template, {"Size": "x"}) == "Parameter 'Size' must be a number"
    assert "must match pattern" in violation(template, {"Name": "A1"})
    assert violation(template, {"Name": "abcdef"}) == \
        "Parameter 'Name' must contain at most 5 characters"
    assert violation(template, {"Nope": "1"}) == \
        "Parameters: [Nope] do not exist in the template"


def test_drift_compares_values_not_spellings():
    expected = _normalised({"Timeout": 30, "Environment": {"Variables": {"A": "1"}},
                            "Flag": True})
    actual = _normalised({"Timeout": "30", "Environment": {"Variables": {"A": "1", "B": "2"}},
                          "Flag": "true"})
    found = [d for name in actual for d in _differences(f"/{name}", expected[name],
                                                        actual[name])]
    assert found == [{"PropertyPath": "/Environment/Variables/B", "ExpectedValue": "",
                      "ActualValue": "2", "DifferenceType": "ADD"}]
    assert _differences("/Keys", _normalised([{"a": 1}, {"b": 2}]),
                        _normalised([{"b": 2}, {"a": 1}])) == []
    assert _differences("/Timeout", "3", None)[0]["DifferenceType"] == "REMOVE"
