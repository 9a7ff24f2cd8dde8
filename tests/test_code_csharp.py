"""C# handlers (AWS SDK for .NET): where the handler is (Assembly::Namespace.Class::Method and the
executable-assembly form), the SDK writes per service, targets from environment variables
through fields, properties and constructors, key transforms, guards (metadata, key, marker,
event name), a helper's caller, and bad code. What every language must answer alike is in
tests/conformance/ (handler.cs)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Dict, List

import pytest
from builder import function, template, write

from loopcheck.code import budget, keys, locate_csharp
from loopcheck.code.csharp_facts import analyse_csharp, analyse_csharp_source
from loopcheck.code.facts import (
    AnyText,
    Basename,
    CodeFacts,
    Concat,
    IncomingKey,
    Lit,
    Replace,
    Slice,
    Stem,
    Target,
    Write,
)
from loopcheck.code.locate import locate_code
from loopcheck.load.loader import Template, load_file
from loopcheck.model.resources import build_model

HANDLER = "App.Function::Handler"


def _program(body: str, members: str = "", event: str = "S3Event evnt") -> str:
    """A handler class whose Handler method runs `body`."""
    return textwrap.dedent("""\
        using Amazon.S3;
        namespace App;
        public class Function
        {
        %s
            public async Task Handler(%s, ILambdaContext context)
            {
        %s
            }
        }
        """) % (textwrap.indent(textwrap.dedent(members), "    "), event,
                textwrap.indent(textwrap.dedent(body), "        "))


def _facts(body: str, members: str = "", event: str = "S3Event evnt") -> CodeFacts:
    facts = analyse_csharp_source(_program(body, members, event), "Function.cs", HANDLER)
    assert facts.analysed, facts.problems
    return facts


def _only(body: str, members: str = "", event: str = "S3Event evnt") -> Write:
    facts = _facts(body, members, event)
    assert len(facts.writes) == 1, facts.writes
    return facts.writes[0]


# -- SDK writes, per service -----------------------------------------------------------------------

CLIENTS = """\
private readonly IAmazonS3 _s3 = new AmazonS3Client();
private readonly IAmazonSQS _sqs = new AmazonSQSClient();
private readonly IAmazonSimpleNotificationService _sns = new AmazonSimpleNotificationServiceClient();
private readonly IAmazonDynamoDB _db = new AmazonDynamoDBClient();
private readonly IAmazonKinesis _kinesis = new AmazonKinesisClient();
private readonly IAmazonEventBridge _events = new AmazonEventBridgeClient();
private readonly IAmazonLambda _lambda = new AmazonLambdaClient();
private readonly IAmazonStepFunctions _sfn = new AmazonStepFunctionsClient();
"""


@pytest.mark.parametrize("call, service, api, target", [
    ('await _s3.PutObjectAsync(new PutObjectRequest { BucketName = "out", Key = "k" });',
     "s3", "PutObject", "out"),
    ('_s3.PutObject(new PutObjectRequest { BucketName = "out", Key = "k" });', "s3", "PutObject", "out"),
    ('await _s3.CopyObjectAsync("src", "a", "out", "b");', "s3", "CopyObject", "out"),
    ('await _s3.DeleteObjectAsync("out", "k");', "s3", "DeleteObject", "out"),
    ('await _sqs.SendMessageAsync("https://q", "body");', "sqs", "SendMessage", "https://q"),
    ('await _sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = "https://q", MessageBody = "b" });',
     "sqs", "SendMessage", "https://q"),
    ('await _sqs.SendMessageBatchAsync("https://q", entries);', "sqs", "SendMessageBatch", "https://q"),
    ('await _sns.PublishAsync("arn:topic", "hello");', "sns", "Publish", "arn:topic"),
    ('await _db.PutItemAsync("Orders", item);', "dynamodb", "PutItem", "Orders"),
    ('await _db.UpdateItemAsync(new UpdateItemRequest { TableName = "Orders" });', "dynamodb", "UpdateItem",
     "Orders"),
    ('await _db.DeleteItemAsync("Orders", key);', "dynamodb", "DeleteItem", "Orders"),
    ('await _kinesis.PutRecordsAsync(new PutRecordsRequest { StreamName = "s" });',
     "kinesis", "PutRecords", "s"),
    ('await _kinesis.PutRecordAsync(new PutRecordRequest { StreamName = "s" });', "kinesis", "PutRecord", "s"),
    ('await _events.PutEventsAsync(new PutEventsRequest { Entries = new List<PutEventsRequestEntry> '
     '{ new PutEventsRequestEntry { EventBusName = "bus", Source = "app" } } });',
     "events", "PutEvents", "bus"),
    ('await _lambda.InvokeAsync(new InvokeRequest { FunctionName = "other" });', "lambda", "Invoke", "other"),
    ('await _sfn.StartExecutionAsync(new StartExecutionRequest { StateMachineArn = "arn:sm" });',
     "states", "StartExecution", "arn:sm"),
])
def test_each_service_write(call: str, service: str, api: str, target: str):
    found = _only(call, CLIENTS)
    assert (found.service, found.api, found.target) == (service, api, Target("literal", target))


def test_reads_are_not_writes():
    facts = _facts('await _s3.GetObjectAsync("b", "k");\nawait _sqs.ReceiveMessageAsync("https://q");', CLIENTS)
    assert facts.writes == []


def test_a_client_injected_through_the_constructor_is_known_by_its_interface():
    members = """\
    private readonly IAmazonS3 _s3;
    public Function(IAmazonS3 s3) { _s3 = s3; }
    """
    found = _only('await _s3.PutObjectAsync(new PutObjectRequest { BucketName = "out", Key = "k" });', members)
    assert (found.service, found.api) == ("s3", "PutObject")


def test_a_call_on_an_unknown_object_is_recognised_by_its_request_class():
    found = _only('await Clients.Get().PutObjectAsync(new PutObjectRequest { BucketName = "out", Key = "k" });')
    assert (found.service, found.target) == ("s3", Target("literal", "out"))


def test_a_method_of_the_same_name_on_another_object_is_no_write():
    assert _facts('await repository.PutItemAsync(order);\nawait cache.PublishAsync("x");').writes == []


# -- targets from the environment --------------------------------------------------------------------


SETTINGS = ('static class Settings {\n'
            '  public static readonly string Out = Environment.GetEnvironmentVariable("OUT");\n}\n')


@pytest.mark.parametrize("members, target", [
    ('private static readonly string Out = Environment.GetEnvironmentVariable("OUT");', "Out"),
    ('private string Out { get; } = Environment.GetEnvironmentVariable("OUT");', "Out"),
    ('private string Out => Environment.GetEnvironmentVariable("OUT");', "Out"),
    ('private readonly string _out;\npublic Function() { _out = Environment.GetEnvironmentVariable("OUT"); }',
     "_out"),
    ('private readonly string _out;\n'
     'public Function() { this._out = Environment.GetEnvironmentVariable("OUT"); }',
     "this._out"),
    ("", 'Settings.Out'),
    ("", 'Environment.GetEnvironmentVariable("OUT")'),
])
def test_environment_variable_targets(members: str, target: str):
    program = _program(
        f"await _s3.PutObjectAsync(new PutObjectRequest {{ BucketName = {target}, Key = \"k\" }});",
        CLIENTS + members,
    ) + SETTINGS
    facts = analyse_csharp_source(program, "Function.cs", HANDLER)
    assert [w.target for w in facts.writes] == [Target("env", "OUT")]


def test_the_function_itself_and_the_event_source():
    body = """\
    await _lambda.InvokeAsync(new InvokeRequest { FunctionName = context.FunctionName });
    foreach (var record in evnt.Records)
    {
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = record.S3.Bucket.Name, Key = "x" });
    }
    """
    assert [w.target.kind for w in _facts(body, CLIENTS).writes] == ["self", "event-source"]


def test_sqs_send_back_to_the_record_source_queue():
    body = "foreach (var m in evnt.Records) { await _sqs.SendMessageAsync(m.EventSourceArn, m.Body); }"
    assert _only(body, CLIENTS, "SQSEvent evnt").target == Target("event-source")


# -- keys -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("expression, key", [
    ("$\"out/{key}\"", Concat((Lit("out/"), IncomingKey()))),
    ('"out/" + key', Concat((Lit("out/"), IncomingKey()))),
    ('key.Replace(".jpg", ".png")', Replace(IncomingKey(), ".jpg", ".png")),
    ("key.Substring(8)", Slice(IncomingKey(), 8, None)),
    ("key.Substring(2, 3)", Slice(IncomingKey(), 2, 5)),
    ("Path.GetFileName(key)", Basename(IncomingKey())),
    ("Path.GetFileNameWithoutExtension(key)", Basename(Stem(IncomingKey()))),
    ('Path.ChangeExtension(key, "png")', Concat((Stem(IncomingKey()), Lit(".png")))),
    ("WebUtility.UrlDecode(key)", IncomingKey()),
    ("key.Split('/').Last()", Basename(IncomingKey())),
    ("$\"{DateTime.UtcNow:yyyy}/{key}\"", Concat((AnyText("formatted"), Lit("/"), IncomingKey()))),
])
def test_key_expressions(expression: str, key: object):
    body = f"""\
    var key = evnt.Records[0].S3.Object.Key;
    await _s3.PutObjectAsync(new PutObjectRequest {{ BucketName = "out", Key = {expression} }});
    """
    assert _only(body, CLIENTS).key == key


def test_a_reassigned_key_is_followed():
    body = """\
    var key = evnt.Records.First().S3.Object.Key;
    key = key.Replace("in/", "out/");
    await _s3.PutObjectAsync(new PutObjectRequest { BucketName = "out", Key = key });
    """
    assert _only(body, CLIENTS).key == Replace(IncomingKey(), "in/", "out/")


# -- guards -------------------------------------------------------------------------------------------


def _guards(body: str, event: str = "S3Event evnt") -> List[tuple]:
    found = _only(body, CLIENTS, event)
    return [(g.kind, g.key_test, g.marker) for g in found.guards]


S3_PUT = 'await _s3.PutObjectAsync(new PutObjectRequest { BucketName = "out", Key = "x/" + key });'


@pytest.mark.parametrize("check, guard", [
    ('if (key.StartsWith("x/")) return;', ("key", ("startswith", "x/", True), "")),
    ('if (!key.EndsWith(".jpg")) { continue; }', ("key", ("endswith", ".jpg", False), "")),
    ('if (key.Contains("thumb")) throw new Exception();', ("key", ("contains", "thumb", True), "")),
    ('if (key.StartsWith("x/", StringComparison.OrdinalIgnoreCase)) return;', ("key", None, "")),
    ('if (Regex.IsMatch(key, "^x/")) return;', ("key", ("startswith", "x/", True), "")),
])
def test_key_guards(check: str, guard: tuple):
    body = f"foreach (var r in evnt.Records) {{\n var key = r.S3.Object.Key;\n {check}\n {S3_PUT}\n}}"
    assert _guards(body) == [guard]


def test_a_write_inside_the_if_runs_only_when_the_check_holds():
    body = 'var key = evnt.Records[0].S3.Object.Key;\nif (key.StartsWith("in/")) { ' + S3_PUT + " }"
    assert _guards(body) == [("key", ("startswith", "in/", False), "")]


def test_a_check_that_does_not_exit_is_no_guard():
    body = 'var key = evnt.Records[0].S3.Object.Key;\nif (key.StartsWith("x/")) { Log(key); }\n' + S3_PUT
    assert _guards(body) == []


def test_metadata_guard_after_get_object_metadata_of_the_incoming_object():
    body = """\
    var r = evnt.Records[0];
    var key = r.S3.Object.Key;
    var meta = await _s3.GetObjectMetadataAsync(
        new GetObjectMetadataRequest { BucketName = r.S3.Bucket.Name, Key = key });
    if (meta.Metadata["x-amz-meta-resized"] != null) return;
    """ + S3_PUT
    assert _guards(body) == [("metadata", None, "")]


def test_event_name_guard():
    body = """\
    foreach (var record in evnt.Records)
    {
        if (record.EventName != "INSERT") continue;
        await _db.PutItemAsync("Orders", item);
    }
    """
    assert _guards(body, "DynamoDBEvent evnt") == [("event-name", None, "")]


def test_sqs_attribute_marker_guard_and_mark():
    body = """\
    foreach (var message in evnt.Records)
    {
        if (message.MessageAttributes.ContainsKey("replayed")) continue;
        var request = new SendMessageRequest
        {
            QueueUrl = Environment.GetEnvironmentVariable("Q"),
            MessageBody = message.Body,
            MessageAttributes = new Dictionary<string, MessageAttributeValue>
            {
                ["replayed"] = new MessageAttributeValue(),
            },
        };
        await _sqs.SendMessageAsync(request);
    }
    """
    found = _only(body, CLIENTS, "SQSEvent evnt")
    assert [(g.kind, g.marker) for g in found.guards] == [("marker", "attribute.replayed")]
    assert found.marks == ("attribute.replayed",)


def test_an_attribute_set_is_a_mark_whether_or_not_it_is_checked():
    body = """\
    await _sns.PublishAsync(new PublishRequest { TopicArn = "t", Message = "m",
        MessageAttributes = new Dictionary<string, MessageAttributeValue>
        {
            ["kind"] = new MessageAttributeValue(),
        } });
    """
    assert _only(body, CLIENTS).marks == ("attribute.kind",)


def test_guards_at_the_call_site_of_a_helper_and_its_typed_record():
    members = CLIENTS + """\
    private async Task Resize(S3EventNotification.S3EventNotificationRecord record)
    {
        await _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = record.S3.Bucket.Name,
            Key = "small/" + record.S3.Object.Key,
        });
    }
    """
    body = """\
    foreach (var record in evnt.Records)
    {
        if (record.S3.Object.Key.StartsWith("small/")) continue;
        await Resize(record);
    }
    """
    found = _only(body, members)
    assert found.target == Target("event-source")
    assert found.key == Concat((Lit("small/"), IncomingKey()))
    assert [(g.kind, g.key_test) for g in found.guards] == [("key", ("startswith", "small/", True))]


def test_a_helper_parameter_takes_the_argument_its_callers_agree_on():
    members = CLIENTS + """\
    private Task Save(string bucket, string name) =>
        _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = name });
    """
    body = 'var key = evnt.Records[0].S3.Object.Key;\n' \
        'await Save(Environment.GetEnvironmentVariable("OUT"), key);'
    found = _only(body, members)
    assert (found.target, found.key) == (Target("env", "OUT"), IncomingKey())


# -- bad code ---------------------------------------------------------------------------------------------


def test_a_syntax_error_names_file_and_line():
    broken = "namespace App;\npublic class Function {\n  void Handler( {\n}\n"
    facts = analyse_csharp_source(broken, "F.cs", HANDLER)
    assert not facts.analysed
    assert facts.problems and facts.problems[0].startswith("F.cs:") and "syntax error" in facts.problems[0]


def test_an_unreadable_entry_is_not_analysed(tmp_path: Path):
    facts = analyse_csharp(tmp_path / "Missing.cs", HANDLER, tmp_path)
    assert not facts.analysed and "no such file" in facts.problems[0]


def test_a_missing_handler_method_is_a_problem_not_a_crash():
    facts = analyse_csharp_source(_program("return;"), "F.cs", "App.Function::Other")
    assert facts.analysed and "handler 'App.Function::Other' not found" in facts.problems[0]


def test_a_key_built_by_doubling_stays_bounded():
    nested = "var k0 = evnt.Records[0].S3.Object.Key;\n" + "".join(
        f"var k{i} = k{i - 1} + k{i - 1};\n" for i in range(1, 60)) + \
        'await _s3.PutObjectAsync(new PutObjectRequest { BucketName = "out", Key = k59 });'
    found = _only(nested, CLIENTS)
    assert found.key is not None and keys.size(found.key) <= keys.MAX_KEY_SIZE


def test_the_budget_bounds_the_work(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(budget, "UNITS_PER_FILE", 50)
    monkeypatch.setattr(budget, "UNITS_PER_BYTE", 0)
    body = "\n".join(f'await _s3.PutObjectAsync(new PutObjectRequest {{ BucketName = "b{i}", Key = "k" }});'
                     for i in range(40))
    facts = analyse_csharp_source(_program(body, CLIENTS), "Function.cs", HANDLER)
    assert not facts.analysed and "handler analysis stopped" in facts.problems[0]


def test_project_files_are_read_and_build_output_skipped(tmp_path: Path):
    (tmp_path / "obj").mkdir()
    (tmp_path / "Function.cs").write_text(_program("await Writer.Save();"))
    (tmp_path / "Writer.cs").write_text(
        "namespace App;\npublic static class Writer {\n"
        "  static readonly IAmazonSQS Sqs = new AmazonSQSClient();\n"
        '  public static Task Save() =>\n'
        '    Sqs.SendMessageAsync(Environment.GetEnvironmentVariable("Q"), "m");\n}\n')
    (tmp_path / "obj" / "Generated.cs").write_text("this is not C# {")
    facts = analyse_csharp(tmp_path / "Function.cs", HANDLER, tmp_path)
    assert facts.analysed, facts.problems
    assert facts.files == [str(tmp_path / "Function.cs"), str(tmp_path / "Writer.cs")]
    assert [(w.service, w.target) for w in facts.writes] == [("sqs", Target("env", "Q"))]


# -- where the handler is ---------------------------------------------------------------------------------


def _files(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.mark.parametrize("files, entry", [
    ({"src/Thumbs/Function.cs": "namespace Thumbs;\npublic class Function {}\n",
      "src/Thumbs/Other.cs": "namespace Thumbs;\npublic class Other {}\n"}, "src/Thumbs/Function.cs"),
    ({"src/Thumbs/A.cs": "namespace Other { public class Function {} }\n",
      "src/Thumbs/B.cs": "namespace Thumbs\n{\n    public class Function {}\n}\n"}, "src/Thumbs/B.cs"),
    ({"src/Thumbs/bin/Function.cs": "namespace Thumbs;\npublic class Function {}\n",
      "src/Thumbs/Handlers/Function.cs": "namespace Thumbs;\npublic class Function {}\n"},
     "src/Thumbs/Handlers/Function.cs"),
])
def test_class_library_handler(tmp_path: Path, files: Dict[str, str], entry: str):
    _files(tmp_path, files)
    found = locate_csharp.find_entry(tmp_path / "src/Thumbs", "Thumbs::Thumbs.Function::Handle")
    assert found == (tmp_path / entry, "Thumbs.Function::Handle")


def test_executable_assembly_handler(tmp_path: Path):
    program = "await LambdaBootstrapBuilder.Create(Handler, serializer).Build().RunAsync();\n"
    _files(tmp_path, {"Program.cs": program})
    assert locate_csharp.find_entry(tmp_path, "Thumbs") == (tmp_path / "Program.cs", "::Handler")


@pytest.mark.parametrize("handler, reason", [
    ("Thumbs::Thumbs.Missing::Handle", "no .cs file declares Thumbs.Missing"),
    ("Thumbs", "no .cs file calls LambdaBootstrapBuilder.Create"),
    ("Thumbs::Handle", "is not Assembly::Namespace.Class::Method"),
])
def test_handler_not_found_says_why(tmp_path: Path, handler: str, reason: str):
    _files(tmp_path, {"Function.cs": "namespace Thumbs;\npublic class Function {}\n"})
    found = locate_csharp.find_entry(tmp_path, handler)
    assert isinstance(found, str) and reason in found


def test_a_dotnet_function_is_located_from_the_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    fn = function(code_uri="src/Thumbs/", handler="Thumbs::Thumbs.Function::Handle", runtime="dotnet8")
    code = {"src/Thumbs/Function.cs": "namespace Thumbs;\npublic class Function {}\n"}
    write(tmp_path, template({"Fn": fn}), code, "template.yaml")
    loaded = load_file("template.yaml")
    assert isinstance(loaded, Template)
    model = build_model("template.yaml", loaded.data)
    source = locate_code(model, model.functions["Fn"])
    assert (source.language, source.function_name) == ("csharp", "Thumbs.Function::Handle")
    assert source.entry is not None and source.entry.name == "Function.cs"
    missing = function(code_uri="src/None/", handler="Thumbs::Thumbs.Function::Handle", runtime="dotnet8")
    write(tmp_path, template({"Fn": missing}), None, "template.yaml")
    loaded = load_file("template.yaml")
    assert isinstance(loaded, Template)
    model = build_model("template.yaml", loaded.data)
    assert locate_code(model, model.functions["Fn"]).reason.startswith("not found at")


# -- one project, several functions ----------------------------------------------------------------------


def test_each_handler_gets_only_the_writes_it_can_reach(tmp_path: Path):
    (tmp_path / "Handlers.cs").write_text(textwrap.dedent("""\
        namespace App;
        public class Starter
        {
            static readonly IAmazonLambda Lambda = new AmazonLambdaClient();
            private readonly Repository _repository = new(new AmazonDynamoDBClient(),
                System.Environment.GetEnvironmentVariable("TABLE") ?? throw new Exception("TABLE"));
            public async Task Handler(Request input, ILambdaContext context)
            {
                await _repository.SaveAsync(input.Id, CancellationToken.None);
                await Lambda.InvokeAsync(new InvokeRequest { FunctionName = "worker" });
            }
        }
        public class Reader
        {
            public Task Handler(Request input, ILambdaContext context) => Task.CompletedTask;
        }
        """))
    (tmp_path / "Repository.cs").write_text(textwrap.dedent("""\
        namespace App;
        public sealed class Repository(IAmazonDynamoDB db, string table)
        {
            private readonly string _table = table;
            public Task SaveAsync(string id, CancellationToken ct) =>
                db.PutItemAsync(new PutItemRequest { TableName = _table }, ct);
        }
        """))
    starter = analyse_csharp(tmp_path / "Handlers.cs", "App.Starter::Handler", tmp_path)
    assert [(w.api, w.target) for w in starter.writes] == [
        ("Invoke", Target("literal", "worker")), ("PutItem", Target("env", "TABLE"))]
    reader = analyse_csharp(tmp_path / "Handlers.cs", "App.Reader::Handler", tmp_path)
    assert reader.analysed and reader.writes == []


def test_a_target_typed_new_takes_the_declared_type():
    members = "private static readonly AmazonS3Client S3 = new();"
    found = _only('await S3.PutObjectAsync(new() { BucketName = "out", Key = "k" });', members)
    assert (found.service, found.target) == ("s3", Target("literal", "out"))


def test_a_variable_assigned_in_a_branch_is_unknown():
    body = """\
    var bucket = "first";
    if (evnt.Records.Count > 1) { bucket = Environment.GetEnvironmentVariable("OTHER"); }
    await _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "k" });
    """
    assert _only(body, CLIENTS).target.kind == "unknown"


def test_an_executable_assembly_with_a_lambda_handler_in_top_level_statements():
    program = textwrap.dedent("""\
        using Amazon.Lambda.RuntimeSupport;
        var s3 = new AmazonS3Client();
        var handler = async (S3Event evnt, ILambdaContext context) =>
        {
            foreach (var record in evnt.Records)
            {
                await s3.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = record.S3.Bucket.Name,
                    Key = "copies/" + record.S3.Object.Key,
                });
            }
        };
        await LambdaBootstrapBuilder.Create(handler, new DefaultLambdaJsonSerializer()).Build().RunAsync();
        """)
    facts = analyse_csharp_source(program, "Program.cs", "::handler")
    assert facts.analysed and not facts.problems, facts.problems
    assert [(w.target, w.key) for w in facts.writes] == [
        (Target("event-source"), Concat((Lit("copies/"), IncomingKey())))]


@pytest.mark.parametrize("call, api, table", [
    ("await _context.SaveAsync(order);", "PutItem", "Orders"),
    ("await _context.SaveAsync(new Order { Id = \"1\" });", "PutItem", "Orders"),
    ("await _context.DeleteAsync<Order>(\"1\");", "DeleteItem", "Orders"),
    ("await _context.SaveAsync(input);", "PutItem", "Orders"),
    ("await _context.SaveAsync(Build());", "PutItem", None),
    ("await _context.SaveAsync(order, new DynamoDBOperationConfig { OverrideTableName = T });",
     "PutItem", None),
])
def test_dynamodb_context_writes_the_table_of_the_item_class(call: str, api: str, table: object):
    members = """\
    private readonly IDynamoDBContext _context = new DynamoDBContext(new AmazonDynamoDBClient());
    """
    item_class = '[DynamoDBTable("Orders")]\npublic class Order { public string Id { get; set; } }\n'
    program = _program("var order = new Order { Id = \"1\" };\n" + call, members, "Order input") + item_class
    facts = analyse_csharp_source(program, "Function.cs", HANDLER)
    assert [(w.service, w.api, w.details.get("Table")) for w in facts.writes] == [("dynamodb", api, "resource")]
    target = facts.writes[0].target
    assert target == Target("literal", table) if table else target.kind == "unknown"
