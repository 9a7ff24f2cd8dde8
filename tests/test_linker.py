"""Linked stack instances (loopcheck.stacks.linker): each instance resolves its own values, and
what links two instances (a nested stack's parameter and output, an import, an SSM reference)
is answered by the other instance's resolver, with nothing renamed."""

from __future__ import annotations

from typing import Any, Dict, List

from loopcheck.resolve.origin import NodeKey
from loopcheck.resolve.values import Symbol
from loopcheck.stacks.linker import Instance, Source, link


def _link(*templates: Dict[str, Any]) -> List[Instance]:
    return link([Source(f"/work/t{index}.yaml", data) for index, data in enumerate(templates)])


def _texts(value: Any) -> List[str]:
    return [str(pattern) for pattern in value]


def _stacks(value: Any) -> List[int]:
    return [part.stack for pattern in value for part in pattern.parts if isinstance(part, Symbol)]


BUCKET = {"Type": "AWS::S3::Bucket"}


def test_same_logical_id_in_two_stacks_is_two_nodes():
    first, second = _link({"Resources": {"Store": BUCKET}}, {"Resources": {"Store": BUCKET}})
    ref = {"Ref": "Store"}
    assert first.resolver.refers_to(ref) == NodeKey(0, "Store")
    assert second.resolver.refers_to(ref) == NodeKey(1, "Store")
    assert _texts(first.resolver.value(ref)) == _texts(second.resolver.value(ref)) == ["${Store}"]
    assert first.resolver.value(ref) != second.resolver.value(ref)
    # Any instance's resolver answers for a node of another by its key.
    assert first.resolver.resource_name(NodeKey(1, "Store")) == second.resolver.value(ref)


def test_each_stack_has_its_own_stack_name():
    sub = {"Fn::Sub": "${AWS::StackName}-archive"}
    first, second = _link({"Resources": {}}, {"Resources": {}})
    assert _texts(first.resolver.value(sub)) == ["${AWS::StackName}-archive"]
    assert first.resolver.value(sub) != second.resolver.value(sub)
    region = {"Ref": "AWS::Region"}
    assert first.resolver.value(region) == second.resolver.value(region)  # one account, one region


def test_import_is_the_exported_value_of_the_exporting_stack():
    exporter = {"Resources": {"Store": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "acme-in"}}},
                "Outputs": {"Name": {"Value": {"Ref": "Store"}, "Export": {"Name": "store-name"}}}}
    importer = {"Resources": {"Fn": {"Type": "AWS::Serverless::Function"}}}
    _exporting, importing = _link(exporter, importer)
    imported = {"Fn::ImportValue": "store-name"}
    assert _texts(importing.resolver.value(imported)) == ["acme-in"]
    assert importing.resolver.refers_to(imported) == NodeKey(0, "Store")
    unknown = {"Fn::ImportValue": "nobody-exports-this"}
    assert _texts(importing.resolver.value(unknown)) == ["${ImportValue nobody-exports-this}"]
    assert importing.resolver.refers_to(unknown) is None


def test_nested_parameter_is_what_the_parent_passes_resolved_in_the_parent():
    parent = {"Resources": {
        "Store": BUCKET,
        "Workers": {"Type": "AWS::CloudFormation::Stack",
                    "Properties": {"TemplateURL": "t1.yaml", "Parameters": {"Target": {"Ref": "Store"}}}}},
        "Outputs": {}}
    child = {"Parameters": {"Target": {"Type": "String"}},
             "Resources": {"Store": BUCKET},
             "Outputs": {"Own": {"Value": {"Fn::GetAtt": ["Store", "Arn"]}}}}
    outer, inner = _link(parent, child)
    assert inner.nested and inner.parent is outer
    target = {"Ref": "Target"}
    assert inner.resolver.refers_to(target) == NodeKey(0, "Store")  # the parent's, not the child's Store
    assert inner.resolver.refers_to({"Fn::Sub": "${Target}"}) == NodeKey(0, "Store")
    assert _stacks(inner.resolver.value(target)) == [0]
    own = {"Fn::GetAtt": ["Workers", "Outputs.Own"]}
    assert outer.resolver.refers_to(own) == NodeKey(1, "Store")
    assert _stacks(outer.resolver.value(own)) == [1]
    assert _texts(outer.resolver.value({"Fn::Sub": "${Workers.Outputs.Missing}"})) == ["<unknown>"]


def test_ssm_reference_is_every_published_value():
    publisher = {"Resources": {
        "Store": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "acme-out"}},
        "Published": {"Type": "AWS::SSM::Parameter",
                      "Properties": {"Name": "/acme/bucket", "Value": {"Ref": "Store"}}}}}
    ssm_type = "AWS::SSM::Parameter::Value<String>"
    reader = {"Parameters": {"Bucket": {"Type": ssm_type, "Default": "/acme/bucket"},
                             "Other": {"Type": ssm_type, "Default": "/not/published"}},
              "Resources": {}}
    _publishing, reading = _link(publisher, reader)
    assert _texts(reading.resolver.value({"Ref": "Bucket"})) == ["acme-out"]
    assert reading.resolver.refers_to({"Ref": "Bucket"}) == NodeKey(0, "Store")
    assert _texts(reading.resolver.value("{{resolve:ssm:/acme/bucket}}")) == ["acme-out"]
    assert _texts(reading.resolver.value({"Ref": "Other"})) == ["{{resolve:ssm:/not/published}}"]


def test_outputs_that_refer_to_each_other_resolve_to_unknown():
    parent = {"Resources": {
        "Child": {"Type": "AWS::CloudFormation::Stack",
                  "Properties": {"TemplateURL": "t1.yaml",
                                 "Parameters": {"Back": {"Fn::GetAtt": ["Child", "Outputs.Loop"]}}}}}}
    child = {"Parameters": {"Back": {"Type": "String"}}, "Resources": {},
             "Outputs": {"Loop": {"Value": {"Ref": "Back"}}}}
    outer, _inner = _link(parent, child)
    assert _texts(outer.resolver.value({"Fn::GetAtt": ["Child", "Outputs.Loop"]})) == ["<unknown>"]
    assert outer.resolver.refers_to({"Fn::GetAtt": ["Child", "Outputs.Loop"]}) is None


def test_a_literal_the_parent_passes_is_written_in_the_childs_resources():
    """Readers that take only literals (an S3 key filter's Value) see what the parent passes;
    an expression the parent passes stays a Ref, for the resolvers."""
    parent = {"Resources": {
        "Store": BUCKET,
        "Child": {"Type": "AWS::CloudFormation::Stack",
                  "Properties": {"TemplateURL": "t1.yaml",
                                 "Parameters": {"Prefix": "in/", "Target": {"Ref": "Store"}}}}}}
    rules = [{"Name": "prefix", "Value": {"Ref": "Prefix"}}]
    shared = {"Ref": "Prefix"}
    child = {"Parameters": {"Prefix": {"Type": "String", "Default": "other/"}, "Target": {"Type": "String"}},
             "Resources": {"Own": {"Type": "AWS::S3::Bucket", "Properties": {
                 "Filter": {"S3Key": {"Rules": rules}}, "Tags": [shared, shared],
                 "Target": {"Ref": "Target"}}}}}
    outer, inner = _link(parent, child)
    assert outer.resources is parent["Resources"]  # nothing passed to it: as written
    props = inner.resources["Own"]["Properties"]
    assert props["Filter"]["S3Key"]["Rules"][0]["Value"] == "in/"
    assert props["Tags"] == ["in/", "in/"]
    assert props["Target"] == {"Ref": "Target"}
    assert inner.resolver.refers_to(props["Target"]) == NodeKey(0, "Store")
    assert child["Resources"]["Own"]["Properties"]["Filter"]["S3Key"]["Rules"][0]["Value"] == {"Ref": "Prefix"}
    assert _texts(inner.resolver.value(rules[0]["Value"])) == ["in/"]  # the resolver agrees


def test_findings_of_a_linked_model_sort_with_the_default_bus_on_their_cycle():
    """A linked model's cycles hold NodeKeys and the default bus's text: two findings at one
    place sort by (stack, id), never comparing a NodeKey with a str."""
    from loopcheck.rulebase.finding import Finding, Level

    def at_one_place(cycle: List[Any]) -> Finding:
        return Finding("EL101", Level.ERROR, "a.yaml", 3, 1, "Fn", [], "loop", cycle=cycle)

    bus_first = at_one_place(["default", NodeKey(1, "Fn"), "default"])
    key_first = at_one_place([NodeKey(0, "Rule"), "default", NodeKey(0, "Rule")])
    later_stack = at_one_place([NodeKey(1, "A"), "default", NodeKey(1, "A")])
    found = sorted([later_stack, key_first, bus_first], key=Finding.sort_key)
    assert found == [bus_first, key_first, later_stack]
