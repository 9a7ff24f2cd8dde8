"""Cross-stack links: which templates of one scan refer to each other, by literal names.

Templates are linked (and then analysed as one, see loopcheck.stacks.cross_stack) when:

- an `Outputs` entry with a literal `Export.Name` answers every `Fn::ImportValue` of that
  name (the import becomes the exported value, resolved in the exporting template);
- a nested stack (`AWS::CloudFormation::Stack` `TemplateURL`, `AWS::Serverless::Application`
  `Location`) whose template is a local file of the scan is instantiated with the
  `Parameters` its parent passes, and `Fn::GetAtt Stack.Outputs.X` becomes the child's
  output value;
- an `AWS::SSM::Parameter` with a literal `Name` answers `{{resolve:ssm:NAME}}` and
  `AWS::SSM::Parameter::Value<...>` parameters whose default is that name (two templates
  reading the same parameter name already agree: both read the same string);
- a resource with a literal physical name (BucketName, QueueName, ...) defined in exactly
  one template is the resource another template names by that literal.

Which templates are linked is decided from `LinkKeys`, which workers compute next to their
per-file analysis, so the parent re-reads only templates that take part in a link.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from loopcheck.resolve.values import _NAME_PROPERTY, Resolver

NESTED_STACK = "AWS::CloudFormation::Stack"
SAR_APPLICATION = "AWS::Serverless::Application"
SSM_PARAMETER = "AWS::SSM::Parameter"
_SSM_REF = re.compile(r"\{\{resolve:ssm:([^}:]+)(?::\d+)?\}\}")
_SSM_TYPE = "AWS::SSM::Parameter::Value<"
_PSEUDO_PER_STACK = ("AWS::StackName", "AWS::StackId", "AWS::NotificationARNs")
_SEGMENTS = re.compile(r"[:/]")
_SPACE = re.compile(r"\s")
_REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d")
_MIN_NAME = 5  # shorter literal names ("test", "logs") are placeholders more often than links
_WELL_KNOWN_SSM = ("/aws/", "/cdk-bootstrap/")  # read by every stack of a kind: no link
MAX_NESTING = 5  # nested stacks deeper than this are not followed
MAX_INSTANCES = 64  # template instances in one linked group
MAX_GROUP = 40  # templates in one linked group; a larger group is not analysed as one


@dataclass(frozen=True)
class LinkKeys:
    """What one template offers to and asks of other templates, by literal name only."""

    exports: Tuple[str, ...] = ()
    imports: Tuple[str, ...] = ()
    children: Tuple[str, ...] = ()  # absolute paths of local nested-stack templates
    ssm: Tuple[str, ...] = ()  # SSM parameter names it reads
    published: Tuple[str, ...] = ()  # SSM parameter names it creates (AWS::SSM::Parameter)
    names: Tuple[str, ...] = ()  # literal physical names of resources it defines
    mentions: FrozenSet[str] = frozenset()  # literal strings (and ARN/URL segments) it holds


def _dict(node: Any) -> Dict[str, Any]:
    return node if isinstance(node, dict) else {}


def _literals(resolver: Resolver, node: Any) -> List[str]:
    return [p.literal for p in resolver.value(node) if p.literal]


def local_template(parent_file: str, location: Any) -> Optional[str]:
    """The absolute path a nested stack's TemplateURL/Location names, when it is a local
    file (as `sam build` / `aws cloudformation package` accept), else None."""
    if not isinstance(location, str) or not location.strip():
        return None
    if "://" in location or location.startswith(("s3.", "https:", "http:")):
        return None
    base = os.path.dirname(os.path.abspath(parent_file))
    return os.path.normpath(os.path.join(base, location))


def _walk(node: Any, resolver: Resolver, out: Set[str], imports: List[str], seen: Set[int],
          depth: int = 0) -> None:
    """Collect strings that may be (or hold, as an ARN or URL segment) a physical name, and
    the names of `Fn::ImportValue`s, in one walk. Names never have spaces, `:` or `/`, so a
    string with `:`/`/` (an ARN, a URL) gives its segments instead. A node shared through
    YAML aliases is walked once (an alias bomb stays linear)."""
    if depth > 40:
        return
    if isinstance(node, (dict, list)):
        if id(node) in seen:
            return
        seen.add(id(node))
    if isinstance(node, str):
        if 3 <= len(node) <= 512 and not _SPACE.search(node):
            if ":" in node or "/" in node:
                out.update(s for s in _SEGMENTS.split(node) if _MIN_NAME <= len(s) <= 255)
            elif _MIN_NAME <= len(node) <= 255:
                out.add(node)
    elif isinstance(node, dict):
        if len(node) == 1 and "Fn::ImportValue" in node:
            imports += _literals(resolver, node["Fn::ImportValue"])
        for value in node.values():
            _walk(value, resolver, out, imports, seen, depth + 1)
    elif isinstance(node, list):
        for value in node:
            _walk(value, resolver, out, imports, seen, depth + 1)


def _linkable_name(name: str) -> bool:
    """A literal physical name distinctive enough to mean one resource: not a region name,
    not a short word ("test", "data")."""
    return len(name) >= _MIN_NAME and not _REGION.fullmatch(name)


def link_keys(file: str, data: Dict[str, Any], resolver: Optional[Resolver] = None) -> LinkKeys:
    """The link keys of one decoded template (cheap: one walk of its strings; pass the
    model's resolver to reuse the names it already resolved)."""
    resolver = resolver or Resolver(data)
    exports, imports, children, ssm, published, names = [], [], [], [], [], []
    for output in _dict(data.get("Outputs")).values():
        export = _dict(_dict(output).get("Export"))
        if "Name" in export:
            exports += _literals(resolver, export["Name"])
    for logical_id, resource in _dict(data.get("Resources")).items():
        resource = _dict(resource)
        rtype = resource.get("Type")
        props = _dict(resource.get("Properties"))
        if rtype == NESTED_STACK:
            child = local_template(file, props.get("TemplateURL"))
        elif rtype == SAR_APPLICATION:
            child = local_template(file, props.get("Location"))
        else:
            child = None
        if child:
            children.append(child)
        if rtype == SSM_PARAMETER and "Name" in props:
            published += _literals(resolver, props["Name"])
        if isinstance(rtype, str) and rtype in _NAME_PROPERTY and _NAME_PROPERTY[rtype] in props:
            names += [p.literal for p in resolver.resource_name(str(logical_id))
                      if p.literal and _linkable_name(p.literal)]
    for param in _dict(data.get("Parameters")).values():
        param = _dict(param)
        if str(param.get("Type", "")).startswith(_SSM_TYPE) and isinstance(param.get("Default"), str):
            ssm.append(param["Default"])
    strings: Set[str] = set()
    seen: Set[int] = set()
    for section in ("Resources", "Parameters", "Conditions", "Outputs"):
        _walk(data.get(section), resolver, strings, imports if section != "Parameters" else [], seen)
    for text in strings:
        if "{{resolve:ssm:" in text:
            ssm += _SSM_REF.findall(text)
    return LinkKeys(tuple(sorted(set(exports))), tuple(sorted(set(imports))), tuple(sorted(set(children))),
                    tuple(sorted(set(ssm))), tuple(sorted(set(published))), tuple(sorted(set(names))),
                    frozenset(strings))


# -- which templates link ----------------------------------------------------------------------


def groups(keys: Dict[str, LinkKeys], scope: Callable[[str], str]) -> List[List[str]]:
    """Sets of templates (2+, in scan order) that refer to each other.

    Explicit links join templates anywhere in the scan: an export and its imports, a parent
    and its nested template, an SSM parameter a template publishes and the templates that
    read it. Links by a shared name join only templates of the same `scope` (project): two
    templates reading the same SSM parameter, and a literal physical name one template
    defines and another mentions, and only when exactly one template of that project
    defines it (a name several templates create is a copy-pasted placeholder, not a
    reference). Parameters every stack of a kind reads (AWS's public `/aws/service/...`,
    CDK's `/cdk-bootstrap/.../version`) link nothing."""
    files = list(keys)
    position = {f: i for i, f in enumerate(files)}
    project = {f: scope(f) for f in files}
    parent = {f: f for f in files}

    def find(f: str) -> str:
        while parent[f] != f:
            parent[f] = parent[parent[f]]
            f = parent[f]
        return f

    def union(members: Iterable[str]) -> None:
        members = list(members)
        for other in members[1:]:
            a, b = find(members[0]), find(other)
            if a != b:  # the earlier file is the root: groups come out in scan order
                first, second = sorted((a, b), key=position.__getitem__)
                parent[second] = first

    by_abspath = {os.path.normpath(os.path.abspath(f)): f for f in files}
    exporters: Dict[str, List[str]] = {}
    importers: Dict[str, List[str]] = {}
    publishers: Dict[str, List[str]] = {}
    readers: Dict[Tuple[str, str], List[str]] = {}
    definers: Dict[Tuple[str, str], List[str]] = {}
    for f in files:
        k = keys[f]
        for name in k.exports:
            exporters.setdefault(name, []).append(f)
        for name in k.imports:
            importers.setdefault(name, []).append(f)
        for name in k.published:
            publishers.setdefault(name, []).append(f)
        for name in k.ssm:
            if not name.startswith(_WELL_KNOWN_SSM):
                readers.setdefault((project[f], name), []).append(f)
        for name in k.names:
            definers.setdefault((project[f], name), []).append(f)
        for child in k.children:
            if child in by_abspath:
                union([f, by_abspath[child]])
    for name, users in importers.items():
        if name in exporters:
            union(exporters[name] + users)
    for (_, name), users in readers.items():
        union(publishers.get(name, []) + users)
    mentioned: Dict[Tuple[str, str], List[str]] = {}
    for f in files:
        for text in keys[f].mentions:
            key = (project[f], text)
            if key in definers:
                mentioned.setdefault(key, []).append(f)
    for key, users in mentioned.items():
        owners = definers[key]
        if len(owners) == 1 and any(u != owners[0] for u in users):
            union(owners + users)
    out: Dict[str, List[str]] = {}
    for f in files:
        out.setdefault(find(f), []).append(f)
    return [members for members in out.values() if len(members) > 1]


def project_scope(roots: Sequence[str]) -> Callable[[str], str]:
    """The project a template belongs to, for links by name: the nearest folder above it
    that holds `.git` (a repository); outside any repository, the first folder below the
    scan path it was found under (a folder of unrelated projects, like a corpus, keeps them
    apart), or the scan path itself for a template directly in it."""
    absolute_roots = sorted((os.path.abspath(r) for r in roots), key=len, reverse=True)
    cache: Dict[str, str] = {}

    def fallback(folder: str) -> str:
        for root in absolute_roots:
            if folder == root:
                return root
            if folder.startswith(root.rstrip(os.sep) + os.sep):
                first = folder[len(root.rstrip(os.sep)) + 1:].split(os.sep, 1)[0]
                return os.path.join(root, first)
        return folder  # a file named on the command line: its own folder

    def scope(file: str) -> str:
        folder = os.path.dirname(os.path.abspath(file))
        if folder not in cache:
            probe, found = folder, ""
            while True:
                if os.path.exists(os.path.join(probe, ".git")):
                    found = probe
                    break
                up = os.path.dirname(probe)
                if up == probe:
                    break
                probe = up
            cache[folder] = found or fallback(folder)
        return cache[folder]

    return scope
