"""Non-templates are recognised before their values are built, and no template is missed:
every way YAML/JSON can spell a top-level Resources key is read as a template, and every
skipped file keeps the reason (or error) the full read gives."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loopcheck.load import loader, sniff
from loopcheck.load.loader import NOT_A_TEMPLATE, LoadError, Skipped, Template, load_bytes

BODY = "Fn:\n    Type: AWS::Serverless::Function\n"  # one resource, indented under the key

TEMPLATES = {
    "plain": "Resources:\n  " + BODY,
    "double-quoted": '"Resources":\n  ' + BODY,
    "single-quoted": "'Resources':\n  " + BODY,
    "document-start": "---\nResources:\n  " + BODY,
    "comments": "# a stack\n  # indented comment\nResources: # here\n  " + BODY,
    "crlf": ("Resources:\n  " + BODY).replace("\n", "\r\n"),
    "complex-key": "? Resources\n:\n  " + BODY,
    "str-tag": "!!str Resources:\n  " + BODY,
    "anchored-key": "&k Resources:\n  " + BODY,
    "alias-key": "Name: &k Resources\n*k :\n  " + BODY,
    "indented-top-level": "   Description: x\n   Resources:\n     " + BODY.replace("\n    ", "\n      "),
    "flow-one-line": "{Resources: {Fn: {Type: AWS::Serverless::Function}}}",
    "flow-after-lines": "\n\n  {\n Resources: {Fn: {Type: AWS::Serverless::Function}}}",
    "json-in-yaml": '{"Resources": {"Fn": {"Type": "AWS::Serverless::Function"}}}',
    "hex-escape": '"\\x52esources":\n  ' + BODY,
    "unicode-escape": '"\\u0052esources":\n  ' + BODY,
    "long-unicode-escape": '"\\U00000052esources":\n  ' + BODY,
    "escaped-line-break": '? "Res\\\n   ources"\n:\n  ' + BODY,
    "escaped-crlf-line-break": ('? "Res\\\n   ources"\n:\n  ' + BODY).replace("\n", "\r\n"),
    "merge-key": "base: &b\n  Resources:\n    " + BODY.replace("\n    ", "\n      ") + "<<: *b\n",
}

JSON_TEMPLATES = {
    "json": '{"Resources": {"Fn": {"Type": "AWS::Serverless::Function"}}}',
    "json-escaped-key": '{"\\u0052esources": {"Fn": {"Type": "AWS::Serverless::Function"}}}',
    "json-tab-before-brace": '\t{"Resources": {"Fn": {"Type": "AWS::Serverless::Function"}}}',
}

NON_TEMPLATES = {
    "k8s": "apiVersion: apps/v1\nkind: Deployment\nspec:\n  resources: {limits: {cpu: 1}}\n",
    "workflow": "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
                "    steps:\n      - run: make\n",
    "nested-word": "Config:\n  Resources: {}\n",  # named, not at the top: the builder decides
    "lowercase": "resources:\n  a: 1\n",
    "scalar": "just text\n",
    "empty": "",
    "comment-only": "# nothing\n",
}


def _full_read(name: str, raw: bytes):
    """The read of every file, values built: the sniff always answers "maybe"."""
    saved = sniff.could_name_resources, sniff.json_value_is_plain_non_template
    sniff.could_name_resources = lambda text: True
    sniff.json_value_is_plain_non_template = lambda value: False
    try:
        return load_bytes(name, raw)
    finally:
        sniff.could_name_resources, sniff.json_value_is_plain_non_template = saved


def _outcome(result):
    if isinstance(result, Template):
        return ("template", sorted(result.data["Resources"]))
    if isinstance(result, Skipped):
        return ("skipped", result.reason, result.empty)
    return ("error", result.message, result.line, result.column)


@pytest.fixture
def no_values_built(monkeypatch):
    """Fails the test when the loader builds values (loopcheck.load.loader._parse)."""
    def refuse(*args):
        raise AssertionError("values were built")
    monkeypatch.setattr(loader, "_parse", refuse)


@pytest.mark.parametrize("text", TEMPLATES.values(), ids=TEMPLATES.keys())
@pytest.mark.parametrize("name", ["template.yaml", "template.template"])
def test_every_spelling_of_a_top_level_resources_key_is_a_template(name, text):
    result = load_bytes(name, text.encode())
    assert isinstance(result, Template), result
    assert list(result.data["Resources"]) == ["Fn"]


@pytest.mark.parametrize("text", JSON_TEMPLATES.values(), ids=JSON_TEMPLATES.keys())
def test_json_templates_are_templates(text):
    assert isinstance(load_bytes("template.json", text.encode()), Template)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
def test_a_byte_order_mark_hides_no_template(encoding):
    raw = TEMPLATES["plain"].encode(encoding)
    assert raw.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE,
                           codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE))
    assert isinstance(load_bytes("template.yaml", raw), Template)


@pytest.mark.parametrize("text", [t for k, t in NON_TEMPLATES.items() if k != "nested-word"])
def test_plain_yaml_without_the_word_is_skipped_without_building_values(text, no_values_built):
    assert load_bytes("config.yaml", text.encode()) == Skipped("config.yaml", NOT_A_TEMPLATE)


@pytest.mark.parametrize("text", ['{"name": "pkg", "version": "1.0.0"}', "[1, 2, 3]", '"text"',
                                  '{"Config": {"Resources": {"A": {}}}}', '{"resources": {"A": {}}}'])
def test_json_without_a_top_level_resources_is_skipped_without_building_values(text, no_values_built):
    assert load_bytes("package.json", text.encode()) == Skipped("package.json", NOT_A_TEMPLATE)


@pytest.mark.parametrize("text", [
    "a: 1\n---\nb: 2\n",  # two documents: the builder's own error
    "a: !Ref b\n",  # a tag: the builder's remark
    "a: &x 1\nb: *x\n",  # anchors and aliases
    "? [a]\n: 1\n",  # a non-text key
    "<<: {a: 1}\n",  # a merge key
])
def test_yaml_the_builder_must_judge_is_built(text):
    assert not sniff.could_name_resources(text)
    built = []
    real = loader._parse
    loader._parse = lambda *args: built.append(1) or real(*args)
    try:
        load_bytes("config.yaml", text.encode())
    finally:
        loader._parse = real
    assert built


@pytest.mark.parametrize("name,text", [
    ("chart.yaml", "a: {{ .Values.x }}\n  b: [\n"),  # a syntax error, no template hint
    ("chart.yaml", "Type: AWS::S3::Bucket\n  b: [\n"),  # a syntax error in a hinted file: an error
    ("data.json", '{"a": 1,}'),  # invalid JSON
    ("data.json", '{"Type": "AWS::S3::Bucket",}'),  # invalid JSON that looks like a template
    ("data.yaml", '{"a": 1,, }'),  # JSON-looking YAML that neither reader accepts
    ("deep.json", "[" * 150 + "]" * 150),  # deep: the later readers decide
    # Valid JSON that YAML rejects (a tab before the brace, an escaped surrogate pair) goes to
    # the position-keeping JSON reader, which stops sooner than json.loads: still not a template.
    ("deep-tab.json", "\t{\"a\": " + "[" * 400 + "]" * 400 + "}"),
    ("deep-tab.template", "\t{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"a\": "
     + "[" * 400 + "]" * 400 + "}"),
    ("deep-surrogate.json", '{"s": "\\ud83d\\ude00", "a": ' + '{"b": ' * 400 + "1" + "}" * 400 + "}"),
    ("deep.yaml", "[" * 150 + "]" * 150),
    ("two.yaml", "a: 1\n---\nb: 2\n"),
])
def test_skips_and_errors_keep_the_full_reads_reason(name, text):
    quick, full = load_bytes(name, text.encode()), _full_read(name, text.encode())
    assert _outcome(quick) == _outcome(full)
    assert isinstance(quick, (Skipped, LoadError))


@pytest.mark.parametrize("name", ["deep.json", "deep.template"])
def test_deep_json_yaml_rejects_without_resources_is_not_a_template_in_the_full_read_too(name):
    text = '\t{"AWSTemplateFormatVersion": "2010-09-09", "a": ' + "[" * 400 + "]" * 400 + "}"
    assert _outcome(_full_read(name, text.encode())) == ("skipped", NOT_A_TEMPLATE, False)


def test_deep_json_yaml_rejects_is_still_a_template_error_when_it_has_resources():
    text = '\t{"Resources": {"B": {"Type": "AWS::S3::Bucket", "Metadata": ' + "[" * 400 + "]" * 400 + "}}}"
    assert _outcome(load_bytes("t.json", text.encode())) == ("error", "nesting too deep to read", None, None)


KEY_SPELLINGS = ["Resources", '"Resources"', "'Resources'", "!!str Resources", '"\\x52esources"',
                 '"\\u0052esources"', "? Resources\n", "&anchor Resources"]
OTHER_KEYS = ["Description", "resources", "Outputs", "Metadata", '"Resource"', "Res ources", "Resourcesx"]


@st.composite
def top_level_mappings(draw):
    """A top-level mapping in block or flow style, with or without a Resources key."""
    keys = draw(st.lists(st.sampled_from(OTHER_KEYS), max_size=3, unique=True))
    if draw(st.booleans()):
        keys.insert(draw(st.integers(0, len(keys))), draw(st.sampled_from(KEY_SPELLINGS)))
    if draw(st.booleans()):
        pairs = ", ".join(f"{key.strip()}: {{Fn: {{Type: AWS::SQS::Queue}}}}"
                          for key in keys if not key.startswith("?"))
        text = "{" + pairs + "}"
    else:
        indent = " " * draw(st.integers(0, 3))
        lines = []
        for key in keys:
            separator = ":" if not key.endswith("\n") else indent + ":"
            lines.append(f"{indent}{key}{separator}\n{indent}  Fn:\n{indent}    Type: AWS::SQS::Queue\n")
        text = "".join(lines)
    if draw(st.booleans()):
        text = "---\n" + text
    if draw(st.booleans()):
        text = "# comment\n" + text
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text


@settings(max_examples=300, deadline=None)
@given(top_level_mappings(), st.sampled_from(["t.yaml", "t.json", "t.template"]))
def test_the_sniffing_read_equals_the_full_read(text, name):
    raw = text.encode()
    assert _outcome(load_bytes(name, raw)) == _outcome(_full_read(name, raw))
