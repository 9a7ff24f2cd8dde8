"""YAML text -> marked values (loopcheck.load.nodes), built straight from libyaml's parse events.

PyYAML's usual path composes a tree of nodes (two Mark objects each) and then constructs
values from it: the whole node tree and the whole value tree exist at once, and the
constructor's machinery costs as much as the C parse. Building from the event stream skips
both: each event is read once and dropped, so the values are the only tree in memory.

CloudFormation's short-form tags become their long form (`!Ref X` -> {"Ref": "X"}); keys
are kept as text; `2010-09-09` stays a string; anchors, aliases and merge keys (`<<`) work
as in PyYAML. An alias shares the value its anchor built, so alias bombs cannot expand. A
key written twice keeps its last value, as in PyYAML (so SAM CLI), and is recorded in
`Builder.duplicates` for rule WL112.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import yaml
from yaml import events

from loopcheck.load.nodes import COLUMN_BITS, MDict, MList, marks, pack, unpack

try:
    BaseLoader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml: slower, same result
    BaseLoader = yaml.SafeLoader  # type: ignore[misc]

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

_YAML_TAG = "tag:yaml.org,2002:"
_STR = _YAML_TAG + "str"
_MERGE = _YAML_TAG + "merge"
# CloudFormation reads `2010-09-09` as a string, not a date.
_TEXT_TAGS = frozenset({_STR, _YAML_TAG + "timestamp"})
# Standard tags of a collection: built as the plain mapping or sequence they are written as.
_COLLECTION_TAGS = frozenset({None, "!"} | {_YAML_TAG + t for t in ("map", "seq", "omap", "pairs", "set")})


# Mappings and sequences nested deeper than this are refused, as recent libyaml refuses them
# (older libyaml builds have no limit, and later stages walk values recursively).
MAX_NESTING = 1000


class NestingTooDeep(Exception):
    """A document nested deeper than MAX_NESTING."""


# Duplicate keys recorded per document; past this many only their number is kept (a hostile
# file can hold millions, and each becomes a finding).
MAX_DUPLICATES = 100


@dataclass
class Duplicate:
    """A mapping key written twice. The last value is kept, as PyYAML (SAM CLI) and Python's
    json keep it; `path` is the key's JSON path, the position that of the second occurrence."""

    path: List[Any]
    line: int
    column: int
    first_line: int
    first_column: int


class Duplicates:
    """The duplicate keys of one document: at most MAX_DUPLICATES kept, the rest counted."""

    def __init__(self) -> None:
        self.found: List[Duplicate] = []
        self.cut = 0

    def add(self, duplicate: Duplicate) -> None:
        if len(self.found) < MAX_DUPLICATES:
            self.found.append(duplicate)
        else:
            self.cut += 1

    @property
    def full(self) -> bool:
        return len(self.found) >= MAX_DUPLICATES


class TemplateLoader(BaseLoader):  # type: ignore[misc,valid-type]
    """PyYAML's (C) parser and safe scalar constructors; nothing else of PyYAML is used."""


def _mark(event: events.Event) -> Tuple[int, int]:
    return (event.start_mark.line + 1, event.start_mark.column + 1)


def _packed(event: events.Event) -> int:
    return pack(event.start_mark.line + 1, event.start_mark.column + 1)


def _another_document(event: events.Event) -> None:
    raise yaml.composer.ComposerError(
        "expected a single document in the stream", None, "but found another document", event.start_mark)


_MERGE_KEY = object()  # the `<<` key: its value is merged into the mapping, not stored


def _mapping(mark: Tuple[int, int]) -> MDict:
    mapping = MDict()
    mapping.mark, mapping.key_marks = mark, marks()
    return mapping


def _sequence(mark: Tuple[int, int]) -> MList:
    sequence = MList()
    sequence.mark, sequence.item_marks = mark, marks()
    return sequence


class _Open:
    """A mapping or sequence being filled, with what its end needs to know."""

    __slots__ = ("value", "is_map", "key", "key_at", "tag", "anchor", "merges", "start", "moved")

    def __init__(self, value: Any, is_map: bool, tag: Optional[str], anchor: Optional[str],
                 start: events.Event):
        self.value = value
        self.is_map = is_map
        self.key: Any = None  # a mapping's key waiting for its value (str or _MERGE_KEY)
        self.key_at = 0  # its packed position
        self.tag = tag
        self.anchor = anchor
        self.merges: List[Tuple[Any, events.Event]] = []  # `<<` values, in order
        self.start = start
        self.moved: List[Tuple[Any, int]] = []  # (duplicate key, its last position): see _close


class Builder:
    """One document's marked values from a loader's events. `build` returns None for an
    empty stream; YAML errors are raised as yaml.YAMLError with a problem mark."""

    def __init__(self, loader: TemplateLoader):
        self.loader = loader
        self.unknown_tags: List[str] = []
        self.anchors: Dict[str, Any] = {}
        self.duplicates = Duplicates()
        self._stack: List[_Open] = []

    def build(self) -> Any:
        try:
            return self._build()
        except yaml.constructor.ConstructorError:
            # PyYAML reads the whole stream before it builds a value, so a syntax error
            # anywhere is reported before a bad key or tag: keep that order.
            self._drain()
            raise

    def _drain(self) -> None:
        """Read the rest of the stream (inside its one document) for a syntax error."""
        while True:
            event = self.loader.get_event()
            if isinstance(event, events.StreamEndEvent):
                return
            if isinstance(event, events.DocumentStartEvent):
                _another_document(event)

    def _build(self) -> Any:
        # The hot loop of loading: one pass per event, the common cases inline (a plain key,
        # a new key, a string value); anchors, merges, duplicates and tags go to methods.
        loader = self.loader
        get_event = loader.get_event
        resolve = loader.resolve
        scalar_event, alias_event = events.ScalarEvent, events.AliasEvent
        starts = (events.MappingStartEvent, events.SequenceStartEvent)
        ends = (events.MappingEndEvent, events.SequenceEndEvent)
        # First characters PyYAML's implicit resolvers look at (true, null, 12, 1.5, <<...):
        # a plain scalar starting otherwise is a string without asking the resolver.
        resolved_starts = frozenset(k for k in loader.yaml_implicit_resolvers if k)
        ask_always = None in loader.yaml_implicit_resolvers  # a resolver for any character
        stack: List[_Open] = self._stack
        top: Optional[_Open] = None
        root: Any = None
        documents = 0
        while True:
            event = get_event()
            kind = type(event)
            if kind is scalar_event:
                text = event.value
                if top is not None and top.is_map and top.key is None:
                    if event.anchor is not None or text == "<<":
                        self._key(top, event)
                    else:
                        mark = event.start_mark
                        top.key = text
                        top.key_at = ((mark.line + 1) << COLUMN_BITS) | (mark.column + 1)
                    continue
                tag = event.tag
                if tag is None and not ask_always and (
                        not event.implicit[0] or (text and text[0] not in resolved_starts)):
                    value: Any = text
                else:
                    if tag is None or tag == "!":
                        tag = resolve(yaml.ScalarNode, text, event.implicit)
                    if tag in _TEXT_TAGS:
                        value = text
                    elif tag[0] == "!":
                        value = self._tagged(tag[1:], text, event)
                    else:
                        value = self._scalar(tag, event)
                if event.anchor is not None:
                    self._anchor(event.anchor, value, event)
                start = event.start_mark
            elif kind in starts:
                if top is not None and top.is_map and top.key is None:
                    raise yaml.constructor.ConstructorError(
                        None, None, "a mapping key must be a scalar", event.start_mark)
                is_map = kind is events.MappingStartEvent
                container = _mapping(_mark(event)) if is_map else _sequence(_mark(event))
                if top is not None:
                    stack.append(top)
                    if len(stack) >= MAX_NESTING:
                        raise NestingTooDeep()
                top = _Open(container, is_map, event.tag, event.anchor, event)
                continue
            elif kind in ends:
                assert top is not None
                value = self._close(top)
                start = top.start.start_mark
                top = stack.pop() if stack else None
            elif kind is alias_event:
                if event.anchor not in self.anchors:
                    raise yaml.composer.ComposerError(
                        None, None, f"found undefined alias {event.anchor!r}", event.start_mark)
                value = self.anchors[event.anchor]
                if top is not None and top.is_map and top.key is None:
                    self._alias_key(top, value, event)
                    continue
                start = event.start_mark
            elif kind is events.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    _another_document(event)
                continue
            elif kind is events.StreamEndEvent:
                return root
            else:  # stream start, document end
                continue
            if top is None:
                root = value
            elif top.is_map:
                key = top.key
                mapping = top.value
                if key is _MERGE_KEY or key in mapping:
                    self._put(top, value, event)
                else:
                    mapping[key] = value
                    mapping.key_marks.append(top.key_at)
                    top.key = None
            else:
                top.value.append(value)
                top.value.item_marks.append(((start.line + 1) << COLUMN_BITS) | (start.column + 1))

    def _key(self, top: _Open, event: events.ScalarEvent) -> None:
        # CloudFormation keys are strings as written: `1`, `true` and `on` are text, not
        # numbers or booleans that would compare equal to each other.
        key: Any = event.value
        if event.tag is None and event.implicit[0] and key == "<<":
            key = _MERGE_KEY
        elif event.anchor is not None:
            self._anchor(event.anchor, key, event)
        top.key, top.key_at = key, _packed(event)

    def _alias_key(self, top: _Open, value: Any, event: events.AliasEvent) -> None:
        if not isinstance(value, str):
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a scalar", event.start_mark)
        top.key, top.key_at = value, _packed(event)

    def _put(self, top: _Open, value: Any, event: events.Event) -> None:
        key = top.key
        top.key = None
        mapping = top.value
        if key is _MERGE_KEY:
            top.merges.append((value, event))
            return
        if key in mapping:
            # The last value wins, as in PyYAML; the key keeps its place in the order and
            # takes the last position (patched in _close, once per mapping).
            self._duplicate(top, key)
            mapping[key] = value
            top.moved.append((key, top.key_at))
            return
        mapping[key] = value
        mapping.key_marks.append(top.key_at)

    def _duplicate(self, top: _Open, key: Any) -> None:
        if self.duplicates.full:
            self.duplicates.cut += 1
            return
        line, column = unpack(top.key_at) or (0, 0)
        # Not MDict.key_mark: it caches an index of the keys, and this mapping still grows.
        mapping = top.value
        place = operator.indexOf(mapping, key)  # its place in the key order (C speed; <= MAX_DUPLICATES times)
        first_line, first_column = unpack(mapping.key_marks[place]) or (0, 0)
        self.duplicates.add(Duplicate(self._path(top) + [key], line, column, first_line, first_column))

    def _path(self, top: _Open) -> List[Any]:
        """The JSON path of the mapping `top` is filling, from the open containers above it
        (a short-form tag on one stands for its long-form key)."""
        path: List[Any] = []
        for open_ in self._stack + [top]:
            tag = open_.tag
            if tag and tag[0] == "!" and tag[1:] in SHORT_TAGS:
                path.append(SHORT_TAGS[tag[1:]])
            if open_ is top:
                break
            if open_.is_map:
                path.append("<<" if open_.key is _MERGE_KEY else open_.key)
            else:
                path.append(len(open_.value))
        return path

    def _close(self, top: _Open) -> Any:
        value = top.value
        if top.moved:
            index = {key: i for i, key in enumerate(value)}
            for key, at in top.moved:
                value.key_marks[index[key]] = at
        if top.merges:
            value = self._merged(top)
        tag = top.tag
        if tag not in _COLLECTION_TAGS:
            if tag[0] != "!":
                raise yaml.constructor.ConstructorError(
                    None, None, f"could not determine a constructor for the tag {tag!r}",
                    top.start.start_mark)
            value = self._tagged(tag[1:], value, top.start)
        if top.anchor is not None:
            self._anchor(top.anchor, value, top.start)
        return value

    def _merged(self, top: _Open) -> MDict:
        """PyYAML's merge semantics: the mapping's own keys win, then earlier merged
        mappings over later ones; merged keys come first."""
        sources: List[dict] = []
        for merged, event in top.merges:
            if isinstance(merged, dict):
                sources.append(merged)
            elif isinstance(merged, list) and all(isinstance(item, dict) for item in merged):
                sources.extend(merged)
            else:
                found = "sequence" if isinstance(merged, list) else "scalar"
                if isinstance(merged, list):
                    message = "expected a mapping for merging, but found a non-mapping item"
                else:
                    message = f"expected a mapping or list of mappings for merging, but found {found}"
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", top.start.start_mark, message, event.start_mark)
        positions = {}
        for source in [top.value] + sources:  # the mapping's own keys first, then in order
            for key in source:
                positions.setdefault(key, source)
        result = _mapping(top.value.mark)
        for source in reversed(sources):
            result.update(source)
        result.update(top.value)
        for key in result:  # each key at the place it was written in the mapping that wins
            found = positions[key].key_mark(key) if isinstance(positions[key], MDict) else None
            result.key_marks.append(pack(*found) if found else 0)
        return result

    def _anchor(self, anchor: str, value: Any, event: events.Event) -> None:
        if anchor in self.anchors:
            raise yaml.composer.ComposerError(
                f"found duplicate anchor {anchor!r}", None, "second occurrence", event.start_mark)
        self.anchors[anchor] = value

    def _scalar(self, tag: str, event: events.ScalarEvent) -> Any:
        """Numbers, booleans, null (and other standard scalar tags) as PyYAML builds them."""
        constructor = self.loader.yaml_constructors.get(tag)
        if constructor is None or not tag.startswith(_YAML_TAG):
            raise yaml.constructor.ConstructorError(
                None, None, f"could not determine a constructor for the tag {tag!r}", event.start_mark)
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        return constructor(self.loader, node)

    def _tagged(self, tag_suffix: str, value: Any, event: events.Event) -> Any:
        long_name = SHORT_TAGS.get(tag_suffix)
        if long_name is None:
            self.unknown_tags.append(f"!{tag_suffix} (line {_mark(event)[0]})")
            return value
        at = _packed(event)
        if long_name == "Fn::GetAtt" and isinstance(value, str):
            resource, _, attribute = value.partition(".")
            value = _sequence(_mark(event))
            value.extend((resource, attribute))
            value.item_marks.extend((at, at))
        wrapped = _mapping(_mark(event))
        wrapped[long_name] = value
        wrapped.key_marks.append(at)
        return wrapped
