"""`loopcheck graph`: the pipeline's event graph drawn as Mermaid or DOT, checked the way a
reader would see it: Mermaid parsed by the mermaid package itself (Node + jsdom, when
tests/mermaid/node_modules is installed; .ci/run installs it) and by a strict checker of the
subset loopcheck emits (always); DOT rendered by Graphviz's `dot` (when installed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from userrun import FIXTURES, ROOT, loopcheck

MERMAID_DIR = ROOT / "tests" / "mermaid"
NODE = shutil.which("node")
DOT = shutil.which("dot")

SAME_BUCKET = FIXTURES / "s3-same-bucket-loop" / "template.yaml"
SCOPED = FIXTURES / "s3-prefix-scoped" / "template.yaml"  # guarded by a prefix filter
WHOLE = FIXTURES / "s3-prefix-whole-bucket" / "template.yaml"  # possible loop (warning)
TWO_FUNCTIONS = FIXTURES / "s3-two-function-loop" / "template.yaml"  # code + permission evidence
UNUSED = FIXTURES / "s3-crud-unused-write" / "template.yaml"
ALL = [SAME_BUCKET, SCOPED, WHOLE, TWO_FUNCTIONS, UNUSED, FIXTURES / "s3-two-buckets" / "template.yaml",
       FIXTURES / "cdk-same-bucket-loop" / "template.json"]
STEP_FUNCTIONS = FIXTURES / "step-functions-loop" / "template.yaml"
TWO_STACKS = [FIXTURES / "two-stack-export-loop" / "processing.yaml",  # a loop only the two together make
              FIXTURES / "two-stack-export-loop" / "storage.yaml"]

_ID = r"[A-Za-z][A-Za-z0-9_]*"
_LABEL = r'"[^"\n]*"'
_LINE_FORMS = [
    r"flowchart LR",
    rf"subgraph {_ID}\[{_LABEL}\]",
    r"end",
    rf"(?P<node>{_ID})(?:\[\({_LABEL}\)\]|\({_LABEL}\))",
    rf"(?P<src>{_ID}) (?:-->|==>|-\.->)\|{_LABEL}\| (?P<dst>{_ID})",
    rf"classDef {_ID} [a-z-]+:[^ ;]+(?:,[a-z-]+:[^ ;,]+)*",
    rf"class (?P<members>{_ID}(?:,{_ID})*) {_ID}",
    r"linkStyle (?P<links>\d+(?:,\d+)*) [a-z-]+:[^ ;]+(?:,[a-z-]+:[^ ;,]+)*",
]


def strict_mermaid_check(text: str) -> None:
    """Every line is one of the forms loopcheck emits; nodes are defined before use; link
    indexes exist; subgraphs close; labels carry no raw quote or line break."""
    lines = text.rstrip("\n").split("\n")
    assert lines[0] == "flowchart LR"
    nodes, edges, depth = set(), 0, 0
    for line in lines[1:]:
        body = line.strip()
        match = next((m for m in (re.fullmatch(form, body) for form in _LINE_FORMS) if m), None)
        assert match is not None, f"not a line loopcheck should emit: {line!r}"
        groups = match.groupdict()
        if body.startswith("subgraph "):
            depth += 1
        elif body == "end":
            depth -= 1
            assert depth >= 0
        elif groups.get("node"):
            assert groups["node"] not in nodes, f"defined twice: {groups['node']}"
            nodes.add(groups["node"])
        elif groups.get("src"):
            assert groups["src"] in nodes and groups["dst"] in nodes, line
            edges += 1
        elif groups.get("members"):
            assert set(groups["members"].split(",")) <= nodes, line
        elif groups.get("links"):
            assert all(int(i) < edges for i in groups["links"].split(",")), line
    assert depth == 0


def alone(tmp_path, template):
    """The template copied without its handler code, so permissions alone decide (the
    labels below then do not depend on which handler languages loopcheck analyses)."""
    target = tmp_path / template.parent.name / template.name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(template.read_text())
    return target


def graph(*args):
    completed = loopcheck("graph", *args)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_mermaid_draws_kinds_labels_evidence_and_the_loop(tmp_path):
    text = graph(alone(tmp_path, SAME_BUCKET))
    strict_mermaid_check(text)
    assert 't0_b_MediaBucket[("MediaBucket<br/>bucket")]' in text  # bucket: cylinder
    assert 't0_f_ResizeFn("ResizeFn<br/>function")' in text  # function: rounded box
    assert 't0_b_MediaBucket ==>|"s3:ObjectCreated:*; no key filter"| t0_f_ResizeFn' in text
    assert 't0_f_ResizeFn ==>|"s3:PutObject [permission]"| t0_b_MediaBucket' in text
    assert "class t0_b_MediaBucket,t0_f_ResizeFn loop" in text
    assert "linkStyle 0,1 stroke:#d1242f" in text


def test_mermaid_marks_guarded_and_unused_writes_dashed_and_possible_loops_orange(tmp_path):
    guarded = graph(alone(tmp_path, SCOPED))
    assert re.search(r'-\.->\|"s3:PutObject \[permission\]; guarded: .*prefix \'uploads/\' never matches"\|',
                     guarded)
    assert "loop" not in guarded.split("classDef possible")[1]  # no node is on a loop
    assert "prefix 'uploads/'" in guarded  # the key filter on the trigger edge
    possible = graph(alone(tmp_path, WHOLE))
    assert "class t0_b_DocumentsBucket,t0_f_ConvertFn possible" in possible
    unused = graph(UNUSED)
    assert '-.->|"s3:PutObject [permission]; code never writes it"|' in unused


def test_evidence_from_handler_code_is_shown():
    text = graph(TWO_FUNCTIONS)
    assert 't0_f_IngestFn ==>|"s3:PutObject [both]"| t0_b_StagingBucket' in text


def test_several_templates_are_subgraphs(tmp_path):
    text = graph(*ALL)
    strict_mermaid_check(text)
    assert text.count("subgraph ") == len(ALL) and "t6_b_" in text


@pytest.mark.skipif(NODE is None or not (MERMAID_DIR / "node_modules" / "mermaid").is_dir(),
                    reason="needs node and `npm ci` in tests/mermaid (mermaid + jsdom)")
@pytest.mark.parametrize("paths", [[p] for p in ALL] + [ALL, TWO_STACKS],
                         ids=[p.parent.name for p in ALL] + ["all", "two-stacks"])
def test_mermaid_output_parses_with_mermaid_itself(paths):
    text = graph(*paths)
    parsed = subprocess.run([NODE, str(MERMAID_DIR / "parse.mjs")], input=text, capture_output=True,
                            text=True, check=False, cwd=MERMAID_DIR, timeout=120)
    assert parsed.returncode == 0, parsed.stdout + parsed.stderr
    assert json.loads(parsed.stdout.strip().splitlines()[-1]) == {"ok": True, "type": "flowchart-v2"}


def test_strict_checker_rejects_what_mermaid_rejects():
    with pytest.raises(AssertionError):
        strict_mermaid_check('flowchart LR\n  a("x")\n  a -->|"say "hi""| a\n')
    with pytest.raises(AssertionError):
        strict_mermaid_check('flowchart LR\n  a -->|"x"| b\n')  # undefined nodes


def test_dot_output(tmp_path):
    out = tmp_path / "graph.dot"
    completed = loopcheck("graph", "--format", "dot", "-o", out, alone(tmp_path, SAME_BUCKET),
                          alone(tmp_path, SCOPED))
    assert completed.returncode == 0 and completed.stdout == ""
    text = out.read_text()
    assert text.startswith("digraph loopcheck {")
    assert 't0_b_MediaBucket [label="MediaBucket\\nbucket", shape=cylinder' in text
    assert 't0_f_ResizeFn [label="ResizeFn\\nfunction", shape=box' in text
    assert re.search(r't0_f_ResizeFn -> t0_b_MediaBucket \[label="s3:PutObject \[permission\]", '
                     r'color="#d1242f", penwidth=3\];', text)
    assert re.search(r"t1_f_ConvertFn -> t1_b_DocumentsBucket \[label=\"[^\"]*guarded: [^\"]*\", style=dashed",
                     text)


@pytest.mark.skipif(DOT is None, reason="needs Graphviz (apt-get install graphviz)")
def test_dot_renders_with_graphviz(tmp_path):
    text = graph("--format", "dot", *ALL)
    rendered = subprocess.run([DOT, "-Tsvg"], input=text, capture_output=True, text=True, check=False)
    assert rendered.returncode == 0, rendered.stderr
    svg = rendered.stdout
    assert "<svg" in svg and "MediaBucket" in svg and "stroke-dasharray" in svg  # a dashed edge


def test_graph_errors_and_skips():
    completed = loopcheck("graph", "nope.yaml", SAME_BUCKET)
    assert completed.returncode == 2 and "nope.yaml: no such file or directory" in completed.stderr
    assert "t0_b_MediaBucket" in completed.stdout  # the readable template is still drawn
    completed = loopcheck("graph", ROOT / "action.yml")  # YAML, not a template
    assert completed.returncode == 0 and "skipped" in completed.stderr


def test_a_write_off_every_loop_whose_code_was_read_is_labelled():
    """A write no loop judges, by a function whose code was read, takes its evidence from the
    code (the drawing once asked the effect for a `bucket` it no longer has, and crashed)."""
    text = graph(FIXTURES / "built-output-sources" / "template.yaml")
    assert "t0_f_ArchiveFn ==>|\"permissions unknown [code]\"| t0_b_ExportsBucket" in text


def edges_of(text):
    """(source, arrow, label, target) of every Mermaid edge line."""
    return re.findall(r'^\s*(\S+) (-->|==>|-\.->)\|"([^"]*)"\| (\S+)$', text, re.MULTILINE)


def test_every_write_edge_names_what_writes():
    """A write's label starts with what writes: a grant's action, a state machine task's
    action and state, a destination or log output (a task's edge was once labelled " [permission]")."""
    text = graph(STEP_FUNCTIONS)
    assert 't0_s_ScanMachine ==>|"s3:PutObject (state WriteReport) [definition]"| t0_b_ScansBucket' in text
    completed = loopcheck("graph", FIXTURES)
    assert completed.returncode == 0, completed.stderr
    labels = [label for _, _, label, _ in edges_of(completed.stdout)]
    assert len(labels) > 100
    assert [label for label in labels if not label or label.startswith((" ", "[", ";"))] == []
    assert any(label.endswith("[configuration]") for label in labels)  # a function's own log output


def mermaid_parts(text):
    """The subgraph title of every node (None outside subgraphs) and the nodes of each class."""
    home, current = {}, None
    for line in text.splitlines():
        opened = re.match(r'\s*subgraph \S+\["([^"]*)"\]', line)
        if opened:
            current = opened.group(1)
        elif line.strip() == "end":
            current = None
        else:
            node = re.match(r'\s*([A-Za-z0-9_]+)[\[(]+"([^"<]*)<br/>', line)
            if node:
                home[node.group(1)] = (current, node.group(2))
    classes = {name: members.split(",") for members, name in re.findall(r"^  class (\S+) (\S+)$", text, re.M)}
    return home, classes


def red_edges(text, home):
    """(source name, target name) of the edges drawn red (on a loop)."""
    styles = re.findall(r"^  linkStyle (\S+) stroke:#d1242f", text, re.M)
    red = {int(i) for group in styles for i in group.split(",")}
    return [(home[source][1], home[target][1])
            for index, (source, _, _, target) in enumerate(edges_of(text)) if index in red]


def test_a_loop_across_two_templates_is_drawn_as_scan_reports_it():
    """`scan` finds the loop only with both templates; `graph` of both draws it: each node in
    its own template's subgraph, the edges between the templates, all of it on the loop."""
    found = json.loads(loopcheck("scan", "--format", "json", *TWO_STACKS).stdout)["findings"]
    across = [f for f in found if f["rule"] == "EL101"]
    assert len(across) == 1
    cycle = across[0]["cycle"]
    text = graph(*TWO_STACKS)
    strict_mermaid_check(text)
    home, classes = mermaid_parts(text)
    on_loop = {home[key][1] for key in classes["loop"]}
    assert on_loop == set(cycle)
    where = {name: title for title, name in home.values()}
    processing, storage = (str(path) for path in TWO_STACKS)
    assert where["ThumbnailFn"] == processing and where["PhotosBucket"] == where["UploadsTopic"] == storage
    assert set(red_edges(text, home)) == set(zip(cycle, cycle[1:]))
    # Between the templates, outside both subgraphs: the topic's delivery and the write back.
    outside = [line for line in text.splitlines() if line.startswith("  t") and "|" in line]
    assert len(outside) == 2
    for path in TWO_STACKS:  # either template alone draws no loop
        assert "loop" not in mermaid_parts(graph(path))[1]


def test_a_loop_across_two_templates_in_dot():
    text = graph("--format", "dot", *TWO_STACKS)
    assert re.search(r'^  t1_t_UploadsTopic -> t0_f_ThumbnailFn \[label="sns", color="#d1242f", penwidth=3\];$',
                     text, re.M)
    if DOT is not None:
        rendered = subprocess.run([DOT, "-Tsvg"], input=text, capture_output=True, text=True, check=False)
        assert rendered.returncode == 0, rendered.stderr


def test_every_trigger_an_event_passes_on_a_loop_is_red():
    """bucket -> topic -> function: both triggers of the hop are on the loop, not only the last."""
    text = graph(FIXTURES / "s3-sns-lambda-loop" / "template.yaml")
    home, _ = mermaid_parts(text)
    assert len(edges_of(text)) == 3 and len(red_edges(text, home)) == 3
