"""Java handlers (loopcheck.code.java_facts, loopcheck.code.locate_java): where the handler class
is, the AWS SDK for Java v2 and v1 writes, targets, keys and guards, the classes followed, and
bad code. The behaviour every language shares is in tests/conformance/ (handler.java)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List

import pytest
from builder import bucket, environment, function, ref, s3_event, template, write

from loopcheck.code import budget, java_facts, syntax_trees
from loopcheck.code.facts import Basename, CodeFacts, Concat, IncomingKey, Lit, Replace, Slice, Stem, Target
from loopcheck.code.java_facts import analyse_java, analyse_java_source
from loopcheck.code.locate import locate_code
from loopcheck.code.locate_java import find_entry, project_folder, split_handler
from loopcheck.knowledge import sdk_catalog
from loopcheck.load.loader import Template, load_file
from loopcheck.model.resources import build_model
from loopcheck.pipeline.analysis import analyse_template


def _facts(body: str, members: str = "", event: str = "S3Event event, Context context") -> CodeFacts:
    """The facts of a class App whose handleRequest(event, context) runs `body`."""
    source = textwrap.dedent("""\
        package com.example;

        public class App {
        %s
            public String handleRequest(%s) {
        %s
                return "ok";
            }
        }
        """) % (textwrap.indent(textwrap.dedent(members), "    "), event,
                textwrap.indent(textwrap.dedent(body), "        "))
    facts = analyse_java_source(source, "App.java", "com.example.App::handleRequest")
    assert facts.analysed and facts.problems == [], facts.problems
    return facts


def _one(facts: CodeFacts):
    assert len(facts.writes) == 1, facts.writes
    return facts.writes[0]


# -- where the handler is ----------------------------------------------------------------------


def test_handler_strings() -> None:
    assert split_handler("com.example.App::handle") == ("com.example.App", "handle")
    assert split_handler("example.Handler") == ("example.Handler", "handleRequest")
    assert split_handler("app.handler.js") == ("app.handler.js", "handleRequest")
    assert split_handler("not a class") is None
    assert java_facts.split_handler("a.b.Outer$Inner::run") == ("Inner", "run")


@pytest.mark.parametrize("given, project", [
    ("fn/target/fn-1.0.jar", "fn"), ("fn/build/distributions/fn.zip", "fn"), ("fn/build/libs/fn.jar", "fn"),
    ("fn", "fn"), ("fn.zip", "."), ("fn/build", "fn/build"), ("other/build/fn", "other/build/fn"),
    ("other/target/fn.jar", "other/target"),
])
def test_a_build_output_stands_for_its_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str,
                                               project: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn/pom.xml").write_text("<project/>")
    (tmp_path / "other").mkdir()  # no build file: not a project
    assert project_folder(Path(given)) == Path(project)


APP = """\
package com.example;
public class App {
    public void handleRequest(Object event) {}
}
"""


@pytest.mark.parametrize("code_uri, path", [
    ("fn", "fn/src/main/java/com/example/App.java"),  # Maven / Gradle layout
    ("flat", "flat/com/example/App.java"),  # classes directly under the code folder
    ("fn/target/fn-1.0.jar", "fn/src/main/java/com/example/App.java"),
    ("fn/build/distributions/fn.zip", "fn/src/main/java/com/example/App.java"),
])
def test_the_handler_class_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code_uri: str,
                                    path: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    files = {"fn/src/main/java/com/example/App.java": APP, "flat/com/example/App.java": APP}
    write(tmp_path, template({"Fn": function(code_uri=code_uri, handler="com.example.App", runtime="java21")}),
          files)
    loaded = load_file("template.yaml")
    assert isinstance(loaded, Template)
    model = build_model("template.yaml", loaded.data)
    source = locate_code(model, model.functions["Fn"])
    assert source.language == "java" and source.entry == Path(path), source
    assert source.function_name == "com.example.App::handleRequest"


@pytest.mark.parametrize("path, text, found", [
    ("fn/src/main/java/com/example/App.java", "// c\npackage example;\nclass App {}", True),  # dir != package
    ("fn/src/main/java/App/App.java", "/* no package */ class App {}", False),
    ("fn/src/main/java/other/App.java", "package other;\nclass App {}", False),
])
def test_a_class_away_from_its_package_path_is_found_by_its_package(tmp_path: Path, path: str, text: str,
                                                                    found: bool) -> None:
    (tmp_path / path).parent.mkdir(parents=True)
    (tmp_path / path).write_text(text)
    entry, shown = find_entry(tmp_path / "fn", "example.App")
    assert entry == (tmp_path / path if found else None)
    assert found or shown == tmp_path / "fn/src/main/java/example/App.java"
    if "no package" in text:
        assert find_entry(tmp_path / "fn", "App")[0] == tmp_path / path


def test_a_missing_class_is_not_found_with_where_it_was_looked_for(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    fn = function(code_uri="fn", handler="com.example.Gone::run", runtime="java17")
    write(tmp_path, template({"Fn": fn}),
          {"fn/src/main/java/com/example/App.java": APP})
    loaded = load_file("template.yaml")
    assert isinstance(loaded, Template)
    model = build_model("template.yaml", loaded.data)
    source = locate_code(model, model.functions["Fn"])
    assert not source.found and source.reason == "not found at fn/src/main/java/com/example/Gone.java"


# -- SDK writes ----------------------------------------------------------------------------------

V2_WRITES = [
    ("s3.putObject(PutObjectRequest.builder().bucket(\"b\").key(\"k\").build(), RequestBody.empty());",
     "S3Client s3 = S3Client.create();", ("s3", "PutObject", "b")),
    ("s3.putObject(r -> r.bucket(\"b\").key(\"k\"), RequestBody.empty());",
     "S3Client s3 = S3Client.builder().build();", ("s3", "PutObject", "b")),
    ("s3.deleteObject(DeleteObjectRequest.builder().bucket(\"b\").key(\"k\").build());",
     "S3AsyncClient s3 = S3AsyncClient.create();", ("s3", "DeleteObject", "b")),
    ("sqs.sendMessage(SendMessageRequest.builder().queueUrl(\"q\").messageBody(\"x\").build());",
     "SqsClient sqs = SqsClient.create();", ("sqs", "SendMessage", "q")),
    ("sns.publish(PublishRequest.builder().topicArn(\"t\").message(\"x\").build());",
     "SnsClient sns = SnsClient.create();", ("sns", "Publish", "t")),
    ("db.putItem(PutItemRequest.builder().tableName(\"T\").item(Map.of()).build());",
     "DynamoDbClient db = DynamoDbClient.create();", ("dynamodb", "PutItem", "T")),
    ("db.deleteItem(DeleteItemRequest.builder().tableName(\"T\").key(Map.of()).build());",
     "DynamoDbClient db = DynamoDbClient.create();", ("dynamodb", "DeleteItem", "T")),
    ("k.putRecords(PutRecordsRequest.builder().streamName(\"s\").build());",
     "KinesisClient k = KinesisClient.create();", ("kinesis", "PutRecords", "s")),
    ("eb.putEvents(PutEventsRequest.builder().entries(PutEventsRequestEntry.builder().eventBusName(\"bus\")"
     ".build()).build());", "EventBridgeClient eb = EventBridgeClient.create();",
     ("events", "PutEvents", "bus")),
    ("l.invoke(InvokeRequest.builder().functionName(\"f\").build());",
     "LambdaClient l = LambdaClient.create();", ("lambda", "Invoke", "f")),
    ("sfn.startExecution(StartExecutionRequest.builder().stateMachineArn(\"m\").build());",
     "SfnClient sfn = SfnClient.create();", ("states", "StartExecution", "m")),
    ("tm.uploadFile(UploadFileRequest.builder().putObjectRequest(p -> p.bucket(\"b\").key(\"k\")).source(f)"
     ".build());",
     "S3TransferManager tm = S3TransferManager.create();", ("s3", "UploadFile", "b")),
]

V1_WRITES = [
    ("s3.putObject(\"b\", \"k\", \"body\");", "AmazonS3 s3 = AmazonS3ClientBuilder.defaultClient();",
     ("s3", "PutObject", "b")),
    ("s3.putObject(new PutObjectRequest(\"b\", \"k\", file));",
     "AmazonS3 s3 = AmazonS3ClientBuilder.standard().build();", ("s3", "PutObject", "b")),
    ("s3.copyObject(\"src\", \"k\", \"b\", \"k2\");", "AmazonS3 s3;", ("s3", "CopyObject", "b")),
    ("tm.upload(\"b\", \"k\", file);", "TransferManager tm = TransferManagerBuilder.defaultTransferManager();",
     ("s3", "UploadFile", "b")),
    ("sqs.sendMessage(\"q\", \"body\");", "AmazonSQS sqs = AmazonSQSClientBuilder.defaultClient();",
     ("sqs", "SendMessage", "q")),
    ("sqs.sendMessage(new SendMessageRequest().withQueueUrl(\"q\").withMessageBody(\"x\"));", "AmazonSQS sqs;",
     ("sqs", "SendMessage", "q")),
    ("sns.publish(\"t\", \"message\");", "AmazonSNS sns = AmazonSNSClientBuilder.defaultClient();",
     ("sns", "Publish", "t")),
    ("db.putItem(\"T\", item);", "AmazonDynamoDB db = AmazonDynamoDBClientBuilder.defaultClient();",
     ("dynamodb", "PutItem", "T")),
    ("k.putRecord(\"s\", data, \"p\");", "AmazonKinesis k;", ("kinesis", "PutRecord", "s")),
    ("l.invoke(new InvokeRequest().withFunctionName(\"f\"));",
     "AWSLambda l = AWSLambdaClientBuilder.defaultClient();",
     ("lambda", "Invoke", "f")),
    ("sfn.startExecution(new StartExecutionRequest().withStateMachineArn(\"m\"));", "AWSStepFunctions sfn;",
     ("states", "StartExecution", "m")),
    ("eb.putEvents(new PutEventsRequest().withEntries(new PutEventsRequestEntry().withEventBusName(\"bus\")));",
     "AmazonEventBridge eb;", ("events", "PutEvents", "bus")),
]


@pytest.mark.parametrize("call, field, expected", V2_WRITES + V1_WRITES)
def test_sdk_writes_of_both_generations(call: str, field: str, expected: tuple) -> None:
    write = _one(_facts(call, f"private final {field}"))
    service, api, target = expected
    assert (write.service, write.api, write.target) == (service, api, Target("literal", target))


def test_a_request_built_in_a_variable_and_a_client_passed_as_a_parameter() -> None:
    facts = _facts("""\
        PutObjectRequest request = PutObjectRequest.builder().bucket(OUT).key("x").build();
        save(S3Client.create(), request);
        """, """\
        private static final String OUT = System.getenv("OUT_BUCKET");
        private void save(S3Client client, PutObjectRequest request) {
            client.putObject(request, RequestBody.empty());
        }
        """)
    assert _one(facts).target == Target("env", "OUT_BUCKET")


def test_calls_that_write_nothing_are_not_writes() -> None:
    facts = _facts("""\
        s3.getObject(GetObjectRequest.builder().bucket("b").key("k").build());
        list.putObject("not an sdk call");
        map.put("k", "v");
        """, "private final S3Client s3 = S3Client.create();")
    assert facts.writes == []


def test_every_java_method_names_a_catalog_row() -> None:
    for service, methods in java_facts._METHODS.items():
        for api in methods.values():
            assert (service, api) in sdk_catalog.BY_API, (service, api)


# -- targets and keys --------------------------------------------------------------------------


@pytest.mark.parametrize("expression, target", [
    ("System.getenv(\"OUT\")", Target("env", "OUT")),
    ("System.getenv().get(\"OUT\")", Target("env", "OUT")),
    ("OUT", Target("env", "FROM_FIELD")),
    ("this.out", Target("env", "FROM_CONSTRUCTOR")),
    ("event.getRecords().get(0).getS3().getBucket().getName()", Target("event-source")),
    ("event.getRecords().get(0).getS3().getBucket().getName() + \"-resized\"",
     Target("event-source", affixes=("", "-resized"))),
])
def test_targets(expression: str, target: Target) -> None:
    members = """\
        private static final String OUT = System.getenv("FROM_FIELD");
        private final String out;
        private final S3Client s3 = S3Client.create();
        public App() { this.out = System.getenv("FROM_CONSTRUCTOR"); }
        """
    facts = _facts(f"s3.putObject(PutObjectRequest.builder().bucket({expression}).key(\"k\").build(), body);",
                   members)
    assert _one(facts).target == target


@pytest.mark.parametrize("expression, key", [
    ("\"out/\" + key", Concat((Lit("out/"), IncomingKey()))),
    ("String.format(\"out/%s.txt\", key)", Concat((Lit("out/"), IncomingKey(), Lit(".txt")))),
    ("key.replace(\".jpg\", \".png\")", Replace(IncomingKey(), ".jpg", ".png")),
    ("key.replaceFirst(\"\\\\.jpg\", \".png\")", Replace(IncomingKey(), ".jpg", ".png", first_only=True)),
    ("key.substring(8)", Slice(IncomingKey(), 8)),
    ("key.substring(0, 4)", Slice(IncomingKey(), 0, 4)),
    ("key.substring(key.lastIndexOf('/') + 1)", Basename(IncomingKey())),
    ("key.substring(0, key.lastIndexOf(\".\"))", Stem(IncomingKey())),
    ("Paths.get(key).getFileName().toString()", Basename(IncomingKey())),
    ("FilenameUtils.getBaseName(key)", Basename(Stem(IncomingKey()))),
    ("String.join(\"/\", \"out\", key)", Concat((Lit("out/"), IncomingKey()))),
    ("URLDecoder.decode(record.getS3().getObject().getKey(), StandardCharsets.UTF_8)", IncomingKey()),
])
def test_key_expressions(expression: str, key: object) -> None:
    facts = _facts(f"""\
        for (S3EventNotificationRecord record : event.getRecords()) {{
            String key = record.getS3().getObject().getUrlDecodedKey();
            s3.putObject(PutObjectRequest.builder().bucket("b").key({expression}).build(), body);
        }}
        """, "private final S3Client s3 = S3Client.create();")
    assert _one(facts).key == key


def test_an_input_stream_handler_reads_the_event_from_json() -> None:
    facts = _facts("""\
        JsonNode root = MAPPER.readTree(input);
        JsonNode record = root.get("Records").get(0);
        String key = record.get("s3").get("object").get("key").asText();
        s3.putObject(PutObjectRequest.builder().bucket(record.path("s3").path("bucket").path("name").asText())
            .key("out/" + key).build(), body);
        """, "private final S3Client s3 = S3Client.create();",
        event="InputStream input, OutputStream output, Context context")
    write = _one(facts)
    assert write.target == Target("event-source") and write.key == Concat((Lit("out/"), IncomingKey()))


# -- guards ----------------------------------------------------------------------------------------


def _guards(facts: CodeFacts) -> List[tuple]:
    return [(guard.kind, guard.key_test, guard.marker) for guard in _one(facts).guards]


def test_a_v1_metadata_guard() -> None:
    facts = _facts("""\
        String bucket = event.getRecords().get(0).getS3().getBucket().getName();
        String key = event.getRecords().get(0).getS3().getObject().getKey();
        ObjectMetadata meta = s3.getObjectMetadata(bucket, key);
        if (meta.getUserMetaDataOf("resized") != null) {
            return "skipped";
        }
        s3.putObject(bucket, key, "x");
        """, "private final AmazonS3 s3 = AmazonS3ClientBuilder.defaultClient();")
    assert _guards(facts) == [("metadata", None, "")]


def test_a_metadata_read_of_another_object_is_no_guard() -> None:
    facts = _facts("""\
        String bucket = event.getRecords().get(0).getS3().getBucket().getName();
        HeadObjectResponse head = s3.headObject(HeadObjectRequest.builder().bucket(bucket).key("cfg").build());
        if (head.metadata().containsKey("skip")) return "no";
        s3.putObject(PutObjectRequest.builder().bucket(bucket).key("out").build(), body);
        """, "private final S3Client s3 = S3Client.create();")
    assert _guards(facts) == []


@pytest.mark.parametrize("test, guard", [
    ("if (key.startsWith(\"out/\")) continue;", ("key", ("startswith", "out/", True), "")),
    ("if (!key.endsWith(\".jpg\")) continue;", ("key", ("endswith", ".jpg", False), "")),
    ("if (key.contains(\"thumb\")) { continue; }", ("key", ("contains", "thumb", True), "")),
    ("if (key.startsWith(\"out/\") == false) continue;", ("key", ("startswith", "out/", False), "")),
    ("if (key.matches(\"out/.*\")) continue;", ("key", ("startswith", "out/", True), "")),
    ("if (key.toLowerCase().endsWith(\".png\")) continue;", ("key", None, "")),
    ("if (\"REMOVE\".equals(record.getEventName())) continue;", ("event-name", None, "")),
])
def test_key_and_event_guards(test: str, guard: tuple) -> None:
    facts = _facts(f"""\
        for (S3EventNotificationRecord record : event.getRecords()) {{
            String key = record.getS3().getObject().getKey();
            {test}
            s3.putObject(PutObjectRequest.builder().bucket("b").key(key + ".x").build(), body);
        }}
        """, "private final S3Client s3 = S3Client.create();")
    assert _guards(facts) == [guard]


def test_a_guard_at_the_call_site_of_a_helper_and_inside_a_foreach_lambda() -> None:
    facts = _facts("""\
        event.getRecords().forEach(record -> {
            String key = record.getS3().getObject().getKey();
            if (key.startsWith("out/")) return;
            resize(key);
        });
        """, """\
        private final S3Client s3 = S3Client.create();
        private void resize(String key) {
            s3.putObject(PutObjectRequest.builder().bucket("b").key("out/" + key).build(), body);
        }
        """)
    write = _one(facts)
    assert write.key == Concat((Lit("out/"), IncomingKey()))
    assert _guards(facts) == [("key", ("startswith", "out/", True), "")]


def test_a_gson_body_marker_and_the_mark_the_write_sets() -> None:
    facts = _facts("""\
        for (SQSEvent.SQSMessage message : event.getRecords()) {
            JsonObject body = JsonParser.parseString(message.getBody()).getAsJsonObject();
            if (body.has("seen")) continue;
            body.addProperty("seen", true);
            sqs.sendMessage(SendMessageRequest.builder().queueUrl(System.getenv("Q")).messageBody(GSON.toJson(body))
                .build());
        }
        """, "private final SqsClient sqs = SqsClient.create();", event="SQSEvent event")
    write = _one(facts)
    assert _guards(facts) == [("marker", None, "body.seen")] and write.marks == ("body.seen",)


def test_a_field_set_after_the_write_is_no_mark() -> None:
    facts = _facts("""\
        for (SQSEvent.SQSMessage message : event.getRecords()) {
            ObjectNode body = (ObjectNode) MAPPER.readTree(message.getBody());
            if (body.has("seen")) continue;
            sqs.sendMessage(SendMessageRequest.builder().queueUrl("q").messageBody(MAPPER.writeValueAsString(body))
                .build());
            body.put("seen", true);
        }
        """, "private final SqsClient sqs = SqsClient.create();", event="SQSEvent event")
    assert _one(facts).marks == ()


# -- classes followed, bad code ------------------------------------------------------------------


def _project(tmp_path: Path, files: Dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def test_a_class_of_the_same_package_is_read_and_its_write_found(tmp_path: Path) -> None:
    root = _project(tmp_path, {
        "src/main/java/com/example/App.java": """\
            package com.example;
            public class App {
                private final Store store = new Store();
                public void handleRequest(S3Event event) {
                    String key = event.getRecords().get(0).getS3().getObject().getKey();
                    if (key.startsWith("done/")) return;
                    store.save(key);
                }
            }
            """,
        "src/main/java/com/example/Store.java": """\
            package com.example;
            public class Store {
                private final S3Client s3 = S3Client.create();
                public void save(String key) {
                    s3.putObject(PutObjectRequest.builder().bucket(System.getenv("B")).key("done/" + key)
                                 .build(),
                                 RequestBody.empty());
                }
            }
            """,
    })
    facts = analyse_java(root / "src/main/java/com/example/App.java", "com.example.App::handleRequest", root)
    assert facts.analysed and facts.files == [str(root / "src/main/java/com/example/App.java"),
                                              str(root / "src/main/java/com/example/Store.java")]
    write = _one(facts)
    assert write.key == Concat((Lit("done/"), IncomingKey()))
    assert [guard.key_test for guard in write.guards] == [("startswith", "done/", True)]


def test_a_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    root = _project(tmp_path, {"App.java": "public class App {\n  void handleRequest( {\n}\n"})
    facts = analyse_java(root / "App.java", "App::handleRequest", root)
    assert not facts.analysed and facts.problems and facts.problems[0].startswith(f"{root / 'App.java'}:2:")


def test_an_unreadable_entry_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "App.java").write_bytes(b"class App { String s = \"\xff\"; }")
    facts = analyse_java(tmp_path / "Gone.java", "Gone::handleRequest", tmp_path)
    assert not facts.analysed and facts.problems == [f"{tmp_path / 'Gone.java'}: cannot read: no such file"]


def test_a_missing_handler_method_is_a_problem_and_the_writes_are_still_found() -> None:
    source = "class App { S3Client s3 = S3Client.create(); void other() { s3.deleteObject(\"b\", \"k\"); } }"
    facts = analyse_java_source(source, "App.java", "App::handleRequest")
    assert facts.problems == ["App.java: handler App::handleRequest not found; the event is not followed"]
    assert [(write.api, write.target) for write in facts.writes] == [("DeleteObject", Target("literal", "b"))]


def test_a_used_up_budget_leaves_the_facts_not_analysed_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    source = ("class App { S3Client s3 = S3Client.create(); void handleRequest(Object e) {\n"
              + "s3.putObject(\"b\", \"k\" + \"x\", \"y\");\n" * 20 + "}}")
    assert analyse_java_source(source, "App.java", "App::handleRequest").analysed
    monkeypatch.setattr(budget, "UNITS_PER_FILE", 100)
    monkeypatch.setattr(budget, "UNITS_PER_BYTE", 0)
    facts = analyse_java_source(source, "App.java", "App::handleRequest")
    assert not facts.analysed and not facts.complete
    assert facts.notes and facts.notes[0].startswith("App.java: handler analysis stopped: work budget")


def _chain(tmp_path: Path, length: int) -> CodeFacts:
    """App -> C1 -> ... -> C<length>, each a field of the one before; the write in the last."""
    package = tmp_path / "src/main/java/p"
    package.mkdir(parents=True)
    names = ["App"] + [f"C{i}" for i in range(1, length + 1)]
    for name, after in zip(names, names[1:] + [None]):
        writes = ('private final S3Client s3 = S3Client.create(); '
                  'public void go() { s3.putObject("b", "k", "x"); }')
        calls = f"private final {after} next = new {after}(); public void go() {{ next.go(); }}"
        call = calls if after else writes
        (package / f"{name}.java").write_text(f"package p;\npublic class {name} {{ {call} }}\n")
    return analyse_java(package / "App.java", "p.App::go", tmp_path)


def test_classes_are_followed_to_the_depth_limit_and_no_further(tmp_path: Path) -> None:
    inside = _chain(tmp_path / "inside", 3)
    assert inside.complete and [write.api for write in inside.writes] == ["PutObject"]
    past = _chain(tmp_path / "past", 4)
    assert not past.complete and past.writes == []
    assert len(past.notes) == 1 and "C3.java" in past.notes[0] and "import of C4 not followed: more than 3" \
        in past.notes[0]


# -- through the pipeline --------------------------------------------------------------------------


def test_a_java_metadata_guard_makes_a_same_bucket_write_no_error(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    handler = """\
        package com.example;
        public class App {
            private final S3Client s3 = S3Client.create();
            public void handleRequest(S3Event event) {
                String bucket = event.getRecords().get(0).getS3().getBucket().getName();
                String key = event.getRecords().get(0).getS3().getObject().getKey();
                %s
                s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key).build(), RequestBody.empty());
            }
        }
        """
    guard = ("HeadObjectResponse head = s3.headObject(HeadObjectRequest.builder().bucket(bucket).key(key)"
             ".build());"
             "\n                if (head.metadata().containsKey(\"done\")) return;")
    document = template({
        "Media": bucket(),
        "Fn": function(code_uri="fn", handler="com.example.App::handleRequest", runtime="java21",
                       policies=[{"S3CrudPolicy": {"BucketName": ref("Media")}}],
                       events={"Up": s3_event("Media")}, Environment=environment(X="y")),
    })
    for text, rules in ((handler % "", ["EL101"]), (handler % guard, [])):
        write(tmp_path, document, {"fn/src/main/java/com/example/App.java": text})
        loaded = load_file("template.yaml")
        assert isinstance(loaded, Template)
        findings = analyse_template("template.yaml", loaded.data)
        assert [f.rule for f in findings if f.severity == "error"] == rules


def test_a_request_declared_null_and_set_before_the_call() -> None:
    facts = _facts("""\
        PutObjectRequest request = null;
        request = PutObjectRequest.builder().bucket("b").key("k").build();
        s3.putObject(request, body);
        """, "private final S3Client s3 = S3Client.create();")
    assert _one(facts).target == Target("literal", "b")


def test_a_variable_set_two_ways_is_unknown() -> None:
    facts = _facts("""\
        String name = "a";
        if (event == null) { name = "b"; }
        s3.putObject(PutObjectRequest.builder().bucket(name).key("k").build(), body);
        """, "private final S3Client s3 = S3Client.create();")
    assert _one(facts).target.kind == "unknown"


@pytest.mark.parametrize("members, call", [
    ("DynamoDbEnhancedClient enhanced = DynamoDbEnhancedClient.create();\n"
     "DynamoDbTable<Order> table = enhanced.table(System.getenv(\"T\"), TableSchema.fromBean(Order.class));",
     "table.putItem(order);"),
    ("DynamoDB doc = new DynamoDB(AmazonDynamoDBClientBuilder.defaultClient());\n"
     "Table table = doc.getTable(System.getenv(\"T\"));",
     "table.putItem(new Item().withPrimaryKey(\"pk\", \"1\"));"),
])
def test_dynamodb_table_objects_of_the_enhanced_client_and_the_document_api(members: str, call: str) -> None:
    write = _one(_facts(call, "private final " + members.replace("\n", "\nprivate final ")))
    assert (write.api, write.target, write.details["Table"]) == ("PutItem", Target("env", "T"), "resource")


def test_an_eventbridge_detail_marker() -> None:
    facts = _facts("""\
        if (event.getDetail().containsKey("enriched")) return "skip";
        Map<String, Object> detail = new HashMap<>(event.getDetail());
        detail.put("enriched", true);
        events.putEvents(PutEventsRequest.builder().entries(PutEventsRequestEntry.builder()
            .source("app").detail(MAPPER.writeValueAsString(detail)).build()).build());
        """, "private final EventBridgeClient events = EventBridgeClient.create();",
        event="ScheduledEvent event")
    write = _one(facts)
    assert _guards(facts) == [("marker", None, "body.enriched")] and write.marks == ("body.enriched",)


def test_importing_the_analyser_does_not_import_tree_sitter() -> None:
    code = "import sys, loopcheck.code.java_facts; print('tree_sitter_java' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_without_the_grammar_nothing_is_analysed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(syntax_trees, "available", lambda *packages: False)
    assert analyse_java_source("class App {}", "App.java", "App") == CodeFacts(
        "java", analysed=False, problems=["tree-sitter not installed"])
    (tmp_path / "App.java").write_text("class App {}")
    assert not analyse_java(tmp_path / "App.java", "App", tmp_path).analysed
