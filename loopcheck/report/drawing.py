"""`loopcheck graph`: the event graph the pipeline built, drawn as Mermaid or Graphviz DOT.

Nothing is analysed here: each template goes through `loopcheck.pipeline.analysis.analyse`, and the
drawing reads its model (resources), graph (trigger and effect edges) and judged loops.

- Buckets are cylinders, functions rounded boxes.
- Trigger edges (bucket -> function) carry the event types and the key filter.
- Write edges (function -> bucket) carry the actions the permissions allow (or why they are
  unknown) and the evidence: permission, code, or both.
- Write edges of a state machine carry its tasks' actions and states (evidence: the
  definition); a destination, dead-letter queue or log output carries its origin (evidence:
  the configuration).
- Edges and resources on a loop are red (error: a loop) or orange (warning: a possible loop);
  a write a guard stops is dashed and grey, labelled with the guard; a write permission the
  code never uses is dotted.
- Templates that refer to each other (loopcheck.stacks) are drawn linked: the cross-stack
  stage's analysis of the group adds the edges between templates and colours the loops
  across them (`link`), on the same terms as `scan` reports them.

Imported only by `loopcheck graph`, never by `scan`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from loopcheck.judge.loops import GUARDED, LOOP, NONE, POSSIBLE, Hop

RED, ORANGE, GREY = "#d1242f", "#d4a72c", "#8c959f"
_LEVEL_STYLE = {LOOP: "loop", POSSIBLE: "possible", GUARDED: "guarded", NONE: "unused"}


@dataclass
class Node:
    key: str  # unique across the drawing
    name: str  # logical id
    kind: str  # the model's kind: "bucket", "function", "queue", "topic", "table", ...
    style: str = ""  # "loop" | "possible" | ""
    home: str = ""  # the prefix of the drawing (template) it belongs to


@dataclass
class Edge:
    source: str
    target: str
    label: str
    kind: str  # "trigger" | "write"
    style: str = ""  # "loop" | "possible" | "guarded" | "unused" | ""


@dataclass
class Drawing:
    title: str
    prefix: str  # node keys start with it
    nodes: List[Node] = field(default_factory=list)
    edges: List[Edge] = field(default_factory=list)
    boxed: bool = True  # drawn as a subgraph of its own (not the links between templates)


_RANK = {"": 0, "unused": 1, "guarded": 2, "possible": 3, "loop": 4}


def _stronger(a: str, b: str) -> str:
    return a if _RANK[a] >= _RANK[b] else b


def _trigger_label(trigger) -> str:
    events = ", ".join(trigger.events) or "no event types"
    return f"{events}; {trigger.describe_filter()}"


def _write_label(effect, hop: Optional[Hop], code) -> str:
    actions = sorted({grant.action for grant in effect.grants})
    # A state machine writes through its tasks, a function also through what its configuration
    # sends (destinations, dead-letter queue, log output): no grant names those.
    actions += sorted({f"{task.action} (state {task.state})" for task in effect.tasks})
    actions += sorted({destination.origin for destination in effect.destinations})
    parts = [", ".join(actions)] if actions else []
    if effect.unknown:
        parts.append("permissions unknown")
    label = "; ".join(parts) + f" [{_evidence(effect, hop, code)}]"
    if hop is not None and hop.level == GUARDED:
        label += f"; guarded: {hop.why}"
    elif hop is not None and hop.unused_permission:
        label += "; code never writes it"
    return label


def _evidence(effect, hop: Optional[Hop], code) -> str:
    """What the write rests on: permission, code, both, the state machine's definition or the
    function's configuration."""
    if hop is not None:
        if hop.write is None and hop.grant is None:
            if hop.task is not None:
                return "definition"
            if hop.destination is not None:
                return "configuration"
        return hop.evidence
    if code is not None and code.analysed and any(w.reaches(effect.target, None) for w in code.writes
                                                  if w.write.service == "s3"):
        return "both" if effect.grants else "code"
    if not effect.grants and not effect.unknown:
        if effect.tasks:
            return "definition"
        if effect.destinations:
            return "configuration"
    return "permission"


def build(analysis, title: str, prefix: str) -> Drawing:
    """The drawing of one analysed template (loopcheck.pipeline.analysis.Analysis)."""
    drawing = Drawing(title, prefix)
    drawing.nodes, drawing.edges = _draw(analysis, analysis.loops, lambda node: prefix)
    return drawing


def link(drawings: Dict[str, Drawing], group: Any, prefix: str) -> Drawing:
    """Draw a linked group of templates (loopcheck.stacks.cross_stack.LinkedGroup) into the
    drawings of its templates (by file): the nodes and edges of the loops that the
    cross-stack stage owns are coloured (and added where a template alone lacks them); the
    edges between two templates, and the nodes no template defines (the default event bus),
    go into the returned drawing, drawn outside every template's subgraph."""
    analysis = group.analysis
    model = analysis.model
    by_prefix = {drawing.prefix: drawing for drawing in drawings.values()}

    def home(node: Any) -> str:
        drawing = drawings.get(model.file_of(node)) if model.stack_of(node) is not None else None
        return drawing.prefix if drawing is not None else prefix

    nodes, edges = _draw(analysis, [loop for loop in analysis.loops if group.owns(loop.cycle)], home)
    links = Drawing(model.file, prefix, boxed=False)  # model.file: the group's files, joined by " + "
    node_home = {node.key: node.home for node in nodes}
    drawn = set()
    for edge in edges:
        inside = node_home[edge.source]
        if inside == node_home[edge.target] and inside in by_prefix:
            if not edge.style:
                continue  # the template's own drawing has it, and no loop of this stage passes it
            _merge_edge(by_prefix[inside], edge)
        else:
            _merge_edge(links, edge)
        drawn.update((edge.source, edge.target))
    for node in nodes:
        if node.key in drawn:
            _merge_node(by_prefix.get(node.home, links), node)
    return links


def _merge_node(drawing: Drawing, node: Node) -> None:
    for mine in drawing.nodes:
        if mine.key == node.key:
            mine.style = _stronger(mine.style, node.style)
            return
    drawing.nodes.append(node)


def _merge_edge(drawing: Drawing, edge: Edge) -> None:
    """The edge in the drawing: its style on the edges already drawn between the same nodes
    (their labels, from the template alone, stand), or the edge itself when there is none."""
    same = [mine for mine in drawing.edges
            if (mine.source, mine.target, mine.kind) == (edge.source, edge.target, edge.kind)]
    for mine in same:
        mine.style = _stronger(mine.style, edge.style)
    if not same:
        drawing.edges.append(edge)


def _draw(analysis, loops: List[Any], home: Callable[[Any], str]) -> Tuple[List[Node], List[Edge]]:
    """The nodes and edges of an analysis, styled by `loops`; `home(node)` is the prefix of
    the drawing a node belongs to."""
    model, graph = analysis.model, analysis.graph
    node_style: Dict[Any, str] = {}
    write_hops: Dict[Tuple[Any, Any], Hop] = {}  # strongest judged hop per write edge
    trigger_style: Dict[Tuple[Any, Any], str] = {}
    write_style: Dict[Tuple[Any, Any], str] = {}
    for loop in loops:
        level = loop.level
        on_loop = _LEVEL_STYLE[level] if level >= POSSIBLE else ""
        for name in loop.cycle:
            if on_loop:
                node_style[name] = _stronger(node_style.get(name, ""), on_loop)
        for hop in loop.hops:
            key = (hop.writer, hop.target)
            style = on_loop
            if hop.level == GUARDED:
                style = "guarded"
            elif hop.level == NONE and hop.unused_permission:
                style = "unused"
            if key not in write_hops or hop.level > write_hops[key].level:
                write_hops[key] = hop
            write_style[key] = _stronger(write_style.get(key, ""), style)
            if on_loop:  # every trigger the event passes: target -> (topic, queue...) -> consumer
                passed = list(hop.chain or (hop.target,)) + [hop.consumer]
                for tkey in zip(passed, passed[1:]):
                    trigger_style[tkey] = _stronger(trigger_style.get(tkey, ""), on_loop)

    kind = model.kind_of

    def key(node: Any) -> str:
        return _key(home(node), kind(node), model.display(node))

    # S3 notifications are drawn first, labelled with their event types and key filter, then
    # the other triggers (destinations are writes).
    notifications = [t for t in graph.triggers if t.service == "s3"]
    links = [t for t in graph.triggers if t.service != "s3"]
    used: List[Any] = []  # nodes in template order
    for trigger in notifications + links:
        used += [trigger.source, trigger.consumer]
    for writer, target in graph.effects:
        used += [writer, target]
    order = model.order
    nodes = [Node(key(name), model.display(name), kind(name), node_style.get(name, ""), home(name))
             for name in sorted(dict.fromkeys(used), key=lambda name: order.get(name, 0))]

    edges = []
    for trigger in notifications:
        edges.append(Edge(key(trigger.source), key(trigger.consumer), _trigger_label(trigger), "trigger",
                          trigger_style.get((trigger.source, trigger.consumer), "")))
    for trigger in links:
        label = trigger.service + (" (filtered)" if trigger.patterns else "")
        edges.append(Edge(key(trigger.source), key(trigger.consumer), label, "trigger",
                          trigger_style.get((trigger.source, trigger.consumer), "")))
    for (writer, target), effect in graph.effects.items():
        hop = write_hops.get((writer, target))
        edges.append(Edge(key(writer), key(target), _write_label(effect, hop, graph.code.get(writer)), "write",
                          write_style.get((writer, target), "")))
    return nodes, edges


# Resources that run code are boxes; the ones that hold events or data are cylinders.
_ACTORS = ("function", "statemachine")


def _key(prefix: str, kind: str, name: str) -> str:
    return f"{prefix}_{kind[0]}_{re.sub(r'[^A-Za-z0-9_]', '_', name)}"


# -- Mermaid ----------------------------------------------------------------------------------

def _mermaid_text(text: str) -> str:
    """Text inside a quoted Mermaid label: no double quotes, no line breaks, entity-coded
    characters Mermaid would otherwise read as markup."""
    return (text.replace("&", "&amp;").replace('"', "#quot;").replace("<", "&lt;")
            .replace(">", "&gt;").replace("\n", " "))


def mermaid(drawings: List[Drawing]) -> str:
    lines = ["flowchart LR"]
    link_styles: Dict[str, List[int]] = {}
    classes: Dict[str, List[str]] = {}
    index = 0
    several = sum(drawing.boxed for drawing in drawings) > 1
    for drawing in drawings:
        boxed = several and drawing.boxed
        indent = "    " if boxed else "  "
        if boxed:
            lines.append(f'  subgraph {drawing.prefix}_file["{_mermaid_text(drawing.title)}"]')
        for node in drawing.nodes:
            text = _mermaid_text(node.name) + f"<br/>{node.kind}"
            shape = f'("{text}")' if node.kind in _ACTORS else f'[("{text}")]'
            lines.append(f"{indent}{node.key}{shape}")
            classes.setdefault("function" if node.kind in _ACTORS else "bucket", []).append(node.key)
            if node.style:
                classes.setdefault(node.style, []).append(node.key)
        for edge in drawing.edges:
            arrow = {"guarded": "-.->", "unused": "-.->"}.get(edge.style, "==>" if edge.style in (
                "loop", "possible") else "-->")
            lines.append(f'{indent}{edge.source} {arrow}|"{_mermaid_text(edge.label)}"| {edge.target}')
            if edge.style:
                link_styles.setdefault(edge.style, []).append(index)
            index += 1
        if boxed:
            lines.append("  end")
    lines += [
        "  classDef bucket fill:#fff8c5,stroke:#9a6700",
        "  classDef function fill:#ddf4ff,stroke:#0969da",
        f"  classDef loop stroke:{RED},stroke-width:3px,color:{RED}",
        f"  classDef possible stroke:{ORANGE},stroke-width:3px",
    ]
    for name in ("bucket", "function", "loop", "possible"):
        if classes.get(name):
            lines.append(f"  class {','.join(classes[name])} {name}")
    colours = {"loop": f"stroke:{RED},stroke-width:3px", "possible": f"stroke:{ORANGE},stroke-width:3px",
               "guarded": f"stroke:{GREY}", "unused": f"stroke:{GREY}"}
    for style, indexes in link_styles.items():
        lines.append(f"  linkStyle {','.join(map(str, indexes))} {colours[style]}")
    return "\n".join(lines) + "\n"


# -- DOT --------------------------------------------------------------------------------------

def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot(drawings: List[Drawing]) -> str:
    lines = ["digraph loopcheck {", "  rankdir=LR;", '  node [fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']
    colour = {"loop": RED, "possible": ORANGE, "guarded": GREY, "unused": GREY}
    for number, drawing in enumerate(drawings):
        indent = "    " if drawing.boxed else "  "
        if drawing.boxed:
            lines.append(f"  subgraph cluster_{number} {{")
            lines.append(f"    label={_dot_text(drawing.title)};")
        for node in drawing.nodes:
            attrs = [f"label={_dot_text(node.name + chr(10) + node.kind)}"]
            if node.kind not in _ACTORS:
                attrs += ["shape=cylinder", 'style=filled', 'fillcolor="#fff8c5"']
            else:
                attrs += ["shape=box", 'style="rounded,filled"', 'fillcolor="#ddf4ff"']
            if node.style in colour:
                attrs += [f'color="{colour[node.style]}"', "penwidth=3"]
            lines.append(f"{indent}{node.key} [{', '.join(attrs)}];")
        for edge in drawing.edges:
            attrs = [f"label={_dot_text(edge.label)}"]
            if edge.style in ("loop", "possible"):
                attrs += [f'color="{colour[edge.style]}"', "penwidth=3"]
            elif edge.style == "guarded":
                attrs += ["style=dashed", f'color="{GREY}"']
            elif edge.style == "unused":
                attrs += ["style=dotted", f'color="{GREY}"']
            lines.append(f"{indent}{edge.source} -> {edge.target} [{', '.join(attrs)}];")
        if drawing.boxed:
            lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


FORMATS = {"mermaid": mermaid, "dot": dot}
