"""loopcheck.resolve.values: Resolver.value and friends turn intrinsics into string patterns."""

from typing import Tuple

import pytest

from loopcheck.load.loader import Template, parse_text
from loopcheck.resolve.origin import NodeKey
from loopcheck.resolve.values import Pattern, Resolver, Symbol, branches, items_of, literal

TEMPLATE = """
Parameters:
  Named: {Type: String, Default: media}
  Count: {Type: Number, Default: 3}
  Free: {Type: String}
Mappings:
  Regions:
    us-east-1: {Bucket: east-bucket}
    eu-west-1: {Bucket: west-bucket}
Conditions:
  Cond: !Equals [!Ref Free, prod]
Resources:
  Archive:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub '${AWS::StackName}-archive'
  Plain:
    Type: AWS::S3::Bucket
  FromParam:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Ref Free
  Fn:
    Type: AWS::Serverless::Function
  NamedFn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: worker
  Queue:
    Type: AWS::SQS::Queue
"""


def parse(text):
    result = parse_text("template.yaml", text, True)
    assert isinstance(result, Template), result
    return result.data


@pytest.fixture(scope="module")
def resolver():
    return Resolver(parse(TEMPLATE))


def expr(yaml_text):
    """One decoded YAML expression, short-form tags included."""
    return parse(f"Resources: {{X: {{Type: T}}}}\nValue: {yaml_text}\n")["Value"]  # not empty: skipped


def rendered(resolver, yaml_text):
    return [str(p) for p in resolver.value(expr(yaml_text))]


# -- Ref ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "source, expected",
    [
        ("!Ref Named", "media"),
        ("!Ref Count", "3"),
        ("!Ref Free", "${Free}"),
        ("!Ref AWS::StackName", "${AWS::StackName}"),
        ("!Ref AWS::Region", "${AWS::Region}"),
        ("!Ref AWS::AccountId", "${AWS::AccountId}"),
        ("!Ref AWS::Partition", "aws"),
        ("!Ref Archive", "${AWS::StackName}-archive"),
        ("!Ref FromParam", "${Free}"),
        ("!Ref Plain", "${Plain}"),
        ("!Ref NamedFn", "worker"),
        ("!Ref Fn", "${Fn}"),
        ("!Ref Queue", "https://sqs.${AWS::Region}.amazonaws.com/${AWS::AccountId}/${Queue}"),  # a URL
    ],
)
def test_ref(resolver, source, expected):
    assert rendered(resolver, source) == [expected]


def test_ref_parameter_default_is_a_literal(resolver):
    (pattern,) = resolver.value(expr("!Ref Named"))
    assert pattern.literal == "media"
    assert pattern.parts == ("media",)


def test_ref_parameter_without_default_is_a_symbol(resolver):
    (pattern,) = resolver.value(expr("!Ref Free"))
    assert pattern.parts == (Symbol("parameter", "Free"),)
    assert pattern.literal is None
    assert not pattern.is_unknown


def test_ref_pseudo_parameter_is_a_symbol(resolver):
    (pattern,) = resolver.value(expr("!Ref AWS::StackName"))
    assert pattern.parts == (Symbol("pseudo", "AWS::StackName"),)


def test_ref_no_value_has_no_alternatives(resolver):
    assert resolver.value(expr("!Ref AWS::NoValue")) == ()


def test_ref_bucket_without_name_is_its_logical_id(resolver):
    (pattern,) = resolver.value(expr("!Ref Plain"))
    assert pattern.parts == (Symbol("resource", "Plain"),)


# -- GetAtt ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "source, expected",
    [
        ("!GetAtt Archive.Arn", "arn:aws:s3:::${AWS::StackName}-archive"),
        ("!GetAtt [Plain, Arn]", "arn:aws:s3:::${Plain}"),
        ("!GetAtt FromParam.Arn", "arn:aws:s3:::${Free}"),
        ("!GetAtt Fn.Arn", "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${Fn}"),
        ("!GetAtt NamedFn.Arn", "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:worker"),
        ("!GetAtt Archive.Name", "${AWS::StackName}-archive"),
        ("!GetAtt Plain.DomainName", "${Plain.DomainName}"),
        ("!GetAtt Queue.Arn", "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:${Queue}"),
    ],
)
def test_getatt(resolver, source, expected):
    assert rendered(resolver, source) == [expected]


def test_resource_name_and_arn(resolver):
    assert [str(p) for p in resolver.resource_name("Archive")] == ["${AWS::StackName}-archive"]
    assert [str(p) for p in resolver.resource_arn("Plain")] == ["arn:aws:s3:::${Plain}"]
    assert [str(p) for p in resolver.resource_arn("Fn")] == [
        "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${Fn}"
    ]
    assert resolver.resource_type("Queue") == "AWS::SQS::Queue"
    assert resolver.resource_type("Nope") is None


# -- Sub ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "source, expected",
    [
        ("!Sub 'arn:${AWS::Partition}:s3:::${Named}/*'", "arn:aws:s3:::media/*"),
        ("!Sub '${Free}-out'", "${Free}-out"),
        ("!Sub ['${Prefix}-${Suffix}', {Prefix: x, Suffix: !Ref Free}]", "x-${Free}"),
        ("!Sub ['${Named}', {Named: overridden}]", "overridden"),
        ("!Sub '${Plain.Arn}/*'", "arn:aws:s3:::${Plain}/*"),
        ("!Sub '${Fn.Arn}'", "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${Fn}"),
        ("!Sub '${Queue.QueueName}'", "${Queue}"),
        ("!Sub '${!Literal}'", "${Literal}"),
        ("!Sub 'a-${!Named}-b'", "a-${Named}-b"),
        ("!Sub 'cost${Named'", "cost${Named"),
        ("!Sub 'no variables'", "no variables"),
    ],
)
def test_sub(resolver, source, expected):
    assert rendered(resolver, source) == [expected]


def test_sub_escaped_variable_is_literal_text(resolver):
    (pattern,) = resolver.value(expr("!Sub '${!Literal}'"))
    assert pattern.parts == ("${Literal}",)


def test_sub_parts_are_merged_around_symbols(resolver):
    (pattern,) = resolver.value(expr("!Sub 'arn:${AWS::Partition}:s3:::${Free}/*'"))
    assert pattern.parts == ("arn:aws:s3:::", Symbol("parameter", "Free"), "/*")


# -- Join, Select, FindInMap, If, ImportValue ---------------------------------------------------

@pytest.mark.parametrize(
    "source, expected",
    [
        ("!Join ['-', [a, !Ref Free, c]]", ["a-${Free}-c"]),
        ("!Join ['', [!GetAtt Plain.Arn, '/*']]", ["arn:aws:s3:::${Plain}/*"]),
        ("!Join ['-', [a, !Ref AWS::NoValue, c]]", ["a-c"]),
        ("!Join [',', []]", [""]),
        ("!Select [1, [a, b, c]]", ["b"]),
        ("!Select ['2', [a, b, c]]", ["c"]),
        ("!Select [0, [!Ref Free, b]]", ["${Free}"]),
        ("!Select [1, !Split [',', 'x,y,z']]", ["y"]),
        ("!Select [1, !Split ['/', !Sub '${Named}/logs']]", ["logs"]),
        ("!FindInMap [Regions, us-east-1, Bucket]", ["east-bucket"]),
        ("!FindInMap [Regions, !Ref AWS::Region, Bucket]", ["east-bucket", "west-bucket"]),
        ("!If [Cond, a, b]", ["a", "b"]),
        ("!If [Cond, a, !Ref AWS::NoValue]", ["a"]),
    ],
)
def test_list_and_choice_functions(resolver, source, expected):
    assert rendered(resolver, source) == expected


def test_if_tags_each_branch_with_its_condition(resolver):
    first, second = resolver.value(expr("!If [Cond, !Ref Named, !Sub '${Free}-x']"))
    assert (str(first), first.conditions) == ("media", frozenset({"Cond"}))
    assert (str(second), second.conditions) == ("${Free}-x", frozenset({"!Cond"}))


def test_if_inside_join_drops_contradicting_combinations(resolver):
    values = resolver.value(expr("!Join ['-', [!If [Cond, a, b], !If [Cond, c, d]]]"))
    assert [(str(p), p.conditions) for p in values] == [
        ("a-c", frozenset({"Cond"})),
        ("b-d", frozenset({"!Cond"})),
    ]


def test_import_value_is_a_symbol_equal_to_nothing_else(resolver):
    (imported,) = resolver.value(expr("!ImportValue Free"))
    assert imported.parts == (Symbol("import", "Free"),)
    assert str(imported) == "${ImportValue Free}"
    (parameter,) = resolver.value(expr("!Ref Free"))
    (text,) = resolver.value(expr("!Sub '${!ImportValue Free}'"))
    assert str(text) == str(imported)
    assert imported != parameter
    assert imported.parts != parameter.parts
    assert imported.parts != text.parts
    assert imported.parts != literal("Free").parts


def test_import_values_with_different_names_differ(resolver):
    (a,) = resolver.value(expr("!ImportValue one"))
    (b,) = resolver.value(expr("!ImportValue two"))
    assert a != b


def _two_stacks() -> Tuple[Resolver, Resolver]:
    """The resolvers of two stack instances of a linked group (loopcheck.stacks.linker) that
    both write `Thing` (and each has its own `AWS::StackName`)."""
    data = {"Resources": {"Thing": {"Type": "Custom::Thing"}}}
    return Resolver(data, stack=0), Resolver(data, stack=1)


def test_symbols_of_two_stacks_are_told_apart_by_their_stack_not_their_text():
    one, two = _two_stacks()
    (first,), (second,) = one.value({"Ref": "Thing"}), two.value({"Ref": "Thing"})
    assert first.parts == (Symbol("resource", "Thing", stack=0),)
    assert second.parts == (Symbol("resource", "Thing", stack=1),)
    assert str(first) == str(second) == "${Thing}"  # as each template wrote it
    assert first != second and first.key != second.key
    assert one.refers_to({"Ref": "Thing"}) == NodeKey(0, "Thing") != two.refers_to({"Ref": "Thing"})
    assert one.display(NodeKey(1, "Thing")) == "Thing"


def test_imports_named_from_two_stacks_differ_though_written_alike():
    one, two = _two_stacks()
    (first,) = one.value({"Fn::ImportValue": {"Fn::Sub": "${AWS::StackName}-queue"}})
    (second,) = two.value({"Fn::ImportValue": {"Fn::Sub": "${AWS::StackName}-queue"}})
    assert str(first) == str(second) == "${ImportValue ${AWS::StackName}-queue}"
    assert first != second and first.key != second.key


# -- same bucket, different spelling ------------------------------------------------------------

def test_same_sub_in_two_places_gives_equal_parts():
    data = parse(
        "Resources:\n"
        "  Archive:\n"
        "    Type: AWS::S3::Bucket\n"
        "    Properties:\n"
        "      BucketName: !Sub '${AWS::StackName}-archive'\n"
        "  Notify:\n"
        "    Type: Custom::S3BucketNotifications\n"
        "    Properties:\n"
        "      BucketName: !Sub '${AWS::StackName}-archive'\n"
    )
    resolver = Resolver(data)
    (bucket,) = resolver.resource_name("Archive")
    (other,) = resolver.value(data["Resources"]["Notify"]["Properties"]["BucketName"])
    assert bucket.parts == other.parts
    assert bucket.parts == (Symbol("pseudo", "AWS::StackName"), "-archive")


def test_bucket_name_parameter_and_policy_arn_share_the_name():
    data = parse(
        "Parameters:\n"
        "  Out: {Type: String}\n"
        "Resources:\n"
        "  Bucket:\n"
        "    Type: AWS::S3::Bucket\n"
        "    Properties:\n"
        "      BucketName: !Ref Out\n"
        "  Policy:\n"
        "    Type: AWS::IAM::Policy\n"
        "    Properties:\n"
        "      Resource: !Sub 'arn:${AWS::Partition}:s3:::${Out}/*'\n"
    )
    resolver = Resolver(data)
    (name,) = resolver.resource_name("Bucket")
    (arn,) = resolver.value(data["Resources"]["Policy"]["Properties"]["Resource"])
    assert name.parts == (Symbol("parameter", "Out"),)
    assert arn.parts[1] == name.parts[0]
    (bucket_arn,) = resolver.resource_arn("Bucket")
    assert arn.parts == bucket_arn.parts + ("/*",)


def test_partition_and_literal_arn_are_equal(resolver):
    (a,) = resolver.value(expr("!Sub 'arn:${AWS::Partition}:s3:::${Plain}'"))
    (b,) = resolver.value(expr("!GetAtt Plain.Arn"))
    assert a == b


# -- refers_to, branches, items_of ----------------------------------------------------------------

@pytest.mark.parametrize(
    "source, expected",
    [
        ("!Ref Plain", "Plain"),
        ("!GetAtt Fn.Arn", "Fn"),
        ("!GetAtt [Fn, Arn]", "Fn"),
        ("!Sub '${Fn.Arn}'", "Fn"),
        ("!Sub '${Plain}'", "Plain"),
        ("!Sub '${Plain}/*'", None),
        ("!Ref Free", None),
        ("!Ref Missing", None),
        ("!GetAtt Missing.Arn", None),
        ("plain-text", None),
    ],
)
def test_refers_to(resolver, source, expected):
    assert resolver.refers_to(expr(source)) == expected


def test_branches():
    node = expr("!If [C, a, !If [D, b, !Ref AWS::NoValue]]")
    assert branches(node) == ["a", "b"]
    assert branches(expr("!Ref AWS::NoValue")) == []
    assert branches("x") == ["x"]
    assert branches(expr("!Ref Free")) == [{"Ref": "Free"}]


def test_items_of():
    assert items_of(expr("[a, !If [C, b, !Ref AWS::NoValue], c]")) == ["a", "b", "c"]
    assert items_of(expr("!If [C, [a, b], [c]]")) == ["a", "b", "c"]
    assert items_of("lone") == ["lone"]
    assert items_of(expr("!Ref AWS::NoValue")) == []


# -- malformed input ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "source",
    [
        "!Ref [a, b]",
        "!Ref {a: b}",
        "!Ref NotDeclared",
        "!GetAtt Missing.Arn",
        "!GetAtt [OnlyOne]",
        "!GetAtt NoDot",
        "!GetAtt [Fn, Arn, Extra]",
        "!Sub [one, two, three]",
        "!Sub [only]",
        "!Sub {a: b}",
        "!Join [only]",
        "!Join ['-', !Ref Free]",
        "!Join [[x], [a]]",
        "!Select [0]",
        "!Select [5, [a]]",
        "!Select [-1, [a]]",
        "!Select [0, !Ref Free]",
        "!FindInMap [Regions]",
        "!FindInMap [Nope, a, b]",
        "!FindInMap [Regions, us-east-1, Missing]",
        "!If [Cond, a]",
        "!Split [',', 'a,b']",
        "!Base64 x",
        "{Unknown::Fn: x}",
        "{a: 1, b: 2}",
        "[a, b]",
        "~",
    ],
)
def test_malformed_values_are_unknown_and_never_raise(resolver, source):
    values = resolver.value(expr(source))
    assert len(values) == 1
    assert values[0].is_unknown
    assert str(values[0]) == "<unknown>"


def test_unknowns_never_equal_each_other(resolver):
    (a,) = resolver.value(expr("!Ref NotDeclared"))
    (b,) = resolver.value(expr("!Ref NotDeclared"))
    assert a != b


def test_unknown_inside_sub_keeps_the_literal_parts(resolver):
    (pattern,) = resolver.value(expr("!Sub 'a-${NotDeclared}-b'"))
    assert pattern.is_unknown
    assert pattern.parts[0] == "a-" and pattern.parts[-1] == "-b"


def test_self_referencing_bucket_name_does_not_recurse():
    data = parse(
        "Resources:\n  Loop:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref Loop\n"
    )
    assert [str(p) for p in Resolver(data).resource_name("Loop")] == ["${Loop}"]


def test_deep_nesting_is_unknown_not_a_crash():
    node = "x"
    for _ in range(60):
        node = {"Fn::Join": ["", [node]]}
    (pattern,) = Resolver({"Resources": {}}).value(node)
    assert pattern.is_unknown


def test_resolver_accepts_templates_with_odd_sections():
    resolver = Resolver({"Parameters": [], "Resources": "x", "Mappings": None})
    (pattern,) = resolver.value({"Ref": "P"})
    assert pattern.is_unknown


def test_pattern_helpers():
    pattern = Pattern(("a", Symbol("parameter", "P"), "b"))
    assert str(pattern) == "a${P}b"
    assert pattern.literal is None
    assert literal("").parts == ()
    assert literal("abc").literal == "abc"
