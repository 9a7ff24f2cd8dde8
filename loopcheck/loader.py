"""Stage 1, load: read one file into marked values, or say why it is not a template.

YAML goes through PyYAML's C parser with CloudFormation's short-form tags turned into their
long form (`!Ref X` -> {"Ref": "X"}); JSON goes through the same parser when it can (it
keeps positions for free) and through a position-keeping `json` decoder when YAML rejects
valid JSON (tabs). Nothing here imports cfn-lint: start-up time matters for pre-commit.
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional, Union

import yaml

from loopcheck.gcpause import gc_paused
from loopcheck.nodes import MDict, MList, MStr, locate

try:
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml: slower, same result
    _BaseLoader = yaml.SafeLoader  # type: ignore[misc]

DEFAULT_MAX_BYTES = 5 * 1024 * 1024

# Short-form tags CloudFormation accepts, and the long form each stands for.
SHORT_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    **{
        name: "Fn::" + name
        for name in (
            "Sub", "GetAtt", "Join", "If", "Select", "Split", "FindInMap", "ImportValue",
            "GetAZs", "Base64", "Cidr", "Equals", "And", "Or", "Not", "Transform",
            "Length", "ToJsonString",
        )
    },
}

_TEMPLATE_HINT = re.compile(rb"AWSTemplateFormatVersion|AWS::Serverless|AWS::[A-Za-z0-9]+::[A-Za-z0-9]+")


@dataclass
class Template:
    """A decoded template: its marked data plus where it came from."""

    path: str
    data: MDict
    unknown_tags: List[str] = field(default_factory=list)


@dataclass
class Skipped:
    """A YAML/JSON file that is not a CloudFormation template (Helm chart, workflow...)."""

    path: str
    reason: str


@dataclass
class LoadError:
    """A file that looks like a template but could not be read or parsed."""

    path: str
    message: str
    line: Optional[int] = None
    column: Optional[int] = None


LoadResult = Union[Template, Skipped, LoadError]


class _DuplicateKey(Exception):
    def __init__(self, key: str, line: int, column: int, first_line: int):
        super().__init__(f"duplicate key '{key}' (first defined on line {first_line})")
        self.line, self.column = line, column


class _TemplateLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """PyYAML's (C) parser and composer; `_Builder` turns the node tree into marked values."""


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"
# CloudFormation reads `2010-09-09` as a string, not a date.
_TEXT_TAGS = frozenset({_STR, "tag:yaml.org,2002:timestamp"})


def _mark(node: yaml.Node) -> tuple:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Marked values from a composed node tree, in one pass.

    PyYAML's constructor machinery (a generator per mapping, a memo per node) costs as much
    as the C parse itself; this walks the nodes once. A node reached again through an alias
    is built once (`_shared`), so aliases cannot blow up exponentially.
    """

    def __init__(self, loader: _TemplateLoader):
        self.loader = loader
        self.unknown_tags: List[str] = []
        self._shared: dict = {}

    def build(self, node: yaml.Node) -> Any:
        tag = node.tag
        if type(node) is yaml.ScalarNode:
            if tag in _TEXT_TAGS:
                text = MStr(node.value)
                text.mark = (node.start_mark.line + 1, node.start_mark.column + 1)
                return text
            if tag[0] == "!":
                return self._tagged(tag[1:], node)
            return self.loader.construct_object(node)  # numbers, booleans, null
        built = self._shared.get(id(node))
        if built is not None:
            return built
        if tag == _MAP:
            built = self._mapping(node)
        elif tag == _SEQ:
            built = self._sequence(node)
        elif tag[0] == "!":
            built = self._tagged(tag[1:], node)
        else:  # !!set, !!omap...: rare; PyYAML builds them unmarked
            built = self.loader.construct_object(node, deep=True)
        self._shared[id(node)] = built
        return built

    def _sequence(self, node: yaml.SequenceNode) -> MList:
        build = self.build
        items = MList([build(child) for child in node.value])
        items.mark = _mark(node)
        return items

    def _mapping(self, node: yaml.MappingNode) -> MDict:
        if any(key_node.tag == _MERGE for key_node, _ in node.value):
            self.loader.flatten_mapping(node)
        build = self.build
        mapping = MDict()
        mapping.mark = _mark(node)
        first_lines = {}
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a scalar", key_node.start_mark
                )
            # CloudFormation keys are strings as written: `1`, `true` and `on` are text, not
            # numbers or booleans that would compare equal to each other.
            key = MStr(key_node.value)
            key.mark = line, column = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in first_lines:
                raise _DuplicateKey(str(key), line, column, first_lines[key])
            first_lines[key] = line
            mapping[key] = build(value_node)
        return mapping

    def _tagged(self, tag_suffix: str, node: yaml.Node) -> Any:
        if type(node) is yaml.ScalarNode:
            value: Any = MStr(node.value)
            value.mark = _mark(node)
        elif type(node) is yaml.SequenceNode:
            value = self._sequence(node)
        else:
            value = self._mapping(node)
        long_name = SHORT_TAGS.get(tag_suffix)
        if long_name is None:
            self.unknown_tags.append(f"!{tag_suffix} (line {_mark(node)[0]})")
            return value
        if long_name == "Fn::GetAtt" and isinstance(value, str):
            resource, _, attribute = value.partition(".")
            parts = MList([MStr(resource), MStr(attribute)])
            parts[0].mark = parts[1].mark = parts.mark = value.mark
            value = parts
        wrapped = MDict({long_name: value})
        wrapped.mark = _mark(node)
        return wrapped


def _position(text: str, offset: int) -> tuple:
    line = text.count("\n", 0, offset) + 1
    return (line, offset - (text.rfind("\n", 0, offset) + 1) + 1)


class _MarkingJSONDecoder(json.JSONDecoder):
    """A json decoder that marks objects, arrays, strings and keys with their position.

    Only used when YAML rejects valid JSON (a tab before the first brace): it runs the
    pure-Python scanner. Each container and string also records where it ends, so a key's
    position can be found after the previous value without looking inside it.
    """

    def __init__(self, text: str):
        super().__init__()
        base_object, base_array, base_string = self.parse_object, self.parse_array, self.parse_string

        def parse_object(s_and_end, *args):
            start = s_and_end[1] - 1
            pairs_hook = lambda pairs: _json_pairs(pairs, text, start)  # noqa: E731
            mapping, end = base_object(s_and_end, self.strict, self.scan_once, None, pairs_hook, self.memo)
            mapping.end = end
            return mapping, end

        def parse_array(s_and_end, scan_once):
            values, end = base_array(s_and_end, scan_once)
            items = MList(values)
            items.mark, items.end = _position(text, s_and_end[1] - 1), end
            return items, end

        def parse_string(s, end, strict):
            value, new_end = base_string(s, end, strict)
            marked = MStr(value)
            marked.mark, marked.end = _position(text, end - 1), new_end
            return marked, new_end

        self.parse_object, self.parse_array, self.parse_string = parse_object, parse_array, parse_string
        self.scan_once = json.scanner.py_make_scanner(self)


def _json_pairs(pairs: list, text: str, start: int) -> MDict:
    mapping = MDict()
    mapping.mark = _position(text, start)
    first_lines = {}
    cursor = start + 1
    for key, value in pairs:
        found = re.compile(re.escape(json.dumps(key)) + r"\s*:").search(text, cursor)
        if found is not None:
            key = MStr(key)
            key.mark = _position(text, found.start())
            cursor = found.end()
        line, column = getattr(key, "mark", mapping.mark)
        if key in first_lines:
            raise _DuplicateKey(str(key), line, column, first_lines[key])
        first_lines[key] = line
        mapping[key] = value
        cursor = getattr(value, "end", cursor)
    return mapping


def _parse_json(text: str) -> Any:
    decoder = _MarkingJSONDecoder(text)
    value, end = decoder.raw_decode(text, len(text) - len(text.lstrip()))
    if text[end:].strip():
        raise json.JSONDecodeError("Extra data", text, end)
    return value


def _looks_like_json(path: str, text: str) -> bool:
    return path.lower().endswith(".json") or text.lstrip()[:1] in ("{", "[")


def _classify(path: str, data: Any, unknown_tags: List[str]) -> LoadResult:
    if not isinstance(data, dict) or "Resources" not in data:
        return Skipped(path, "not a CloudFormation template (no Resources mapping)")
    resources = data["Resources"]
    if not isinstance(resources, dict):
        line, column = locate(data, ["Resources"])
        return LoadError(path, "Resources is not a mapping", line, column)
    if not isinstance(data, MDict):
        data = MDict(data)
    return Template(path, data, unknown_tags)


def _too_deep(path: str, looks_like_template: bool) -> LoadResult:
    if not looks_like_template:
        return Skipped(path, "nesting too deep to read, and not a template")
    return LoadError(path, "nesting too deep to read")


def parse_text(path: str, text: str, looks_like_template: bool) -> LoadResult:
    """Decode already-read text; `looks_like_template` decides error versus skip on failure."""
    if path.lower().endswith(".json"):
        # YAML accepts what JSON does not (trailing commas, single quotes): CloudFormation
        # would reject those, so a .json file must first be valid JSON.
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            if not looks_like_template:
                return Skipped(path, "not valid JSON, and not a template")
            return LoadError(path, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno)
        except RecursionError:
            return _too_deep(path, looks_like_template)
    loader = _TemplateLoader(text)
    builder = _Builder(loader)
    try:
        with gc_paused():
            node = loader.get_single_node()
            data = builder.build(node) if node is not None else None
    except _DuplicateKey as exc:
        return LoadError(path, str(exc), exc.line, exc.column)
    except yaml.YAMLError as exc:
        if _looks_like_json(path, text):
            try:
                data = _parse_json(text)
            except _DuplicateKey as dup:
                return LoadError(path, str(dup), dup.line, dup.column)
            except RecursionError:
                return _too_deep(path, looks_like_template)
            except json.JSONDecodeError as json_exc:
                if not looks_like_template:
                    return Skipped(path, "not valid YAML or JSON, and not a template")
                return LoadError(path, f"invalid JSON: {json_exc.msg}", json_exc.lineno, json_exc.colno)
            return _classify(path, data, [])
        if not looks_like_template:
            return Skipped(path, "not valid YAML, and not a template")
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        reason = " ".join(
            part for part in (getattr(exc, "context", None), getattr(exc, "problem", None)) if part
        ) or str(exc).splitlines()[0]
        if mark is None:
            return LoadError(path, f"invalid YAML: {reason}")
        return LoadError(path, f"invalid YAML: {reason}", mark.line + 1, mark.column + 1)
    except RecursionError:
        return _too_deep(path, looks_like_template)
    finally:
        loader.dispose()
    return _classify(path, data, builder.unknown_tags)


def load_file(path: Union[str, Path], max_bytes: int = DEFAULT_MAX_BYTES) -> LoadResult:
    """Read and decode one file. Never raises for bad input: returns LoadError or Skipped."""
    shown = str(path)
    try:
        info = Path(path).stat()
        if not stat.S_ISREG(info.st_mode):
            return LoadError(shown, "not a regular file (a device, pipe or socket): not read")
        if info.st_size > max_bytes:
            return LoadError(shown, f"file is {info.st_size} bytes, over the {max_bytes}-byte limit")
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)  # a file that grows while read stays bounded
        if len(raw) > max_bytes:
            return LoadError(shown, f"file is over the {max_bytes}-byte limit")
    except OSError as exc:
        return LoadError(shown, f"cannot read file: {exc.strerror or exc}")
    looks_like_template = bool(_TEMPLATE_HINT.search(raw))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if not looks_like_template:
            return Skipped(shown, "not UTF-8 text, and not a template")
        line = raw.count(b"\n", 0, exc.start) + 1
        return LoadError(shown, f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", line)
    if "\x00" in text:
        if not looks_like_template:
            return Skipped(shown, "binary file")
        return LoadError(shown, "binary file (contains NUL bytes)")
    return parse_text(shown, text, looks_like_template)
