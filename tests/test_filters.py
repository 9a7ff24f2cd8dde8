"""The filter matchers, operator by operator: EventBridge patterns, event source mapping
FilterCriteria and SNS filter policies (loopcheck.resolve.filters, one pattern language), and
the S3 notification's prefix/suffix key filter (judged on the hop, through the pipeline).

Each operator is checked for a match (YES: everything the writer emits passes), a non-match
(NO: the filter drops it all) and, where the emission is a glob, a doubt (MAYBE)."""

from __future__ import annotations

from typing import List, Optional

import pytest
from builder import bucket, function, model_and_graph, put_statement, s3_event, sub, template

from loopcheck.judge.loops import find_loops
from loopcheck.resolve.filters import MAYBE, NO, YES, Emission, Resolved, literals, match_any, match_pattern
from loopcheck.resolve.globs import Tokens, tokens
from loopcheck.resolve.values import Pattern
from loopcheck.rulebase import GUARDED, LOOP, POSSIBLE


def glob(text: str) -> Tokens:
    """An emitted value where `*` stands for anything the writer may put there."""
    return tokens(Pattern((text,)), wildcards=True)


def emits(path: str, *values: str) -> Emission:
    """An emission whose field `path` is one of `values` (each may hold `*`)."""
    return Emission({path: [glob(v) for v in values]})


# -- literal values (ORed in a list) ------------------------------------------------------------


@pytest.mark.parametrize("emitted, expected", [
    (["app.orders"], YES),
    (["app.audit"], NO),
    (["app.orders", "app.billing"], YES),  # every alternative is listed
    (["app.orders", "app.audit"], MAYBE),  # one passes, one does not
    (["app.*"], MAYBE),  # a glob that may or may not be a listed value
    (["web.*"], NO),  # a glob no listed value fits
])
def test_literal_values(emitted: List[str], expected: str):
    pattern = {"source": ["app.orders", "app.billing"]}
    assert match_pattern(pattern, emits("source", *emitted)) == expected


def test_a_scalar_condition_is_one_literal():
    assert match_pattern({"source": "app.orders"}, emits("source", "app.orders")) == YES
    assert match_pattern({"source": "app.orders"}, emits("source", "app.other")) == NO


# -- prefix, suffix, wildcard -------------------------------------------------------------------


@pytest.mark.parametrize("emitted, expected", [
    ("orders/2024.json", YES),
    ("orders/*", YES),  # anything under the prefix still has the prefix
    ("invoices/2024.json", NO),
    ("*", MAYBE),
    ("ord", NO),  # shorter than the prefix
])
def test_prefix(emitted: str, expected: str):
    pattern = {"detail": {"object": {"key": [{"prefix": "orders/"}]}}}
    assert match_pattern(pattern, emits("detail.object.key", emitted)) == expected


@pytest.mark.parametrize("emitted, expected", [
    ("photo.jpg", YES),
    ("thumbs/*.jpg", YES),
    ("photo.png", NO),
    ("thumbs/*.png", NO),
    ("thumbs/*", MAYBE),
])
def test_suffix(emitted: str, expected: str):
    pattern = {"detail": {"object": {"key": [{"suffix": ".jpg"}]}}}
    assert match_pattern(pattern, emits("detail.object.key", emitted)) == expected


@pytest.mark.parametrize("emitted, expected", [
    ("Object Created", YES),
    ("Object Deleted", YES),
    ("Bucket Created", NO),
    ("Object C*", YES),
    ("Object*", MAYBE),  # "Objectx" would not match: no space
    ("*Created", MAYBE),
])
def test_wildcard(emitted: str, expected: str):
    assert match_pattern({"detail-type": [{"wildcard": "Object *"}]}, emits("detail-type", emitted)) == expected


def test_a_wildcard_value_that_is_not_text_is_a_doubt():
    assert match_pattern({"detail-type": [{"wildcard": 7}]}, emits("detail-type", "x")) == MAYBE


def test_prefix_and_suffix_of_a_resolved_value():
    """A pattern value written as an intrinsic (`prefix: !Ref Name`) matches as its text."""
    name = Resolved(glob("media"), "media")
    assert match_pattern({"bucket": [{"prefix": name}]}, emits("bucket", "media-out")) == YES
    assert match_pattern({"bucket": [{"suffix": name}]}, emits("bucket", "old-media")) == YES
    assert match_pattern({"bucket": [{"prefix": name}]}, emits("bucket", "photos")) == NO
    assert match_pattern({"bucket": [name]}, emits("bucket", "media")) == YES


# -- anything-but, equals-ignore-case, exists -------------------------------------------------


@pytest.mark.parametrize("condition, emitted, expected", [
    ("app.orders", "app.audit", YES),
    ("app.orders", "app.orders", NO),
    (["app.orders", "app.audit"], "app.audit", NO),
    (["app.orders", "app.audit"], "app.billing", YES),
    ({"prefix": "app."}, "web.orders", YES),
    ({"prefix": "app."}, "app.orders", NO),
    ("app.orders", "app.*", MAYBE),
])
def test_anything_but(condition, emitted: str, expected: str):
    pattern = {"source": [{"anything-but": condition}]}
    assert match_pattern(pattern, emits("source", emitted)) == expected


@pytest.mark.parametrize("emitted, expected", [
    ("ORDERS", YES),
    ("orders", YES),
    ("Orders", YES),
    ("audit", NO),
    ("ord*", MAYBE),  # a glob is not compared without case
])
def test_equals_ignore_case(emitted: str, expected: str):
    assert match_pattern({"kind": [{"equals-ignore-case": "Orders"}]}, emits("kind", emitted)) == expected


def test_exists_on_a_field_the_writer_sets():
    present = emits("MessageAttributes.kind", "order")
    assert match_pattern({"MessageAttributes": {"kind": [{"exists": True}]}}, present) == YES
    assert match_pattern({"MessageAttributes": {"kind": [{"exists": False}]}}, present) == NO


def test_exists_on_a_field_the_writer_provably_does_not_set():
    absent = Emission(absent_prefixes=("MessageAttributes.",))
    assert match_pattern({"MessageAttributes": {"kind": [{"exists": True}]}}, absent) == NO
    assert match_pattern({"MessageAttributes": {"kind": [{"exists": False}]}}, absent) == YES
    # any other condition on a field that is never there drops the message too
    assert match_pattern({"MessageAttributes": {"kind": ["order"]}}, absent) == NO


def test_exists_on_a_field_nothing_is_known_about_is_a_doubt():
    assert match_pattern({"kind": [{"exists": True}]}, Emission()) == MAYBE


# -- fields ANDed, patterns ORed, what is not understood ----------------------------------------


def test_fields_are_anded():
    emission = Emission({"source": literals("app.orders"), "detail-type": literals("Created")})
    assert match_pattern({"source": ["app.orders"], "detail-type": ["Created"]}, emission) == YES
    assert match_pattern({"source": ["app.orders"], "detail-type": ["Deleted"]}, emission) == NO
    # one field unknown to the emission: no proof either way, unless another field says NO
    assert match_pattern({"source": ["app.orders"], "account": ["1"]}, emission) == MAYBE
    assert match_pattern({"source": ["web"], "account": ["1"]}, emission) == NO


def test_patterns_are_ored_and_no_pattern_is_no_filter():
    emission = emits("eventName", "INSERT")
    assert match_any([], emission) == YES
    assert match_any([{"eventName": ["REMOVE"]}, {"eventName": ["INSERT"]}], emission) == YES
    assert match_any([{"eventName": ["REMOVE"]}, {"eventName": ["MODIFY"]}], emission) == NO
    assert match_any([{"eventName": ["REMOVE"]}, {"other": ["x"]}], emission) == MAYBE


def test_an_unknown_operator_or_an_unparsed_pattern_is_a_doubt():
    emission = emits("size", "10")
    assert match_pattern({"size": [{"numeric": [">", 5]}]}, emission) == MAYBE
    assert match_pattern({"$or": [{"size": ["10"]}]}, emission) == MAYBE
    assert match_pattern({"$unparsed": "not json"}, emission) == MAYBE


def test_a_put_events_caller_never_sends_an_aws_source():
    caller = Emission({"source": None}, custom_source=True)
    assert match_pattern({"source": ["aws.s3"]}, caller) == NO
    assert match_pattern({"source": [{"prefix": "aws."}]}, caller) == NO
    assert match_pattern({"source": ["aws.s3", "app.orders"]}, caller) == MAYBE


# -- the same language in its three homes -------------------------------------------------------


def test_dynamodb_stream_filter_criteria_on_event_names():
    """FilterCriteria on a stream: a writer that only inserts passes an INSERT filter and is
    dropped by a REMOVE one."""
    inserts = Emission({"eventName": literals("INSERT")})
    assert match_any([{"eventName": ["INSERT"]}], inserts) == YES
    assert match_any([{"eventName": ["REMOVE"]}], inserts) == NO
    assert match_any([{"eventName": [{"anything-but": "REMOVE"}]}], inserts) == YES


def test_sns_filter_policy_on_message_attributes():
    """An SNS filter policy is matched under MessageAttributes (the default scope)."""
    policy = {"MessageAttributes": {"kind": ["order"], "region": [{"prefix": "eu-"}]}}
    assert match_pattern(policy, Emission({"MessageAttributes.kind": literals("order"),
                                           "MessageAttributes.region": literals("eu-west-1")})) == YES
    assert match_pattern(policy, Emission({"MessageAttributes.kind": literals("order"),
                                           "MessageAttributes.region": literals("us-east-1")})) == NO


def test_eventbridge_pattern_on_an_s3_event():
    s3_event_emission = Emission({"source": literals("aws.s3"), "detail-type": literals("Object Created"),
                                  "detail.object.key": [glob("out/*")]})
    pattern = {"source": ["aws.s3"], "detail-type": ["Object Created"],
               "detail": {"object": {"key": [{"prefix": "in/"}]}}}
    assert match_pattern(pattern, s3_event_emission) == NO
    pattern["detail"]["object"]["key"] = [{"prefix": "out/"}]
    assert match_pattern(pattern, s3_event_emission) == YES


# -- the S3 notification's key filter, judged on the hop ----------------------------------------


def s3_hop_level(prefix: Optional[str], suffix: Optional[str], written: str) -> int:
    """Media notifies Fn (with the key filter); Fn may put objects under `written` only."""
    document = template({
        "Media": bucket(),
        "Fn": function(put_statement(sub("${Media.Arn}/" + written)),
                       {"Up": s3_event("Media", prefix=prefix, suffix=suffix)}, code_uri=None),
    })
    _model, graph = model_and_graph(document)
    loops = find_loops(graph)
    if not loops:
        return -1
    [loop] = loops
    [hop] = loop.hops
    return hop.level


@pytest.mark.parametrize("prefix, suffix, written, expected", [
    (None, None, "*", LOOP),  # no filter: every key
    ("uploads/", None, "uploads/thumbs/*", LOOP),  # the writes lie inside the prefix
    ("uploads/", None, "processed/*", GUARDED),  # never inside the prefix
    ("uploads/", None, "*", POSSIBLE),  # may or may not be
    (None, ".jpg", "*.jpg", LOOP),
    (None, ".jpg", "*.webp", GUARDED),
    (None, ".jpg", "thumbs/*", POSSIBLE),
    ("in/", ".jpg", "in/*.jpg", LOOP),
    ("in/", ".jpg", "in/*.png", GUARDED),  # prefix matches, suffix cannot
    ("in/", ".jpg", "out/*.jpg", GUARDED),  # suffix matches, prefix cannot
])
def test_s3_key_filter(prefix, suffix, written, expected):
    assert s3_hop_level(prefix, suffix, written) == expected
