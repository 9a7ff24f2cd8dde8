"""Stage 1, load: read one file into marked values, or say why it is not a template.

YAML goes through PyYAML's C parser, its events built into values by loopcheck.yaml_values
(CloudFormation's short-form tags turned into their long form); JSON goes through the same
parser when it can (it keeps positions for free) and through a position-keeping `json` decoder when YAML rejects
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
from loopcheck.nodes import MDict, MList, locate, marks, pack
from loopcheck.yaml_values import Builder, NestingTooDeep, TemplateLoader
from loopcheck.yaml_values import DuplicateKey as _DuplicateKey

DEFAULT_MAX_BYTES = 5 * 1024 * 1024

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


def _position(text: str, offset: int) -> tuple:
    line = text.count("\n", 0, offset) + 1
    return (line, offset - (text.rfind("\n", 0, offset) + 1) + 1)


class _JSONStr(str):
    """A string the JSON fallback has just read, with where it starts and ends; its
    container keeps the position and stores it as a plain str."""

    mark: tuple = (0, 0)
    end: int = 0


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, _JSONStr) else value


def _packed_mark(value: Any) -> int:
    mark = getattr(value, "mark", None)
    return pack(*mark) if mark else 0


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
            items = MList(_plain(v) for v in values)
            items.item_marks = marks()
            items.item_marks.extend(_packed_mark(v) for v in values)
            items.mark, items.end = _position(text, s_and_end[1] - 1), end
            return items, end

        def parse_string(s, end, strict):
            value, new_end = base_string(s, end, strict)
            marked = _JSONStr(value)
            marked.mark, marked.end = _position(text, end - 1), new_end
            return marked, new_end

        self.parse_object, self.parse_array, self.parse_string = parse_object, parse_array, parse_string
        self.scan_once = json.scanner.py_make_scanner(self)


def _json_pairs(pairs: list, text: str, start: int) -> MDict:
    mapping = MDict()
    mapping.mark = _position(text, start)
    mapping.key_marks = marks()
    first_lines = {}
    cursor = start + 1
    for key, value in pairs:
        line, column = mapping.mark
        found = re.compile(re.escape(json.dumps(key)) + r"\s*:").search(text, cursor)
        if found is not None:
            line, column = _position(text, found.start())
            cursor = found.end()
        key = str(key)
        if key in first_lines:
            raise _DuplicateKey(key, line, column, first_lines[key])
        first_lines[key] = line
        mapping[key] = _plain(value)
        mapping.key_marks.append(pack(line, column) if found is not None else 0)
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
    loader = TemplateLoader(text)
    builder = Builder(loader)
    try:
        with gc_paused():
            data = builder.build()
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
    except (RecursionError, NestingTooDeep):
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
