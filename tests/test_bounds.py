"""Bounds: a counter or deadline carried in the message and checked before a write back
(loopcheck.code.bounds, read by the Python and JS analysers), how the judge weighs it (IL114,
WL115, no EL101 / EL104), and the loop inventory (`loopcheck loops`)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Dict, List

import pytest
from builder import environment, function, put_statement, sqs_event, sqs_send, sub, template, write
from clirunner import cli_runner
from code_js_support import needs_tree_sitter

from loopcheck.app.cli import main
from loopcheck.code.js_facts import analyse_js_source
from loopcheck.code.python_facts import analyse_python_source
from loopcheck.load.loader import Template, load_file
from loopcheck.pipeline.analysis import analyse


def py_bound(source: str):
    facts = analyse_python_source(textwrap.dedent(source), "app.py", "handler")
    assert facts.analysed and len(facts.writes) == 1, facts
    return facts.writes[0].bound


def js_bound(source: str):
    facts = analyse_js_source(textwrap.dedent(source), "index.js", "index.handler")
    assert facts.analysed and len(facts.writes) == 1, facts
    return facts.writes[0].bound


PY_SQS = """\
import json, os, time
import boto3
sqs = boto3.client("sqs")
def handler(event, context):
    for record in event["Records"]:
        body = json.loads(record["body"])
"""


def test_python_counter_sent_incremented_is_a_bound():
    bound = py_bound(PY_SQS + """\
        n = body.get("attempt", 0)
        if n < 4:
            sqs.send_message(QueueUrl=os.environ["Q"], MessageBody=json.dumps({**body, "attempt": n + 1}))
""")
    assert (bound.kind, bound.variable, bound.limit, bound.line) == ("counter", "n", 4, 8)


def test_python_comparison_without_the_increment_is_no_bound():
    assert py_bound(PY_SQS + """\
        if body["attempt"] < 4:
            sqs.send_message(QueueUrl=os.environ["Q"], MessageBody=json.dumps(body))
""") is None


def test_python_counter_compared_the_wrong_way_is_no_bound():
    """The write runs while the counter is at or above the limit: nothing stops it."""
    assert py_bound(PY_SQS + """\
        n = body.get("attempt", 0)
        if n >= 4:
            sqs.send_message(QueueUrl=os.environ["Q"], MessageBody=json.dumps({"attempt": n + 1}))
""") is None


def test_python_limit_from_the_environment():
    bound = py_bound(PY_SQS + """\
        n = body.get("attempt", 0)
        if n >= int(os.environ["MAX_ATTEMPTS"]):
            continue
        sqs.send_message(QueueUrl=os.environ["Q"], MessageBody=json.dumps({"attempt": n + 1}))
""")
    assert (bound.kind, bound.limit, bound.limit_env) == ("counter", None, "MAX_ATTEMPTS")


def test_python_deadline_hops_are_its_time_over_the_delay():
    bound = py_bound(PY_SQS + """\
        started = body.get("started") or time.time()
        if time.time() - started < 300:
            sqs.send_message(QueueUrl=os.environ["Q"], DelaySeconds=30,
                             MessageBody=json.dumps({**body, "started": started}))
""")
    assert (bound.kind, bound.limit) == ("deadline", 10)


def test_python_deadline_not_carried_on_is_no_bound():
    """A fresh start time in what is sent restarts the clock on every hop."""
    assert py_bound(PY_SQS + """\
        if time.time() - body["started"] < 300:
            sqs.send_message(QueueUrl=os.environ["Q"], MessageBody=json.dumps({"started": time.time()}))
""") is None


def test_python_status_check_is_no_bound_and_is_named():
    facts = analyse_python_source(textwrap.dedent(PY_SQS + """\
        status = sqs.get_queue_attributes(QueueUrl="x")["Attributes"]["State"]
        if status != "DONE":
            sqs.send_message(QueueUrl=os.environ["Q"], MessageBody=record["body"])
"""), "app.py", "handler")
    write_ = facts.writes[0]
    assert write_.bound is None
    assert write_.details["WaitsOn"] == "status != 'DONE' (app.py:8)"


PY_DRAIN = PY_SQS.replace("import boto3", "import boto3\necs = boto3.client('ecs')") + """\
        if CHECK:
            sqs.send_message(QueueUrl=os.environ["Q"], MessageBody=record["body"])

def tasks_running(instance):
    found = ecs.describe_container_instances(cluster="c", containerInstances=[instance])
    return found["containerInstances"][0]["runningTasksCount"]
"""


@pytest.mark.parametrize("check, waits", [
    ("tasks_running(body['id']) == 1", "tasks_running(body['id']) == 1 (app.py:8)"),  # a number
    ("tasks_running(body['id'])", "tasks_running(body['id']) (app.py:8)"),  # a helper's answer
    ("body['kind'].find('drain') == -1", None),  # the event's own field: no outside state
    ("not body['key'].endswith('.jpg')", None),
    ("'State' in body", None),
])
def test_python_outside_state_is_a_status_read_at_run_time_not_the_event(check: str, waits):
    source = PY_DRAIN.replace("CHECK", check)
    facts = analyse_python_source(textwrap.dedent(source), "app.py", "handler")
    [write_] = [w for w in facts.writes if w.service == "sqs"]
    assert write_.bound is None
    assert write_.details.get("WaitsOn") == waits


def test_python_counter_incremented_in_a_nested_field():
    """`body["meta"]["count"] += 1` and `... = ... + 1` both send the nested counter incremented."""
    for increment in ('body["meta"]["count"] += 1', 'body["meta"]["count"] = body["meta"]["count"] + 1'):
        bound = py_bound(PY_SQS + f"""\
        {increment}
        if body["meta"]["count"] < 5:
            sqs.send_message(QueueUrl=os.environ["Q"], MessageBody=json.dumps(body))
""")
        assert (bound.kind, bound.variable, bound.limit) == ("counter", "body['meta']['count']", 4), increment


def test_python_nested_field_compared_without_the_increment_is_no_bound():
    assert py_bound(PY_SQS + """\
        body["meta"]["seen"] = True
        if body["meta"]["count"] < 5:
            sqs.send_message(QueueUrl=os.environ["Q"], MessageBody=json.dumps(body))
""") is None


# A message built afresh where the body has no "meta" (its counter at 1), else the body with
# meta.count incremented; a helper sends it, to the queue under TEST and elsewhere otherwise.
PY_FRESH_OR_CARRIED = PY_SQS + """\
        if MISSING:
            payload = {"meta": {"count": 1}, "data": body}
        else:
            payload = body
            payload["meta"]["count"] += 1
        if TEST:
            send(payload, os.environ["Q"])
        else:
            send(payload, os.environ["DLQ"])
def send(payload, queue):
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(payload))
"""


def fresh_or_carried(missing: str, test: str):
    source = PY_FRESH_OR_CARRIED.replace("MISSING", missing).replace("TEST", test)
    facts = analyse_python_source(textwrap.dedent(source), "app.py", "handler")
    assert facts.analysed, facts
    return {write.target.value: write.bound for write in facts.writes}


def test_python_fresh_message_starts_the_chain_the_carried_one_is_bounded():
    """The fresh branch sends a message that has "meta", so its copy takes the other branch:
    it only starts the chain; the helper's write to Q carries the bound, the one to DLQ not."""
    for missing in ('"meta" not in body', 'body.get("meta") is None', 'not "meta" in body'):
        bounds = fresh_or_carried(missing, 'payload["meta"]["count"] < int(os.environ["LIMIT"])')
        assert set(bounds) == {"Q", "DLQ"}, missing
        assert bounds["DLQ"] is None
        assert (bounds["Q"].kind, bounds["Q"].limit_env, bounds["Q"].line) == ("counter", "LIMIT", 12), missing


def test_python_fresh_branch_without_a_comparison_is_no_bound():
    bounds = fresh_or_carried('"meta" not in body', "True")
    assert bounds == {"Q": None, "DLQ": None}


def test_python_fresh_branch_compared_the_wrong_way_is_no_bound():
    bounds = fresh_or_carried('"meta" not in body', 'payload["meta"]["count"] >= 3')
    assert bounds["Q"] is None


def test_python_fresh_branch_that_its_own_message_takes_again_is_no_bound():
    """The test does not prove "meta" missing (or the fresh message lacks the field it tests):
    the fresh message, received again, restarts the count for ever."""
    for missing in ('body.get("kind") == "new"', '"other" not in body'):
        bounds = fresh_or_carried(missing, 'payload["meta"]["count"] < 3')
        assert bounds["Q"] is None, missing


def test_python_fresh_branch_without_the_increment_is_no_bound():
    source = (PY_FRESH_OR_CARRIED.replace('            payload["meta"]["count"] += 1\n', "")
              .replace("MISSING", '"meta" not in body').replace("TEST", 'payload["meta"]["count"] < 3'))
    facts = analyse_python_source(textwrap.dedent(source), "app.py", "handler")
    assert all(write.bound is None for write in facts.writes)


JS_DRAIN = """\
const { SQSClient, SendMessageCommand } = require("@aws-sdk/client-sqs");
const sqs = new SQSClient({});
const timeout = process.env.TIMEOUT;
async function wait(id, since) {
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.Q, DelaySeconds: 60,
    MessageBody: JSON.stringify({ Kind: "WAIT", Id: id, Since: since }) }));
}
exports.handler = async (event) => {
  const body = JSON.parse(event.Records[0].body);
  if (body.Kind === ENTRY) {
    await wait(body.Id, body.Time);
  } else if (body.Kind === "WAIT") {
    const waited = (Date.now() - new Date(body.Since).getTime()) / 1000;
    if (waited < timeout) {
      await wait(body.Id, body.Since);
    }
  }
};
"""


@needs_tree_sitter
def test_js_deadline_through_a_helper_with_an_entry_path():
    """One caller starts the chain (it only runs for messages of another kind than the write
    sends), the other re-sends the carried time under the deadline check."""
    bound = js_bound(JS_DRAIN.replace("ENTRY", '"START"'))
    assert (bound.kind, bound.variable, bound.limit, bound.line) == ("deadline", "waited", None, 14)


@needs_tree_sitter
def test_js_entry_path_that_its_own_output_passes_leaves_the_write_unbounded():
    """The first caller runs for the very kind the write sends: it can re-send forever."""
    assert js_bound(JS_DRAIN.replace("ENTRY", '"WAIT" || true')) is None


@needs_tree_sitter
def test_js_status_check_is_no_bound_and_is_named():
    """Re-sent while a status read at run time is not final: the write says what it waits on;
    a test of an event field against the same text is no status check."""
    source = """\
        const { SQSClient, SendMessageCommand, GetQueueAttributesCommand } = require("@aws-sdk/client-sqs");
        const sqs = new SQSClient({});
        exports.handler = async (event) => {
          for (const record of event.Records) {
            const status = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: "x" }))).Attributes.State;
            if (TEST) {
              await sqs.send(new SendMessageCommand({ QueueUrl: process.env.Q, MessageBody: record.body }));
            }
          }
        };
    """
    for test, waits in (('status !== "DONE"', 'status !== "DONE" (index.js:6)'),
                        ('record.body !== "DONE"', None)):
        facts = analyse_js_source(textwrap.dedent(source.replace("TEST", test)), "index.js", "index.handler")
        sent = [write for write in facts.writes if write.api == "SendMessage"]
        assert len(sent) == 1 and sent[0].bound is None
        assert sent[0].details.get("WaitsOn") == waits, test


@needs_tree_sitter
def test_js_counter_with_a_numeric_limit():
    bound = js_bound("""\
        const { SQSClient, SendMessageCommand } = require("@aws-sdk/client-sqs");
        const sqs = new SQSClient({});
        exports.handler = async (event) => {
          for (const record of event.Records) {
            const body = JSON.parse(record.body);
            if (body.hops > 7) return;
            await sqs.send(new SendMessageCommand({ QueueUrl: process.env.Q,
              MessageBody: JSON.stringify({ ...body, hops: body.hops + 1 }) }));
          }
        };
    """)
    assert (bound.kind, bound.variable, bound.limit) == ("counter", "body.hops", 8)


# -- the judge and the rules -------------------------------------------------------------------

RETRY = """\
import json, os
import boto3
sqs = boto3.client("sqs")
def handler(event, context):
    for record in event["Records"]:
        body = json.loads(record["body"])
        n = body.get("n", 0)
        if n < LIMIT:
            sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps({"n": n + 1}))
"""


def retry_template(limit: str, variables: Dict[str, object], **extra) -> Dict:
    fn = function([sqs_send("Jobs")], {"Jobs": sqs_event("Jobs")},
                  Environment=environment(QUEUE_URL={"Ref": "Jobs"}, **variables), **extra)
    return template({"Jobs": {"Type": "AWS::SQS::Queue"}, "Fn": fn})


def findings(tmp_path: Path, document: Dict, code: str) -> List:
    path = write(tmp_path, document, {"src/app.py": code})
    loaded = load_file(path)
    assert isinstance(loaded, Template)
    return analyse(str(path), loaded.data).findings


def test_bounded_retry_is_info_not_an_error(tmp_path: Path):
    found = findings(tmp_path, retry_template("3", {}), RETRY.replace("LIMIT", "3"))
    assert [f.rule for f in found] == ["IL114"]
    assert f"bounded: at most 3 hops (by n, {tmp_path / 'src' / 'app.py'}:8)" in found[0].message


def test_limit_from_the_template_environment(tmp_path: Path):
    code = RETRY.replace("LIMIT", 'int(os.environ["MAX"])')
    assert [f.rule for f in findings(tmp_path / "a", retry_template("", {"MAX": "12"}), code)] == ["IL114"]
    found = findings(tmp_path / "b", retry_template("", {"MAX": 40}), code)
    assert [f.rule for f in found] == ["WL115"]
    assert "at most 40 hops" in found[0].message


def test_unknown_limit_on_a_watched_path_is_a_warning(tmp_path: Path):
    found = findings(tmp_path, retry_template("", {"MAX": {"Ref": "AWS::NoValue"}}),
                     RETRY.replace("LIMIT", 'int(os.environ["MAX"])'))
    assert [f.rule for f in found] == ["WL115"]
    assert "unknown number of hops" in found[0].message
    assert "RecursiveLoop: Allow" in found[0].fix and "lower the bound" in found[0].fix
    assert f"RecursiveLoop: Allow on {found[0].resource}," in found[0].fix  # named, not "that function"


def test_allow_with_a_bound_is_info_and_without_one_stays_el104(tmp_path: Path):
    allow = retry_template("", {}, RecursiveLoop="Allow")
    bounded = findings(tmp_path / "a", allow, RETRY.replace("LIMIT", "50"))
    assert [f.rule for f in bounded] == ["IL114"]
    assert "RecursiveLoop: Allow is set" in bounded[0].message
    unbounded = RETRY.replace("if n < LIMIT:", "if True:")
    assert [f.rule for f in findings(tmp_path / "b", allow, unbounded)] == ["EL101", "EL104"]


def test_an_unbounded_write_beside_a_bounded_one_keeps_the_error(tmp_path: Path):
    code = RETRY.replace("LIMIT", "3") + (
        '        sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=record["body"])\n')
    assert [f.rule for f in findings(tmp_path, retry_template("3", {}), code)] == ["EL101"]


# -- the inventory ------------------------------------------------------------------------------


CRAWL = """\
import boto3
client = boto3.client("lambda")
def handler(event, context):
    client.invoke(FunctionName=context.function_name, Payload=b"{}")
"""


def test_loops_lists_every_loop_with_its_bound_or_guard(tmp_path: Path):
    write(tmp_path / "retry", retry_template("3", {}), {"src/app.py": RETRY.replace("LIMIT", "3")})
    crawl = function(put_statement(sub("arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:crawl"),
                                   "lambda:InvokeFunction"), None, FunctionName="crawl")
    write(tmp_path / "crawl", template({"Crawl": crawl}), {"src/app.py": CRAWL})
    result = cli_runner().invoke(main, ["loops", "--format", "json", str(tmp_path)])
    assert result.exit_code == 0, result.output
    loops = json.loads(result.stdout)["loops"]
    by_resource = {entry["resource"]: entry for entry in loops}
    retry = by_resource["Fn"]
    assert retry["status"] == "bounded" and retry["cycle"] == ["Jobs", "Fn", "Jobs"]
    assert retry["bound"]["kind"] == "counter" and retry["bound"]["hops"] == 3
    assert retry["bound"]["file"].endswith("src/app.py") and retry["bound"]["line"] == 8
    assert retry["runtime"] == "bound-first" and retry["findings"] == ["IL114"]
    crawler = by_resource["Crawl"]
    assert crawler["status"] == "unguarded" and crawler["bound"] is None
    assert crawler["runtime"] == "stops-at-16" and crawler["findings"] == ["EL101"]
    text = cli_runner().invoke(main, ["loops", str(tmp_path)])
    assert "Jobs -> Fn -> Jobs: bounded" in text.stdout and "Crawl -> Crawl: unguarded" in text.stdout


def test_loops_exits_2_on_an_unreadable_template(tmp_path: Path):
    (tmp_path / "bad.yaml").write_text('Resources:\n  A: {Type: "AWS::SQS::Queue"\n', encoding="utf-8")
    result = cli_runner().invoke(main, ["loops", str(tmp_path / "bad.yaml")])
    assert result.exit_code == 2


DEADLINE = """\
import json, os, time
import boto3
sqs = boto3.client("sqs")
def handler(event, context):
    for record in event["Records"]:
        body = json.loads(record["body"])
        if time.time() - body["started"] < int(os.environ["TIMEOUT"]):
            sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], DelaySeconds=60, MessageBody=record["body"])
"""


def test_deadline_hops_from_a_timeout_the_template_sets(tmp_path: Path):
    found = findings(tmp_path / "a", retry_template("", {"TIMEOUT": "600"}), DEADLINE)
    assert [f.rule for f in found] == ["IL114"] and "at most 10 hops" in found[0].message
    found = findings(tmp_path / "b", retry_template("", {"TIMEOUT": "3600"}), DEADLINE)
    assert [f.rule for f in found] == ["WL115"] and "at most 60 hops" in found[0].message
