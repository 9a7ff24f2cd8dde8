"""loopcheck.load.loader (parse_text, load_file) and loopcheck.load.nodes (locate, mark_of)."""

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from loopcheck.load.loader import LoadError, Skipped, Template, load_file, parse_text
from loopcheck.load.nodes import MDict, MList, locate, mark_of


def load(text, path="template.yaml", looks_like_template=True):
    return parse_text(path, text, looks_like_template)


def template(text, path="template.yaml"):
    result = load(text, path)
    assert isinstance(result, Template), result
    return result.data


# -- short-form tags --------------------------------------------------------------------

SHORT_FORMS = [
    ("!Ref Thing", {"Ref": "Thing"}),
    ("!Sub 'arn:aws:s3:::${B}/*'", {"Fn::Sub": "arn:aws:s3:::${B}/*"}),
    ("!Sub ['${a}-x', {a: !Ref P}]", {"Fn::Sub": ["${a}-x", {"a": {"Ref": "P"}}]}),
    ("!GetAtt Fn.Arn", {"Fn::GetAtt": ["Fn", "Arn"]}),
    ("!GetAtt Db.Endpoint.Address", {"Fn::GetAtt": ["Db", "Endpoint.Address"]}),
    ("!GetAtt [Fn, Arn]", {"Fn::GetAtt": ["Fn", "Arn"]}),
    ("!Join ['-', [a, !Ref P]]", {"Fn::Join": ["-", ["a", {"Ref": "P"}]]}),
    ("!If [IsProd, a, b]", {"Fn::If": ["IsProd", "a", "b"]}),
    ("!Select [1, [a, b]]", {"Fn::Select": [1, ["a", "b"]]}),
    ("!Split [',', 'a,b']", {"Fn::Split": [",", "a,b"]}),
    ("!FindInMap [Map, Top, Second]", {"Fn::FindInMap": ["Map", "Top", "Second"]}),
    ("!ImportValue shared-bucket", {"Fn::ImportValue": "shared-bucket"}),
    ("!GetAZs ''", {"Fn::GetAZs": ""}),
    ("!Base64 hello", {"Fn::Base64": "hello"}),
    ("!Cidr [10.0.0.0/16, 4, 8]", {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}),
    ("!Condition IsProd", {"Condition": "IsProd"}),
    ("!Equals [!Ref Env, prod]", {"Fn::Equals": [{"Ref": "Env"}, "prod"]}),
    ("!And [!Condition A, !Condition B]", {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]}),
    ("!Or [!Condition A, !Condition B]", {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}),
    ("!Not [!Condition A]", {"Fn::Not": [{"Condition": "A"}]}),
    (
        "!Transform {Name: AWS::Include, Parameters: {Location: s3://b/k.yaml}}",
        {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://b/k.yaml"}}},
    ),
]


@pytest.mark.parametrize("short, long", SHORT_FORMS, ids=[s.split()[0] + str(i) for i, (s, _) in
                                                        enumerate(SHORT_FORMS)])
def test_short_form_tag_becomes_long_form(short, long):
    data = template(f"Resources:\n  X:\n    Type: AWS::S3::Bucket\n    Metadata:\n      V: {short}\n")
    value = data["Resources"]["X"]["Metadata"]["V"]
    assert value == long
    assert isinstance(value, MDict)
    assert mark_of(value) == (5, 10)


def test_getatt_scalar_parts_are_marked_strings():
    data = template("Resources:\n  X:\n    Type: AWS::S3::Bucket\n    Metadata: !GetAtt Fn.Arn\n")
    parts = data["Resources"]["X"]["Metadata"]["Fn::GetAtt"]
    assert isinstance(parts, MList) and parts == ["Fn", "Arn"]
    path = ["Resources", "X", "Metadata", "Fn::GetAtt"]
    assert [mark_of(parts), locate(data, path + [0]), locate(data, path + [1])] == [(4, 15)] * 3


def test_unknown_tag_keeps_value_and_is_recorded():
    result = load("Resources:\n  X:\n    Type: AWS::S3::Bucket\n    Metadata: !Bogus hello\n")
    assert isinstance(result, Template)
    assert result.data["Resources"]["X"]["Metadata"] == "hello"
    assert result.unknown_tags == ["!Bogus (line 4)"]


# -- scalars, JSON, marks -----------------------------------------------------------------

def test_unquoted_template_version_stays_a_string():
    data = template("AWSTemplateFormatVersion: 2010-09-09\nResources: {B: {Type: AWS::S3::Bucket}}\n")
    assert data["AWSTemplateFormatVersion"] == "2010-09-09"
    assert isinstance(data["AWSTemplateFormatVersion"], str)


def test_unquoted_policy_version_stays_a_string():
    data = template("Resources:\n  X:\n    Type: AWS::IAM::Policy\n    Properties: {Version: 2012-10-17}\n")
    assert data["Resources"]["X"]["Properties"]["Version"] == "2012-10-17"


def test_locate_returns_key_position_in_yaml():
    data = template(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"
    )
    assert locate(data, ["Resources", "Bucket"]) == (3, 3)
    assert locate(data, ["Resources", "Bucket", "Type"]) == (4, 5)


def test_marks_on_nested_values():
    data = template(
        "Resources:\n"
        "  Bucket:\n"
        "    Type: AWS::S3::Bucket\n"
        "    Properties:\n"
        "      BucketName: media\n"
        "      Tags:\n"
        "        - Key: a\n"
        "          Value: b\n"
    )
    props = data["Resources"]["Bucket"]["Properties"]
    assert type(props["BucketName"]) is str  # strings stay plain: their container keeps the place
    assert locate(data, ["Resources", "Bucket", "Properties", "BucketName"]) == (5, 7)
    assert mark_of(props["Tags"]) == (7, 9)
    assert mark_of(props["Tags"][0]) == (7, 11)
    assert locate(data, ["Resources", "Bucket", "Properties", "Tags", 0, "Value"]) == (8, 11)


def test_locate_stops_at_deepest_existing_node():
    data = template("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n")
    assert locate(data, ["Resources", "Bucket", "Properties", "BucketName"]) == (2, 3)
    assert locate(data, ["Nope"]) == (1, 1)


def test_mark_of_plain_values_and_foreign_nodes():
    assert mark_of(3) is None
    assert mark_of("plain") is None
    foreign = SimpleNamespace(start_mark=SimpleNamespace(line=4, column=2))  # cfn-lint style, 0-based
    assert mark_of(foreign) == (5, 3)


JSON_TEMPLATE = (
    '{\n'
    '  "AWSTemplateFormatVersion": "2010-09-09",\n'
    '  "Resources": {\n'
    '    "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"Tags": [{"Key": "k"}]}}\n'
    '  }\n'
    '}\n'
)


def test_json_template_loads_with_marks():
    data = template(JSON_TEMPLATE, "template.json")
    assert data["Resources"]["Bucket"]["Type"] == "AWS::S3::Bucket"
    assert locate(data, ["Resources", "Bucket"]) == (4, 5)
    assert locate(data, ["Resources", "Bucket", "Type"]) == (4, 16)
    assert mark_of(data["Resources"]["Bucket"]["Properties"]["Tags"]) == (4, 66)


# The first line starts with a tab: PyYAML (C or pure) rejects it, the json fallback reads it.
TAB_JSON = (
    '\t{\n'
    '\t"Resources": {\n'
    '\t\t"Bucket": {\n'
    '\t\t\t"Type": "AWS::S3::Bucket",\n'
    '\t\t\t"Properties": {"Tags": ["a", "b"]}\n'
    '\t\t}\n'
    '\t}\n'
    '}\n'
)
# Tabs only inside the object: libyaml accepts it, pure-Python PyYAML does not.
TAB_INDENTED_JSON = TAB_JSON[1:]


@pytest.mark.parametrize(
    "text, shift", [(TAB_JSON, 0), (TAB_INDENTED_JSON, -1)], ids=["leading-tab", "indented"]
)
def test_tab_indented_json_loads_with_value_marks(text, shift):
    data = template(text, "template.json")
    assert data == {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"Tags": ["a", "b"]}}}}
    bucket = data["Resources"]["Bucket"]
    assert isinstance(data, MDict) and isinstance(bucket["Properties"]["Tags"], MList)
    assert mark_of(data) == (1, 2 + shift)
    assert mark_of(bucket) == (3, 13)
    assert locate(data, ["Resources", "Bucket", "Type"]) == (4, 4)
    assert mark_of(bucket["Properties"]["Tags"]) == (5, 27)
    assert locate(data, ["Resources", "Bucket", "Properties", "Tags", 1]) == (5, 33)


def test_json_fallback_locate_returns_key_position():
    data = template(TAB_JSON, "template.json")
    assert locate(data, ["Resources", "Bucket"]) == (3, 3)


# -- files that are not templates, or broken ones -------------------------------------------

def test_invalid_yaml_template_is_a_load_error_with_position():
    result = load("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n\tBucket: 1\n")
    assert isinstance(result, LoadError)
    assert result.message.startswith("invalid YAML")
    assert (result.line, result.column) == (3, 1)


def test_invalid_yaml_flow_error_points_at_line():
    result = load("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: [a}\n")
    assert isinstance(result, LoadError)
    assert result.message.startswith("invalid YAML: ")
    assert result.line == 4


def test_invalid_yaml_not_like_a_template_is_skipped():
    result = load("apiVersion: v2\n{{- if .Values.enabled }}\nkind: Deployment\n{{- end }}\n",
                  looks_like_template=False)
    assert isinstance(result, Skipped)
    assert "not valid YAML" in result.reason


def test_invalid_json_template_is_a_load_error_with_line_and_column():
    text = '{\n  "Resources": {\n    "Bucket": {"Type": "AWS::S3::Bucket"\n  }\n}\n'
    result = load(text, "template.json")
    assert isinstance(result, LoadError)
    assert result.message.startswith("invalid JSON: ")
    assert (result.line, result.column) == (6, 1)


def test_invalid_json_error_position_from_json_decoder():
    text = '\t{\n\t"Resources": {\n\t\t"Bucket": ,\n\t}\n}\n'
    result = load(text, "template.json")
    assert isinstance(result, LoadError)
    assert result.message == "invalid JSON: Expecting value"
    assert (result.line, result.column) == (3, 13)


def test_invalid_json_not_like_a_template_is_skipped():
    result = load('\t{"name": ,}', "package.json", looks_like_template=False)
    assert isinstance(result, Skipped)


def _duplicates(result):
    assert isinstance(result, Template), result
    return [(d.path, d.line, d.column, d.first_line, d.first_column) for d in result.data.duplicates]


def test_duplicate_key_in_yaml_keeps_the_last_value_and_is_recorded():
    result = load("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n  Bucket:\n    Type: AWS::SQS::Queue\n")
    assert result.data["Resources"] == {"Bucket": {"Type": "AWS::SQS::Queue"}}
    assert _duplicates(result) == [(["Resources", "Bucket"], 4, 3, 2, 3)]
    # The key is located at the occurrence whose value is kept.
    assert locate(result.data, ["Resources", "Bucket"]) == (4, 3)
    assert locate(result.data, ["Resources", "Bucket", "Type"]) == (5, 5)


def test_duplicate_nested_key_in_yaml():
    result = load("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Type: AWS::SQS::Queue\n")
    assert result.data["Resources"]["Bucket"]["Type"] == "AWS::SQS::Queue"
    assert _duplicates(result) == [(["Resources", "Bucket", "Type"], 4, 5, 3, 5)]


def test_duplicate_key_written_three_times_names_the_first_line_each_time():
    result = load("Resources:\n  B:\n    Type: A\n    Type: B\n    Type: C\n    Other: 1\n")
    assert result.data["Resources"]["B"] == {"Type": "C", "Other": 1}
    assert list(result.data["Resources"]["B"]) == ["Type", "Other"]  # the first place is kept
    assert _duplicates(result) == [(["Resources", "B", "Type"], 4, 5, 3, 5),
                                   (["Resources", "B", "Type"], 5, 5, 3, 5)]
    assert locate(result.data, ["Resources", "B", "Type"]) == (5, 5)
    assert locate(result.data, ["Resources", "B", "Other"]) == (6, 5)


def test_duplicate_key_path_through_sequences_and_short_form_tags():
    result = load("Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      Tags:\n"
                  "        - Key: a\n          Key: b\n"
                  "      Name: !If [C, {x: 1, x: 2}, y]\n")
    assert _duplicates(result) == [
        (["Resources", "B", "Properties", "Tags", 0, "Key"], 7, 11, 6, 11),
        (["Resources", "B", "Properties", "Name", "Fn::If", 1, "x"], 8, 28, 8, 22),
    ]
    assert result.data["Resources"]["B"]["Properties"]["Name"] == {"Fn::If": ["C", {"x": 2}, "y"]}


def test_duplicate_key_in_a_merged_mapping_keeps_merge_semantics():
    result = load("Resources:\n  B:\n    <<: {Type: X, A: 1}\n    A: 2\n    A: 3\n")
    assert result.data["Resources"]["B"] == {"Type": "X", "A": 3}
    assert _duplicates(result) == [(["Resources", "B", "A"], 5, 5, 4, 5)]


def test_duplicate_key_in_json():
    text = '{\n  "Resources": {\n    "Bucket": {"Type": "A"},\n    "Bucket": {"Type": "B"}\n  }\n}\n'
    result = load(text, "template.json")
    assert result.data["Resources"]["Bucket"] == {"Type": "B"}
    assert _duplicates(result) == [(["Resources", "Bucket"], 4, 5, 3, 5)]


def test_duplicate_key_in_json_fallback():
    text = ('\t{\n\t"Resources": {\n\t\t"Bucket": {"Type": "A"},\n'
            '\t\t"Bucket": {"Type": "B", "Type": "C"}\n\t}\n}\n')
    result = load(text, "template.json")
    assert result.data["Resources"]["Bucket"] == {"Type": "C"}
    assert _duplicates(result) == [(["Resources", "Bucket", "Type"], 4, 27, 4, 14),
                                   (["Resources", "Bucket"], 4, 3, 3, 3)]
    assert locate(result.data, ["Resources", "Bucket"]) == (4, 3)
    assert locate(result.data, ["Resources", "Bucket", "Type"]) == (4, 27)


def test_duplicate_keys_past_the_cap_are_counted_not_kept():
    from loopcheck.load.yaml_values import MAX_DUPLICATES

    lines = "".join(f"    k{i}: 1\n" for i in range(MAX_DUPLICATES + 7)) * 2
    for text, name in (("Resources:\n  B:\n" + lines, "t.yaml"),
                       ("\t" + json.dumps({"Resources": {"B": {}}})[:-3]
                        + ", ".join(f'"k{i}": 1' for i in list(range(MAX_DUPLICATES + 7)) * 2) + "}}}",
                        "t.json")):
        result = load(text, name)
        assert len(result.data.duplicates) == MAX_DUPLICATES, name
        assert result.data.duplicates_cut == 7, name


NOT_TEMPLATES = {
    "ci.yml": (
        "name: deploy\n"
        "on:\n  push:\n    branches: [main]\n"
        "jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        "      - run: sam deploy --no-confirm-changeset\n"
    ),
    "docker-compose.yml": (
        "services:\n  web:\n    image: nginx:1.25\n    ports: ['80:80']\n"
        "    deploy:\n      resources:\n        limits: {cpus: '0.5'}\n"
    ),
    "values.yaml": (
        "replicaCount: 2\nimage:\n  repository: app\n  tag: 1.0.0\n"
        "resources:\n  limits:\n    memory: 128Mi\n"
    ),
    "package.json": '{\n  "name": "app",\n  "version": "1.0.0",\n  "scripts": {"test": "jest"}\n}\n',
}


@pytest.mark.parametrize("name", sorted(NOT_TEMPLATES))
def test_non_template_files_are_skipped(tmp_path, name):
    path = tmp_path / name
    path.write_text(NOT_TEMPLATES[name], encoding="utf-8")
    result = load_file(path)
    assert isinstance(result, Skipped)
    assert result.path == str(path)
    assert "not a CloudFormation template" in result.reason


def test_resources_not_a_mapping_is_not_a_template():
    result = load("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  - Bucket\n")
    assert isinstance(result, Skipped)
    assert result.reason == "not a CloudFormation template (Resources is a list, not a mapping)"
    result = load("Resources: AWS::S3::Bucket\n")
    assert result.reason == "not a CloudFormation template (Resources is a string, not a mapping)"
    assert not result.empty


def test_codedeploy_appspec_is_not_a_template():
    appspec = ("version: 0.0\nResources:\n  - ApiFunction:\n      Type: AWS::Lambda::Function\n"
               "      Properties:\n        Name: api\n        Alias: live\n"
               "        CurrentVersion: 1\n        TargetVersion: 2\n"
               "Hooks:\n  - BeforeAllowTraffic: CheckFunction\n")
    result = load(appspec, "appspec.yml")
    assert isinstance(result, Skipped)
    assert result.reason == "not a CloudFormation template (a CodeDeploy AppSpec file)"


@pytest.mark.parametrize("resources", ["", " ~", " {}", " null"])
def test_template_with_no_resources_is_skipped_as_empty(resources):
    result = load(f"AWSTemplateFormatVersion: '2010-09-09'\nResources:{resources}\nOutputs: {{}}\n")
    assert isinstance(result, Skipped) and result.empty
    assert result.reason == "a template with no resources"


def test_multi_document_template_is_a_load_error():
    result = load(
        "---\nResources:\n  A: {Type: AWS::S3::Bucket}\n---\nResources:\n  B: {Type: AWS::S3::Bucket}\n"
    )
    assert isinstance(result, LoadError)
    assert result.message.startswith("invalid YAML")
    assert "single document" in result.message
    assert result.line == 4


def test_empty_text_is_skipped():
    assert isinstance(load(""), Skipped)


# -- load_file -------------------------------------------------------------------------------

MINIMAL = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"


def test_load_file_reads_a_template(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    result = load_file(str(path))
    assert isinstance(result, Template)
    assert result.path == str(path)
    assert locate(result.data, ["Resources", "Bucket"]) == (3, 3)


def test_non_utf8_template_is_a_load_error(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_bytes(MINIMAL.encode() + b"    Metadata: {Owner: caf\xe9}\n")
    result = load_file(path)
    assert isinstance(result, LoadError)
    assert result.message == "not UTF-8 text (byte 0xe9)"
    assert result.line == 5


def test_non_utf8_non_template_is_skipped(tmp_path):
    path = tmp_path / "data.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    assert isinstance(load_file(path), Skipped)


def test_utf8_bom_template_loads(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    result = load_file(path)
    assert isinstance(result, Template)
    assert "AWSTemplateFormatVersion" in result.data
    assert locate(result.data, ["Resources", "Bucket"]) == (3, 3)


def test_utf8_bom_json_template_loads(tmp_path):
    path = tmp_path / "template.json"
    path.write_bytes(b"\xef\xbb\xbf" + TAB_JSON.encode())
    result = load_file(path)
    assert isinstance(result, Template)
    assert result.data["Resources"]["Bucket"]["Type"] == "AWS::S3::Bucket"


def test_empty_file_is_skipped(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_bytes(b"")
    assert isinstance(load_file(path), Skipped)


def test_file_over_max_bytes_is_a_load_error(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    size = len(MINIMAL.encode())
    result = load_file(path, max_bytes=size - 1)
    assert isinstance(result, LoadError)
    assert result.message == f"file is {size} bytes, over the {size - 1}-byte limit"
    assert isinstance(load_file(path, max_bytes=size), Template)


def test_missing_file_is_a_load_error(tmp_path):
    result = load_file(tmp_path / "nope.yaml")
    assert isinstance(result, LoadError)
    assert result.message.startswith("cannot read file")
    assert result.path == str(tmp_path / "nope.yaml")


def test_nul_bytes_in_template_are_a_load_error(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_bytes(MINIMAL.encode() + b"\x00")
    result = load_file(path)
    assert isinstance(result, LoadError)
    assert "binary" in result.message


def test_merge_keys_follow_pyyaml_and_keep_each_key_where_it_was_written():
    data = template(
        "Resources:\n"
        "  X:\n"
        "    Type: AWS::S3::Bucket\n"
        "    Metadata:\n"
        "      base: &base {A: base-a, B: base-b}\n"
        "      other: &other {B: other-b, C: other-c}\n"
        "      merged:\n"
        "        <<: [*base, *other]\n"
        "        C: own-c\n"
    )
    merged = data["Resources"]["X"]["Metadata"]["merged"]
    assert merged == {"A": "base-a", "B": "base-b", "C": "own-c"}  # own keys, then earlier merges win
    where = ["Resources", "X", "Metadata", "merged"]
    assert locate(data, where + ["A"]) == (5, 20)
    assert locate(data, where + ["B"]) == (5, 31)
    assert locate(data, where + ["C"]) == (9, 9)


def test_an_alias_shares_its_anchor_value_rather_than_copying_it():
    data = template(
        "Resources:\n  X:\n    Type: AWS::S3::Bucket\n    Metadata:\n"
        "      a: &shared [1, 2]\n      b: *shared\n"
    )
    metadata = data["Resources"]["X"]["Metadata"]
    assert metadata["a"] is metadata["b"]


def test_nesting_beyond_the_limit_is_an_error_whatever_libyaml_allows():
    from loopcheck.load.yaml_values import MAX_NESTING

    def nested(depth: int) -> str:
        return "Resources:\n  X:\n    Type: AWS::S3::Bucket\n    Metadata: " + "[" * depth + "]" * depth + "\n"

    shallow = load(nested(MAX_NESTING - 10))
    assert isinstance(shallow, Template)
    deep = load(nested(MAX_NESTING + 10))
    assert isinstance(deep, LoadError)
    assert "nesting" in deep.message


# -- the JSON fallback (valid JSON that YAML rejects) -----------------------------------------


def _fallback_json(resources: int) -> str:
    """A JSON template YAML refuses twice over (a tab before the brace, an escaped surrogate
    pair), ~330 bytes per resource."""
    body = {f"Bucket{i}": {"Type": "AWS::S3::Bucket", "Properties": {
        "BucketName": f"bucket-{i}", "Tags": [{"Key": "emoji", "Value": "SMILE"},
                                             {"Key": "n", "Value": i, "Enabled": True, "Extra": None}]}}
            for i in range(resources)}
    text = json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": body}, indent=2)
    return "\t" + text.replace('"SMILE"', '"\\ud83d\\ude00"')


def test_json_fallback_reads_surrogate_pairs_with_positions():
    text = _fallback_json(3)
    result = load(text, "template.json")
    assert isinstance(result, Template)
    tags = result.data["Resources"]["Bucket2"]["Properties"]["Tags"]
    assert tags[0]["Value"] == "\U0001F600"
    lines = text.splitlines()
    line = next(n for n, written in enumerate(lines, 1) if '"Bucket2"' in written)
    assert locate(result.data, ["Resources", "Bucket2"]) == (line, lines[line - 1].index('"') + 1)
    enabled = next(n for n, written in enumerate(lines, 1) if '"Enabled"' in written and n > line)
    assert locate(result.data, ["Resources", "Bucket2", "Properties", "Tags", 1, "Enabled"])[0] == enabled


def test_json_fallback_work_grows_linearly_with_the_file():
    """The position bookkeeping once counted newlines from the start of the file for every
    string (a 1.2 MB file took minutes). 4x the file must cost about 4x the CPU time, not
    16x: a loose ratio, best of three runs each (other load on the machine makes single runs
    noisy), never a wall-clock limit."""
    import time

    def cpu(text):
        best = None
        for _ in range(3):
            started = time.process_time()
            result = load(text, "template.json")
            spent = time.process_time() - started
            best = spent if best is None else min(best, spent)
        assert isinstance(result, Template) and not result.data.duplicates
        return best

    small, large = _fallback_json(1800), _fallback_json(7200)
    assert len(large) > 2_000_000  # multi-MB
    ratio = cpu(large) / max(cpu(small), 1e-3)
    assert ratio < 8, f"4x the text took {ratio:.1f}x the time"


# -- encodings --------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_utf_16_and_32_templates_with_a_bom_are_read(tmp_path, encoding):
    import codecs

    text = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
           "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}.get(encoding, b"")
    path = tmp_path / "template.yaml"
    path.write_bytes(bom + text.encode(encoding))  # "utf-16"/"utf-32" write their own BOM
    result = load_file(path)
    assert isinstance(result, Template), result
    assert result.data["Resources"]["Bucket"]["Type"] == "AWS::S3::Bucket"
    assert locate(result.data, ["Resources", "Bucket", "Type"]) == (4, 5)


def test_utf_16_bom_followed_by_broken_bytes_is_unreadable(tmp_path):
    path = tmp_path / "template.yaml"
    text = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n"  # 42 characters, 84 bytes
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le") + b"\x00")
    result = load_file(path)
    assert isinstance(result, LoadError)
    assert result.message == "not UTF-16-LE text after its byte order mark (byte offset 86)"


# -- trailing commas ----------------------------------------------------------------------------


@pytest.mark.parametrize("text, closing, position", [
    ('{"Resources": {"B": {"Type": "AWS::S3::Bucket",}}}', "}", (1, 47)),
    ('{"Resources": {"B": {"Type": "AWS::S3::Bucket",\n\n   }}}', "}", (1, 47)),
    ('{"Resources": {"B": {"Type": "AWS::S3::Bucket", "DependsOn": ["A",]}}}', "]", (1, 66)),
])
def test_trailing_comma_in_json_says_cloudformation_rejects_it(text, closing, position):
    for fallback in ("", "\t"):  # the .json check, and the fallback reader
        result = load(fallback + text, "template.json")
        assert isinstance(result, LoadError)
        assert result.message == (f"invalid JSON: trailing comma before '{closing}' "
                                  "(CloudFormation rejects trailing commas in JSON)")
        assert (result.line, result.column) == (position[0], position[1] + len(fallback))


# -- duplicate keys through the whole pipeline (rule WL112) -------------------------------------


def _scan(tmp_path, text, name="template.yaml", *extra):
    from clirunner import cli_runner

    from loopcheck.app.cli import main

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = cli_runner().invoke(main, ["scan", "--format", "json", *extra, str(path)])
    return result.exit_code, json.loads(result.stdout), path


def test_wl112_names_resource_path_both_lines_and_analyses_the_last_value(tmp_path):
    text = ("AWSTemplateFormatVersion: '2010-09-09'\n"
            "Resources:\n"
            "  Queue:\n"
            "    Type: AWS::SQS::Queue\n"
            "    Properties:\n"
            "      VisibilityTimeout: 30\n"
            "      VisibilityTimeout: 60\n"
            "  Queue:\n"
            "    Type: AWS::SNS::Topic\n")
    code, document, path = _scan(tmp_path, text)
    assert code == 0 and document["errors"] == [] and document["skipped"] == []
    found = [(f["rule"], f["severity"], f["resource"], f["path"], f["line"], f["column"], f["message"])
             for f in document["findings"]]
    assert found == [
        ("WL112", "warning", "Queue", ["Resources", "Queue", "Properties", "VisibilityTimeout"], 7, 7,
         "duplicate key 'VisibilityTimeout': its value here replaces the one on line 6, which is ignored"),
        ("WL112", "warning", "Queue", ["Resources", "Queue"], 8, 3,
         "duplicate key 'Queue': its value here replaces the one on line 3, which is ignored"),
    ]


def test_wl112_outside_resources_has_no_resource(tmp_path):
    text = ("Parameters:\n  Stage: {Type: String}\n  Stage: {Type: Number}\n"
            "Resources:\n  B:\n    Type: AWS::S3::Bucket\n")
    _code, document, _path = _scan(tmp_path, text)
    (finding,) = document["findings"]
    assert (finding["resource"], finding["path"], finding["line"]) == ("", ["Parameters", "Stage"], 3)


def test_wl112_can_be_suppressed_and_skipped_like_any_rule(tmp_path):
    text = ("Resources:\n  B:\n    Type: AWS::S3::Bucket\n"
            "    Metadata:\n      loopcheck:\n        ignore:\n"
            "          - {rule: WL112, reason: both tags are generated and equal}\n"
            "    Properties:\n      Tags: {a: 1, a: 1}\n")
    _code, document, _path = _scan(tmp_path, text)
    assert document["findings"] == []
    (tmp_path / ".loopcheck.yaml").write_text("skip: [WL112]\n")
    text = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n  B:\n    Type: AWS::S3::Bucket\n"
    _code, document, _path = _scan(tmp_path, text, "other.yaml")
    assert document["findings"] == []


def test_wl112_changes_the_verdict_the_way_deployment_does(tmp_path):
    """The last `Events` wins: a loop whose trigger is replaced by a later empty `Events` is
    not reported, one whose trigger is written last is (as SAM CLI would deploy them)."""
    import shutil

    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "s3-same-bucket-loop"
    shutil.copytree(fixture / "src", tmp_path / "src")
    original = (fixture / "template.yaml").read_text()
    assert original.count("      Events:\n") == 1 and original.endswith("Events: s3:ObjectCreated:*\n")
    trigger_last = original.replace("      Events:\n", "      Events: {}\n      Events:\n")
    _code, document, _path = _scan(tmp_path, trigger_last, "last.yaml")
    assert sorted(f["rule"] for f in document["findings"]) == ["EL101", "WL112"]
    trigger_replaced = original + "      Events: {}\n"
    _code, document, _path = _scan(tmp_path, trigger_replaced, "replaced.yaml")
    assert [f["rule"] for f in document["findings"]] == ["WL112"]
