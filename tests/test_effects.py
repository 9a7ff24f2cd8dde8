"""The graph stage's effect edges: every service's nodes reached through its grant index, in
one loop over the writers (loopcheck.graph.event_graph, services.s3_grants, graph.arn_targets)."""

from __future__ import annotations

import os
import subprocess
import sys

from builder import (
    bucket,
    dump,
    function,
    model_and_graph,
    queue,
    s3_event,
    sqs_event,
    statement,
    sub,
    template,
)

from loopcheck.resolve.globs import tokens
from loopcheck.resolve.values import literal


def _unknown_to_queues():
    """A function run by three queues and a bucket, with permissions loopcheck cannot see."""
    events = {f"Q{i}": sqs_event(f"Queue{i}") for i in (3, 1, 2)}
    events["Drop"] = s3_event("Media")
    return template({
        "Media": bucket("media-bucket"),
        "Queue1": queue(), "Queue2": queue(), "Queue3": queue(),
        "Fn": function(["SomeCustomerManagedThing"], events),
    })


def test_unknown_permissions_reach_every_trigger_source_in_the_order_the_triggers_were_read():
    _, graph = model_and_graph(_unknown_to_queues())
    written = [target for writer, target in graph.effects if writer == "Fn"]
    # the bucket's own index first (registry order), then the queues as their triggers were read
    assert written == ["Media", "Queue3", "Queue1", "Queue2"]
    assert all(graph.effects[("Fn", t)].unknown for t in written)


def test_the_order_of_effects_does_not_depend_on_the_hash_seed(tmp_path):
    (tmp_path / "template.yaml").write_text(dump(_unknown_to_queues()))
    script = ("import sys\nfrom loopcheck.load.loader import load_file\n"
              "from loopcheck.pipeline.analysis import analyse\n"
              "a = analyse(sys.argv[1], load_file(sys.argv[1]).data)\n"
              "print(list(a.graph.effects))\n")
    seen = set()
    for seed in ("1", "2", "3", "4"):
        done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "template.yaml")], cwd=tmp_path,
                              env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True,
                              check=True)
        seen.add(done.stdout)
    assert len(seen) == 1


def test_each_node_is_reached_by_its_own_service_s_rule():
    document = template({
        "Media": bucket("media-bucket"),
        "Jobs": queue(),
        "Fn": function([
            {"Statement": [statement("s3:PutObject", sub("arn:aws:s3:::${Media}/*")),
                           statement("sqs:SendMessage", "*"), statement("lambda:InvokeFunction", "*")]},
        ], {"Drop": s3_event("Media"), "Q": sqs_event("Jobs")}),
    })
    _, graph = model_and_graph(document)
    # S3: the object ARN; SQS: any queue a `*` names; Lambda: `*` never names the function
    assert [t for w, t in graph.effects if w == "Fn"] == ["Media", "Jobs"]
    assert [g.action for g in graph.effects[("Fn", "Media")].grants] == ["s3:PutObject"]
    assert graph.node_arns["Media"] == [tokens(literal("arn:aws:s3:::media-bucket"), wildcards=False)]
    assert "Fn" in graph.node_arns  # a write target all the same: a named grant would reach it
