"""Go handlers (loopcheck.code.go_facts, locate_go): where the handler is (package main's
lambda.Start), the SDK surfaces (aws-sdk-go-v2 and v1), helpers in the package and in the
module's other packages, key transforms, guards, and bad input (never a traceback)."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path
from typing import Any, Dict, Optional

import pytest
from builder import function, template, with_metadata, write

from loopcheck.code.facts import IncomingKey, Slice, Stem, Target
from loopcheck.code.go_facts import analyse_go, analyse_go_source
from loopcheck.code.locate import locate_code
from loopcheck.load.loader import Template, load_file
from loopcheck.model.resources import build_model

pytestmark = pytest.mark.skipif(importlib.util.find_spec("tree_sitter_go") is None,
                                reason="tree-sitter-go is installed on Python 3.10 and newer only")

GO_BUILD = {"BuildMethod": "go1.x"}
V2 = '''
import (
	"context"
	"os"
	"strings"
	"path"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)
'''


def _go(body: str, imports: str = V2) -> Any:
    text = "package main\n" + imports + textwrap.dedent(body) + "\nfunc main() { lambda.Start(handler) }\n"
    facts = analyse_go_source(text, "main.go", "bootstrap")
    assert facts.analysed, facts.problems
    return facts


def _s3_handler(body: str) -> str:
    return ("func handler(ctx context.Context, event events.S3Event) error {\n"
            "\tfor _, record := range event.Records {\n\t\tkey := record.S3.Object.Key\n"
            + textwrap.indent(textwrap.dedent(body), "\t\t") + "\t}\n\treturn nil\n}\n")


# -- every service's write, v2 ---------------------------------------------------------------------


def test_each_v2_service_write_is_found_by_its_input_type() -> None:
    facts = _go('''
    var s3c *s3.Client
    func handler(ctx context.Context, event events.SQSEvent) error {
        s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(os.Getenv("B")), Key: aws.String("k")})
        c := sqs.NewFromConfig(cfg)
        c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(os.Getenv("Q"))})
        x.Publish(ctx, &sns.PublishInput{TopicArn: aws.String("arn:aws:sns:us-east-1:1:t")})
        x.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(os.Getenv("T"))})
        x.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(os.Getenv("S"))})
        x.PutEvents(ctx, &eventbridge.PutEventsInput{
            Entries: []ebtypes.PutEventsRequestEntry{{Source: aws.String("a")}}})
        x.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String(os.Getenv("F"))})
        x.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(os.Getenv("M"))})
        x.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("read-only")})
        return nil
    }
    ''')
    found = [(w.service, w.api, w.target) for w in facts.writes]
    assert found == [
        ("s3", "PutObject", Target("env", "B")), ("sqs", "SendMessage", Target("env", "Q")),
        ("sns", "Publish", Target("literal", "arn:aws:sns:us-east-1:1:t")),
        ("dynamodb", "PutItem", Target("env", "T")), ("kinesis", "PutRecords", Target("env", "S")),
        ("events", "PutEvents", Target("literal", "default")), ("lambda", "Invoke", Target("env", "F")),
        ("states", "StartExecution", Target("env", "M")),
    ]


def test_an_input_built_before_the_call_and_a_client_typed_call_are_writes() -> None:
    facts = _go('''
    func handler(ctx context.Context, event events.S3Event) error {
        input := &sqs.SendMessageInput{QueueUrl: aws.String(queue)}
        client := sqs.NewFromConfig(cfg)
        client.SendMessage(ctx, input)
        client.SendMessageBatch(ctx, batch)
        return nil
    }
    var queue = os.Getenv("QUEUE")
    ''')
    assert [(w.api, w.target.kind, w.target.value) for w in facts.writes][0] == ("SendMessage", "env", "QUEUE")
    assert [(w.api, w.target.kind) for w in facts.writes][1] == ("SendMessageBatch", "unknown")


def test_sdk_v1_with_context_and_s3manager_upload() -> None:
    imports = '''
import (
	"os"
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/service/s3"
	"github.com/aws/aws-sdk-go/service/s3/s3manager"
)
'''
    facts = _go('''
    var bucket = os.Getenv("OUT")
    func handler(ctx aws.Context, event events.S3Event) error {
        key := event.Records[0].S3.Object.Key
        svc.PutObjectWithContext(ctx, &s3.PutObjectInput{
            Bucket: aws.String(bucket), Key: aws.String("a/" + key)})
        uploader.Upload(&s3manager.UploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
        return nil
    }
    ''', imports)
    assert [(w.api, w.target.value, w.key) for w in facts.writes] == [
        ("PutObject", "OUT", facts.writes[0].key), ("UploadFile", "OUT", IncomingKey())]
    assert facts.writes[0].key is not None and "a/" in repr(facts.writes[0].key)


# -- targets and keys ----------------------------------------------------------------------------------


def test_targets_through_struct_fields_set_in_main_and_a_method_handler() -> None:
    text = "package main\n" + V2 + textwrap.dedent('''
    type app struct { out string; client *s3.Client }
    func (a *app) handle(ctx context.Context, event events.S3Event) error {
        a.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(a.out), Key: aws.String("x")})
        return nil
    }
    func main() {
        a := &app{out: os.Getenv("OUT")}
        lambda.Start(a.handle)
    }
    ''')
    facts = analyse_go_source(text, "main.go", "bootstrap")
    assert [w.target for w in facts.writes] == [Target("env", "OUT")]


def test_event_source_bucket_and_key_transforms() -> None:
    facts = _go(_s3_handler('''
    bucket := record.S3.Bucket.Name
    stem := strings.TrimSuffix(key, path.Ext(key))
    x.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(stem + ".png")})
    x.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket + "-out"),
        Key: aws.String(fmt.Sprintf("thumbs/%s", path.Base(key)))})
    if strings.HasPrefix(key, "in/") {
        x.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket),
            Key: aws.String(strings.TrimPrefix(key, "in/"))})
    }
    x.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket),
        Key: aws.String(strings.TrimPrefix(key, "in/"))})
    '''), imports=V2.replace('"path"', '"path"\n\t"fmt"'))
    first, second, third, fourth = facts.writes
    assert first.target == Target("event-source") and first.key is not None
    assert Stem(IncomingKey()) in first.key.parts  # type: ignore[union-attr]
    assert second.target == Target("event-source", affixes=("", "-out"))
    assert third.key == Slice(IncomingKey(), 3)  # checked for the prefix first
    assert fourth.key is not None and not isinstance(fourth.key, Slice)  # not checked: unknown


# -- guards ---------------------------------------------------------------------------------------------


def test_key_guards_negated_and_in_a_helper() -> None:
    facts = _go(_s3_handler('''
    if !strings.HasSuffix(key, ".jpg") || strings.Contains(key, "thumb") {
        continue
    }
    put(ctx, key)
    ''') + '''
func put(ctx context.Context, key string) {
	x.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String(key)})
}
''')
    (write_,) = facts.writes
    assert [g.kind for g in write_.guards] == ["key"]
    assert write_.guards[0].key_test is None  # a mixed test: nothing literal
    facts = _go(_s3_handler('''
    if strings.HasPrefix(key, "a/") || strings.HasPrefix(key, "b/") {
        continue
    }
    put(ctx, key)
    ''') + '''
func put(ctx context.Context, key string) {
	x.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String(key)})
}
''')
    assert [g.key_test for g in facts.writes[0].guards] == [
        ("startswith", "a/", True), ("startswith", "b/", True)]


def test_a_check_that_does_not_exit_guards_only_its_own_branch() -> None:
    facts = _go(_s3_handler('''
    if strings.HasPrefix(key, "out/") {
        log.Print("own output")
    }
    x.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String(key)})
    '''))
    assert facts.writes[0].guards == ()


def test_event_name_and_source_guards() -> None:
    facts = _go('''
    func handler(ctx context.Context, event events.DynamoDBEvent) error {
        for _, r := range event.Records {
            if r.EventName != "INSERT" {
                continue
            }
            x.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("T")})
        }
        return nil
    }
    ''')
    assert [g.kind for g in facts.writes[0].guards] == ["event-name"]


def test_marks_are_what_the_write_sets_whether_or_not_the_function_tests_them() -> None:
    facts = _go('''
    func handler(ctx context.Context, event events.SQSEvent) error {
        for _, r := range event.Records {
            x.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String("q"),
                MessageAttributes: map[string]types.MessageAttributeValue{"seen": {}}})
        }
        return nil
    }
    ''')
    assert facts.writes[0].marks == ("attribute.seen",)


# -- locating --------------------------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".git").mkdir()
    monkeypatch.chdir(root)
    return root


MAIN = '''package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"example.com/app/internal/store"
)

func handler(ctx context.Context, event events.S3Event) error {
	return store.Save(ctx, event.Records[0].S3.Object.Key)
}

func main() { lambda.Start(handler) }
'''
STORE = '''package store

import (
	"os"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

var bucket = os.Getenv("OUT")

func Save(ctx context.Context, key string) error {
	input := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("done/" + key)}
	_, err := client.PutObject(ctx, input)
	return err
}
'''


def _source(repo: Path, fn: Dict[str, Any], files: Optional[Dict[str, str]] = None):
    write(repo, template({"Fn": fn}), files)
    loaded = load_file("template.yaml")
    assert isinstance(loaded, Template)
    model = build_model("template.yaml", loaded.data)
    return locate_code(model, model.functions["Fn"])


def _go_function(runtime: str = "provided.al2023", metadata: Optional[Dict[str, Any]] = GO_BUILD,
                 code_uri: str = "fn/") -> Dict[str, Any]:
    fn = function(code_uri=code_uri, handler="bootstrap", runtime=runtime)
    return with_metadata(fn, metadata) if metadata is not None else fn


def test_provided_with_go_build_method_locates_package_main_and_reads_the_module(repo: Path) -> None:
    files = {"go.mod": "module example.com/app\n\ngo 1.22\n", "fn/main.go": MAIN,
             "fn/util.go": "package main\n", "fn/main_test.go": "package main\n",
             "internal/store/store.go": STORE}
    source = _source(repo, _go_function(), files)
    assert source.language == "go" and source.entry == Path("fn/main.go") and source.root == Path(".")
    facts = analyse_go(source.entry, source.function_name, source.root)
    assert facts.analysed, facts.problems
    assert facts.files == ["fn/main.go", "fn/util.go", "internal/store/store.go"]
    (found,) = facts.writes
    assert (found.target, found.file) == (Target("env", "OUT"), "internal/store/store.go")


def test_go1x_runtime_is_go_and_provided_without_go_evidence_is_not(repo: Path) -> None:
    files = {"fn/main.go": MAIN}
    assert _source(repo, _go_function(runtime="go1.x", metadata=None), files).language == "go"
    plain = _source(repo, _go_function(metadata=None), files)
    assert not plain.found and plain.reason == "unsupported language provided.al2023"


def test_no_package_main_is_a_reason_not_a_crash(repo: Path) -> None:
    source = _source(repo, _go_function(), {"fn/lib.go": "package lib\n"})
    assert not source.found and "no package main" in source.reason


def test_a_module_package_missing_is_an_unfollowed_note(repo: Path) -> None:
    files = {"go.mod": "module example.com/app\n", "fn/main.go": MAIN}
    source = _source(repo, _go_function(), files)
    assert source.entry is not None
    facts = analyse_go(source.entry, source.function_name, source.root)
    assert facts.analysed and not facts.complete
    assert any("import of example.com/app/internal/store not followed" in n for n in facts.notes)


# -- robustness ----------------------------------------------------------------------------------------


def test_a_syntax_error_is_a_problem_with_its_line() -> None:
    facts = analyse_go_source("package main\n\nfunc handler( {\n", "main.go", "bootstrap")
    assert not facts.analysed and facts.problems[0].startswith("main.go:3: syntax error")


def test_no_lambda_start_and_no_named_function_is_not_analysed() -> None:
    facts = analyse_go_source("package main\n\nfunc other() {}\n", "main.go", "bootstrap")
    assert not facts.analysed and "no lambda.Start" in facts.problems[0]


def test_recursion_and_the_budget_end_the_analysis_without_a_traceback() -> None:
    start = 'import "github.com/aws/aws-lambda-go/lambda"\n'
    recursive = f"package main\n{start}func handler() {{ handler() }}\n"
    recursive += "func main() { lambda.Start(handler) }\n"
    assert analyse_go_source(recursive, "main.go", "bootstrap").analysed
    calls = "\n".join(f"func f{i}() {{ f{i + 1}(); f{i + 1}() }}" for i in range(30))
    deep = f"package main\n{start}{calls}\nfunc f30() {{}}\nfunc main() {{ lambda.Start(f0) }}\n"
    facts = analyse_go_source(deep, "main.go", "bootstrap")
    assert not facts.analysed or not facts.complete
