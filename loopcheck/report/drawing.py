"""`loopcheck graph`: the event graph the pipeline built, drawn as Mermaid or Graphviz DOT.

Nothing is analysed here: each template goes through `loopcheck.pipeline.analysis.analyse`, and the
drawing reads its model (resources), graph (trigger and effect edges) and judged loops.

- Buckets are cylinders, functions rounded boxes.
- Trigger edges (bucket -> function) carry the event types and the key filter.
- Write edges (function -> bucket) carry the actions the permissions allow (or why they are
  unknown) and the evidence: permission, code, or both.
- Edges and resources on a loop are red (error: a loop) or orange (warning: a possible loop);
  a write a guard stops is dashed and grey, labelled with the guard; a write permission the
  code never uses is dotted.

Imported only by `loopcheck graph`, never by `scan`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from loopcheck.judge.loops import GUARDED, LOOP, NONE, POSSIBLE, Hop

RED, ORANGE, GREY = "#d1242f", "#d4a72c", "#8c959f"
_LEVEL_STYLE = {LOOP: "loop", POSSIBLE: "possible", GUARDED: "guarded", NONE: "unused"}


@dataclass
class Node:
    key: str  # unique across the drawing
    name: str  # logical id
    kind: str  # the model's kind: "bucket", "function", "queue", "topic", "table", ...
    style: str = ""  # "loop" | "possible" | ""


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


_RANK = {"": 0, "unused": 1, "guarded": 2, "possible": 3, "loop": 4}


def _stronger(a: str, b: str) -> str:
    return a if _RANK[a] >= _RANK[b] else b


def _trigger_label(trigger) -> str:
    events = ", ".join(trigger.events) or "no event types"
    return f"{events}; {trigger.describe_filter()}"


def _write_label(effect, hop: Optional[Hop], code) -> str:
    actions = sorted({grant.action for grant in effect.grants})
    parts = [", ".join(actions)] if actions else []
    if effect.unknown:
        parts.append("permissions unknown")
    evidence = "permission"
    if hop is not None:
        evidence = hop.evidence
    elif code is not None and code.analysed and any(w.reaches(effect.target, None) for w in code.writes
                                                    if w.write.service == "s3"):
        evidence = "both" if effect.grants else "code"
    label = "; ".join(parts) + f" [{evidence}]"
    if hop is not None and hop.level == GUARDED:
        label += f"; guarded: {hop.why}"
    elif hop is not None and hop.unused_permission:
        label += "; code never writes it"
    return label


def build(analysis, title: str, prefix: str) -> Drawing:
    """The drawing of one analysed template (loopcheck.pipeline.analysis.Analysis)."""
    model, graph = analysis.model, analysis.graph
    drawing = Drawing(title, prefix)
    node_style: Dict[str, str] = {}
    write_hops: Dict[Tuple[str, str], Hop] = {}  # strongest judged hop per write edge
    trigger_style: Dict[Tuple[str, str], str] = {}
    write_style: Dict[Tuple[str, str], str] = {}
    for loop in analysis.loops:
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
            if on_loop:
                tkey = (hop.target, hop.consumer)
                trigger_style[tkey] = _stronger(trigger_style.get(tkey, ""), on_loop)

    kind = model.kind_of
    # S3 notifications are drawn first, labelled with their event types and key filter, then
    # the other triggers (destinations are writes).
    notifications = [t for t in graph.triggers if t.service == "s3"]
    links = [t for t in graph.triggers if t.service != "s3"]
    used: List[Tuple[str, str]] = []  # (kind, name) in template order
    for trigger in notifications:
        used += [(kind(trigger.source), trigger.source), (kind(trigger.consumer), trigger.consumer)]
    for link in links:
        used += [(kind(link.source), link.source), (kind(link.consumer), link.consumer)]
    for writer, target in graph.effects:
        used += [(kind(writer), writer), (kind(target), target)]
    order = model.order
    seen = set()
    for node_kind, name in sorted(dict.fromkeys(used), key=lambda item: order.get(item[1], 0)):
        if (node_kind, name) in seen:
            continue
        seen.add((node_kind, name))
        drawing.nodes.append(Node(_key(prefix, node_kind, name), name, node_kind, node_style.get(name, "")))

    for trigger in notifications:
        drawing.edges.append(Edge(
            _key(prefix, kind(trigger.source), trigger.source),
            _key(prefix, kind(trigger.consumer), trigger.consumer),
            _trigger_label(trigger), "trigger", trigger_style.get((trigger.source, trigger.consumer), ""),
        ))
    for link in links:
        label = link.service + (" (filtered)" if link.patterns else "")
        drawing.edges.append(Edge(
            _key(prefix, kind(link.source), link.source), _key(prefix, kind(link.consumer), link.consumer),
            label, "trigger", trigger_style.get((link.source, link.consumer), ""),
        ))
    for (writer, target), effect in graph.effects.items():
        hop = write_hops.get((writer, target))
        drawing.edges.append(Edge(
            _key(prefix, kind(writer), writer), _key(prefix, kind(target), target),
            _write_label(effect, hop, graph.code.get(writer)), "write",
            write_style.get((writer, target), ""),
        ))
    return drawing


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
    for drawing in drawings:
        indent = "    "
        if len(drawings) > 1:
            lines.append(f'  subgraph {drawing.prefix}_file["{_mermaid_text(drawing.title)}"]')
        else:
            indent = "  "
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
        if len(drawings) > 1:
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
            lines.append(f"    {node.key} [{', '.join(attrs)}];")
        for edge in drawing.edges:
            attrs = [f"label={_dot_text(edge.label)}"]
            if edge.style in ("loop", "possible"):
                attrs += [f'color="{colour[edge.style]}"', "penwidth=3"]
            elif edge.style == "guarded":
                attrs += ["style=dashed", f'color="{GREY}"']
            elif edge.style == "unused":
                attrs += ["style=dotted", f'color="{GREY}"']
            lines.append(f"    {edge.source} -> {edge.target} [{', '.join(attrs)}];")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


FORMATS = {"mermaid": mermaid, "dot": dot}
