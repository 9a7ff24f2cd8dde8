"""loopcheck.resolve.globs and loopcheck.model.iam: action and resource matching, policy documents, and
the permission side of the pipeline end to end."""

import pytest
from builder import bucket, dump, function, line_of, s3_event, statement, sub, template
from builder import findings as findings_of_document

from loopcheck.load.loader import Template, parse_text
from loopcheck.model.iam import Statement, statements_from_document
from loopcheck.resolve.globs import ONE, STAR, covers, intersects, literal_prefix, tokens
from loopcheck.resolve.values import Pattern, Resolver, Symbol, literal
from loopcheck.services.s3_grants import object_tokens


def iam(text):
    """An IAM resource pattern: `*` and `?` are wildcards."""
    return tokens(Pattern((text,)), wildcards=True)


def bucket_objects(name, prefix="", suffix=""):
    """Every object ARN of a bucket (key filter optional), as services.s3_grants.object_tokens builds it."""
    head = name if isinstance(name, Pattern) else literal(name)
    arn = tokens(Pattern(("arn:aws:s3:::",) + head.parts), wildcards=False)
    return object_tokens(arn, prefix, suffix)


def allow(*actions, not_action=False):
    return Statement("Allow", tuple(a.lower() for a in actions), not_action, ())


# -- globs ----------------------------------------------------------------------------------

def test_tokens_with_and_without_wildcards():
    assert tokens(Pattern(("a**?b",)), wildcards=True) == ("a", STAR, ONE, "b")
    assert tokens(Pattern(("a*b",)), wildcards=False) == ("a", "*", "b")
    sym = Symbol("parameter", "P")
    assert tokens(Pattern(("x", sym)), wildcards=True) == ("x", sym)
    assert literal_prefix(iam("arn:aws:s3:::b/out/*")) == "arn:aws:s3:::b/out/"


@pytest.mark.parametrize(
    "resource, bucket, prefix, expected",
    [
        ("arn:aws:s3:::b/*", "b", "", True),
        ("arn:aws:s3:::b/out/*", "b", "in/", False),
        ("arn:aws:s3:::b/in/*", "b", "in/", True),
        ("arn:aws:s3:::b/*", "b", "in/", True),
        ("arn:aws:s3:::*", "b", "", True),
        ("arn:aws:s3:::*", "anything-else", "", True),
        ("*", "b", "", True),
        ("*", "another", "in/", True),
        ("arn:aws:s3:::other/*", "b", "", False),
        ("arn:aws:s3:::bb/*", "b", "", False),
        ("arn:aws:s3:::b", "b", "", False),  # the bucket itself, not its objects
        ("arn:aws:s3:::?/*", "b", "", True),
        ("arn:aws:s3:::??/*", "b", "", True),  # "b/" then a key starting with "/"
        ("arn:aws:s3:::c?/*", "b", "", False),
    ],
)
def test_resource_intersects_object_set(resource, bucket, prefix, expected):
    assert intersects(iam(resource), bucket_objects(bucket, prefix)) is expected


def test_suffix_filter_intersection():
    assert intersects(iam("arn:aws:s3:::b/*.png"), bucket_objects("b", suffix=".jpg")) is False
    assert intersects(iam("arn:aws:s3:::b/thumbs/*"), bucket_objects("b", suffix=".jpg")) is True


def test_symbolic_bucket_matches_only_its_own_symbol_or_a_wildcard():
    name = Pattern((Symbol("resource", "Media"),))
    own = tokens(Pattern(("arn:aws:s3:::", Symbol("resource", "Media"), "/*")), wildcards=True)
    other = tokens(Pattern(("arn:aws:s3:::", Symbol("resource", "Other"), "/*")), wildcards=True)
    assert intersects(own, bucket_objects(name)) is True
    assert intersects(other, bucket_objects(name)) is False
    assert intersects(iam("arn:aws:s3:::*"), bucket_objects(name)) is True


def test_object_set_star_is_not_a_literal_star():
    objects = bucket_objects("b")
    assert objects[-1] is STAR
    assert intersects(iam("arn:aws:s3:::b/x"), objects)


@pytest.mark.parametrize(
    "general, specific, expected",
    [
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/out/*", True),
        ("arn:aws:s3:::b/out/*", "arn:aws:s3:::b/*", False),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/*", True),
        ("*", "arn:aws:s3:::b/*", True),
        ("arn:aws:s3:::b/*", "*", False),
        ("arn:aws:s3:::b/?", "arn:aws:s3:::b/x", True),
        ("arn:aws:s3:::b/x", "arn:aws:s3:::b/?", False),
        ("arn:aws:s3:::b/?", "arn:aws:s3:::b/*", False),
        ("arn:aws:s3:::other/*", "arn:aws:s3:::b/*", False),
    ],
)
def test_covers(general, specific, expected):
    assert covers(iam(general), iam(specific)) is expected


def test_covers_object_set():
    assert covers(iam("arn:aws:s3:::b/*"), bucket_objects("b", "in/")) is True
    assert covers(iam("arn:aws:s3:::b/in/*"), bucket_objects("b")) is False


# -- actions ----------------------------------------------------------------------------------

@pytest.mark.parametrize("action", ["s3:Put*", "s3:*Object", "s3:*", "*", "S3:PUTOBJECT", "s3:?utObject"])
def test_action_wildcards_grant_put_object(action):
    assert allow(action).grants("s3:PutObject") is True


@pytest.mark.parametrize("action", ["s3:Get*", "s3:PutObjectAcl", "s3:PutObject?", "sqs:*", "s3"])
def test_actions_that_do_not_grant_put_object(action):
    assert allow(action).grants("s3:PutObject") is False


def test_grants_is_case_insensitive_on_the_asked_action():
    assert allow("s3:putobject").grants("S3:PutObject") is True


def test_not_action():
    assert allow("iam:*", not_action=True).grants("s3:PutObject") is True
    assert allow("s3:*", not_action=True).grants("s3:PutObject") is False
    assert allow("s3:Get*", not_action=True).grants("s3:PutObject") is True


def test_granted_filters_candidates_in_order():
    statement = allow("s3:Put*")
    assert statement.granted(["s3:DeleteObject", "s3:PutObject", "s3:PutObjectAcl"]) == (
        "s3:PutObject",
        "s3:PutObjectAcl",
    )


# -- statements_from_document -------------------------------------------------------------------

# Text on purpose: the short-form tags (!Sub, !If, !Join, !Ref AWS::NoValue) and the odd statements
# are read as a template author writes them.
DOCS = """
Parameters:
  Out: {Type: String}
Conditions:
  C: !Equals [a, b]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Ref Out
  Plain:
    Type: AWS::S3::Bucket
Documents:
  single:
    Version: 2012-10-17
    Statement:
      Effect: Allow
      Action: s3:PutObject
      Resource: !Sub 'arn:${AWS::Partition}:s3:::${Out}/*'
  several:
    Statement:
      - Effect: Allow
        Action: [s3:GetObject, S3:PutObject]
        Resource: [!Sub '${Bucket.Arn}/*', !GetAtt Plain.Arn]
      - Effect: Deny
        Action: s3:DeleteObject
        Resource: !Join ['', [!GetAtt Plain.Arn, /*]]
  not_resource:
    Statement:
      - Effect: Allow
        Action: s3:PutObject
        NotResource: arn:aws:s3:::secret/*
  conditional:
    Statement:
      - !If
        - C
        - {Effect: Allow, Action: s3:PutObject, Resource: arn:aws:s3:::one/*}
        - {Effect: Allow, Action: s3:DeleteObject, Resource: arn:aws:s3:::two/*}
      - !Ref AWS::NoValue
  odd:
    Statement:
      - Effect: Maybe
        Action: s3:PutObject
        Resource: '*'
      - just text
      - Effect: Allow
        Action: !Ref Out
        Resource: '*'
      - Effect: Deny
        Action: !Ref Out
        Resource: '*'
  empty:
    Version: 2012-10-17
"""


@pytest.fixture(scope="module")
def docs():
    result = parse_text("template.yaml", DOCS, True)
    assert isinstance(result, Template), result
    return result.data["Documents"], Resolver(result.data)


def read(docs, name, path=("P",)):
    documents, resolver = docs
    return statements_from_document(documents[name], resolver, "src", path)


def test_statement_as_a_dict_with_string_action(docs):
    (statement,) = read(docs, "single")
    assert statement.effect == "Allow"
    assert statement.actions == ("s3:putobject",)
    assert statement.not_action is False
    assert [str(r) for r in statement.resources] == ["arn:aws:s3:::${Out}/*"]
    assert statement.resources[0].parts == ("arn:aws:s3:::", Symbol("parameter", "Out"), "/*")
    assert statement.path == ("P", "Statement")
    assert statement.source == "src"
    assert statement.grants("s3:PutObject")


def test_statement_list_with_action_list_and_intrinsic_resources(docs):
    first, second = read(docs, "several")
    assert first.actions == ("s3:getobject", "s3:putobject")
    assert [str(r) for r in first.resources] == ["arn:aws:s3:::${Out}/*", "arn:aws:s3:::${Plain}"]
    assert len(first.resource_tokens) == 2
    assert first.path == ("P", "Statement", 0)
    assert second.effect == "Deny"
    assert second.actions == ("s3:deleteobject",)
    assert [str(r) for r in second.resources] == ["arn:aws:s3:::${Plain}/*"]
    assert second.path == ("P", "Statement", 1)


def test_resolved_resource_reaches_the_bucket_objects(docs):
    documents, resolver = docs
    (statement,) = read(docs, "single")
    (name,) = resolver.resource_name("Bucket")
    assert intersects(statement.resource_tokens[0], bucket_objects(name))


def test_bare_statement_list(docs):
    documents, resolver = docs
    statements = statements_from_document(documents["several"]["Statement"], resolver, "src", ("Q",))
    assert [s.effect for s in statements] == ["Allow", "Deny"]
    assert statements[0].path == ("Q", 0)


def test_not_resource_means_every_resource(docs):
    (statement,) = read(docs, "not_resource")
    assert [str(r) for r in statement.resources] == ["*"]
    assert statement.resource_tokens == ((STAR,),)


def test_if_inside_statement_list_yields_both_statements(docs):
    statements = read(docs, "conditional")
    assert [(s.actions, str(s.resources[0])) for s in statements] == [
        (("s3:putobject",), "arn:aws:s3:::one/*"),
        (("s3:deleteobject",), "arn:aws:s3:::two/*"),
    ]
    assert all(s.path == ("P", "Statement", 0) for s in statements)


def test_odd_statements(docs):
    allowed, denied = read(docs, "odd")
    # an Allow whose action cannot be spelled out may be anything
    assert (allowed.effect, allowed.actions) == ("Allow", ("*",))
    assert allowed.grants("s3:PutObject")
    # a Deny whose action cannot be spelled out denies nothing
    assert (denied.effect, denied.actions) == ("Deny", ())
    assert not denied.grants("s3:PutObject")


def test_document_without_statements(docs):
    assert read(docs, "empty") == []
    documents, resolver = docs
    assert statements_from_document(None, resolver, "src", ()) == []
    assert statements_from_document("text", resolver, "src", ()) == []


# -- end to end -------------------------------------------------------------------------------

BUCKET_OBJECTS = sub("arn:aws:s3:::${Bucket}/*")


def worker(*statements, events="s3:ObjectCreated:*"):
    """A SAM template: Worker, triggered by Bucket's `events`, holding one inline policy of `statements`."""
    policies = [{"Statement": list(statements)}]
    return template({"Bucket": bucket(), "Worker": function(policies, {"Upload": s3_event("Bucket", events)})})


PUT = statement("s3:PutObject", BUCKET_OBJECTS)
DENY_PUT = statement("s3:PutObject", BUCKET_OBJECTS, effect="Deny")


def findings(*statements, events="s3:ObjectCreated:*"):
    return findings_of_document(worker(*statements, events=events))


def rules(found):
    return [f.rule for f in found]


def test_put_on_own_bucket_is_an_unguarded_loop():
    found = findings(PUT)
    el101 = [f for f in found if f.rule == "EL101"]
    assert len(el101) == 1
    assert el101[0].resource == "Worker"
    assert el101[0].cycle == ["Bucket", "Worker", "Bucket"]
    assert (el101[0].line, el101[0].column) == (line_of(dump(worker(PUT)), "  Worker:"), 3)


def test_partition_spelled_arn_is_the_same_bucket():
    found = findings(statement("s3:PutObject", sub("arn:${AWS::Partition}:s3:::${Bucket}/*")))
    assert "EL101" in rules(found)


def test_deny_on_the_same_resource_removes_the_loop():
    assert "EL101" not in rules(findings(PUT, DENY_PUT))


def test_deny_on_another_bucket_keeps_the_loop():
    deny_other = statement("s3:PutObject", "arn:aws:s3:::other/*", effect="Deny")
    assert "EL101" in rules(findings(PUT, deny_other))


def test_deny_of_another_action_keeps_the_loop():
    deny_get = statement("s3:GetObject", BUCKET_OBJECTS, effect="Deny")
    assert "EL101" in rules(findings(PUT, deny_get))


def test_deny_with_not_resource_excluding_the_bucket_keeps_the_loop():
    deny_elsewhere = {"Effect": "Deny", "Action": "s3:PutObject", "NotResource": BUCKET_OBJECTS}
    assert "EL101" in rules(findings(PUT, deny_elsewhere))


def test_put_wildcard_on_every_resource_is_a_possible_loop():
    # Reaches the bucket only through a wildcard, and no code was read: WL110, not an error.
    assert rules(findings(statement("s3:Put*", "*"))) == ["WL110"]


def test_put_on_another_bucket_is_not_a_loop():
    assert findings(statement("s3:PutObject", "arn:aws:s3:::other/*")) == []


def test_read_only_permission_has_no_findings():
    assert findings(statement("s3:GetObject", BUCKET_OBJECTS)) == []


def test_delete_does_not_emit_object_created():
    delete = statement("s3:DeleteObject", BUCKET_OBJECTS)
    assert findings(delete) == []


def test_delete_emits_object_removed():
    delete = statement("s3:DeleteObject", BUCKET_OBJECTS)
    # A delete reaches an ObjectRemoved notification; a chain of deletes is a cascade (WL111).
    assert rules(findings(delete, events="s3:ObjectRemoved:*")) == ["WL111"]
    assert rules(findings(delete, events="s3:ObjectCreated:*")) == []
