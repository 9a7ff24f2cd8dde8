"""Stage 1, load: read one file into marked values, or say why it is not a template.

YAML goes through PyYAML's C parser, its events built into values by loopcheck.load.yaml_values
(CloudFormation's short-form tags turned into their long form); JSON goes through the same
parser when it can (it keeps positions for free) and through a position-keeping `json`
decoder when YAML rejects valid JSON (tabs, escaped surrogate pairs). Text is UTF-8, or
UTF-16/UTF-32 with a byte order mark. A key written twice keeps its last value, as SAM CLI's
parser does, and is recorded for rule WL112. Nothing here imports cfn-lint: start-up time
matters for pre-commit.
"""

from __future__ import annotations

import bisect
import codecs
import json
import json.decoder
import json.scanner
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import yaml

from loopcheck.load import sniff
from loopcheck.load.gcpause import freeze_loaded, gc_paused, thaw_loaded
from loopcheck.load.nodes import MDict, MList, marks, pack, unpack
from loopcheck.load.yaml_values import MAX_DUPLICATES, Builder, Duplicate, NestingTooDeep, TemplateLoader

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# Big templates exist (20,000 resources is about 9 MB): the refusal says how to lift the limit.
SIZE_LIMIT_HINT = " (raise it with --max-file-size BYTES or the config key max-file-size)"

_TEMPLATE_HINT = re.compile(r"AWSTemplateFormatVersion|AWS::Serverless|AWS::[A-Za-z0-9]+::[A-Za-z0-9]+")
NOT_A_TEMPLATE = "not a CloudFormation template (no Resources mapping)"
# Byte order marks, longest first (UTF-32-LE's starts with UTF-16-LE's). YAML 1.1, which
# CloudFormation follows, reads UTF-16 by its mark as well as UTF-8; cfn-lint reads it too.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class TemplateData(MDict):
    """A template's top-level mapping, with the duplicate keys the reader found in the whole
    document (rules/wl112 reports them; the cfn-lint plugin's templates have none: cfn-lint
    refuses duplicate keys itself)."""

    __slots__ = ("duplicates", "duplicates_cut")


@dataclass
class Template:
    """A decoded template: its marked data plus where it came from."""

    path: str
    data: MDict
    unknown_tags: List[str] = field(default_factory=list)
    text: str = ""  # the decoded text, for edits computed on it (loopcheck.fixes)
    # A Terraform unit's template (loopcheck.terraform.frontend): the .tf file (or plan) of each
    # logical id; None for a CloudFormation template, whose resources are all in `path`.
    resource_files: Optional[Dict[str, str]] = None
    files: List[str] = field(default_factory=list)  # a Terraform unit's files read, sorted
    notes: List[str] = field(default_factory=list)  # what a Terraform unit's translation left out


@dataclass
class PlanDocument:
    """A JSON file that is a Terraform plan (`terraform show -json`), parsed: the scan hands it
    to the Terraform front-end (loopcheck.terraform.frontend), which this stage does not import."""

    path: str
    document: Dict[str, Any]


@dataclass
class Skipped:
    """A YAML/JSON file that is not a CloudFormation template (Helm chart, workflow...), or
    a template with nothing to analyse (`empty`: no resources; not an error under --strict)."""

    path: str
    reason: str
    empty: bool = False


@dataclass
class LoadError:
    """A file that looks like a template but could not be read or parsed."""

    path: str
    message: str
    line: Optional[int] = None
    column: Optional[int] = None


LoadResult = Union[Template, Skipped, LoadError, PlanDocument]


class _Lines:
    """Offset -> (line, column) in one text: line starts found once, then a binary search
    (counting newlines before each offset made a 1.2 MB file take minutes)."""

    def __init__(self, text: str):
        self.starts = [0]
        self.starts.extend(match.end() for match in re.finditer("\n", text))

    def position(self, offset: int) -> Tuple[int, int]:
        index = bisect.bisect_right(self.starts, offset) - 1
        return (index + 1, offset - self.starts[index] + 1)


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

    Only used when YAML rejects valid JSON (a tab before the first brace, an escaped
    surrogate pair): it runs the pure-Python scanner. Each container and string also records
    where it ends, so a key is found just after the previous value without looking inside it;
    every step of the bookkeeping is proportional to the text it passes over, once.
    """

    def __init__(self, text: str):
        super().__init__()
        lines = _Lines(text)
        self.found: List[Tuple[MDict, Any, Tuple[int, int], Tuple[int, int]]] = []  # duplicate keys
        self.duplicates_cut = 0
        base_object, base_array, base_string = self.parse_object, self.parse_array, self.parse_string

        def parse_object(s_and_end, *args):
            start = s_and_end[1] - 1
            pairs_hook = lambda pairs: self._pairs(pairs, text, lines, start)  # noqa: E731
            mapping, end = base_object(s_and_end, self.strict, self.scan_once, None, pairs_hook, self.memo)
            mapping.end = end
            return mapping, end

        def parse_array(s_and_end, scan_once):
            values, end = base_array(s_and_end, scan_once)
            items = MList(_plain(v) for v in values)
            items.item_marks = marks()
            items.item_marks.extend(_packed_mark(v) for v in values)
            items.mark, items.end = lines.position(s_and_end[1] - 1), end
            return items, end

        def parse_string(s, end, strict):
            value, new_end = base_string(s, end, strict)
            marked = _JSONStr(value)
            marked.mark, marked.end = lines.position(end - 1), new_end
            return marked, new_end

        self.parse_object, self.parse_array, self.parse_string = parse_object, parse_array, parse_string
        self.scan_once = json.scanner.py_make_scanner(self)

    def _pairs(self, pairs: list, text: str, lines: _Lines, start: int) -> MDict:
        mapping = MDict()
        mapping.mark = lines.position(start)
        mapping.key_marks = marks()
        places: Dict[str, int] = {}  # key -> its place in the mapping's order
        cursor = start + 1
        for key, value in pairs:
            # The key is the next string after the previous value: a number, true, false or
            # null (the values that record no end) holds no quote.
            quote = text.find('"', cursor)
            at = 0
            if quote >= 0:
                at = pack(*lines.position(quote))
                _key, after = json.decoder.scanstring(text, quote + 1)
                cursor = text.find(":", after) + 1 or after
            key = str(key)
            cursor = getattr(value, "end", cursor)
            value = _plain(value)
            place = places.get(key)
            if place is None:
                places[key] = len(mapping)
                mapping[key] = value
                mapping.key_marks.append(at)
            else:  # the last value wins, at the last position, in the first one's place
                if len(self.found) < MAX_DUPLICATES:
                    self.found.append((mapping, key, unpack(at) or (0, 0),
                                       unpack(mapping.key_marks[place]) or (0, 0)))
                else:
                    self.duplicates_cut += 1
                mapping[key] = value
                mapping.key_marks[place] = at
        return mapping


def _json_duplicates(root: Any, found: list) -> List[Duplicate]:
    """The JSON paths of the mappings that held duplicate keys: one walk of the tree, done
    only when there were some (the decoder builds mappings inside out)."""
    wanted = {id(mapping) for mapping, _key, _at, _first in found}
    paths: Dict[int, List[Any]] = {}
    stack: List[Tuple[Any, List[Any]]] = [(root, [])]
    while stack and len(paths) < len(wanted):
        node, path = stack.pop()
        if isinstance(node, dict):
            if id(node) in wanted:
                paths[id(node)] = path
            stack.extend((child, path + [key]) for key, child in node.items()
                         if isinstance(child, (dict, list)))
        elif isinstance(node, list):
            stack.extend((child, path + [index]) for index, child in enumerate(node)
                         if isinstance(child, (dict, list)))
    return [Duplicate(paths.get(id(mapping), []) + [key], at[0], at[1], first[0], first[1])
            for mapping, key, at, first in found]


def _parse_json(text: str) -> Tuple[Any, List[Duplicate], int]:
    decoder = _MarkingJSONDecoder(text)
    value, end = decoder.raw_decode(text, len(text) - len(text.lstrip()))
    if text[end:].strip():
        raise json.JSONDecodeError("Extra data", text, end)
    duplicates = _json_duplicates(value, decoder.found) if decoder.found else []
    return value, duplicates, decoder.duplicates_cut


def _json_error(path: str, exc: json.JSONDecodeError) -> LoadError:
    """An invalid-JSON error; a trailing comma (which YAML would accept) said so, at the comma."""
    text, pos = exc.doc, exc.pos
    comma = -1
    if exc.msg.startswith("Illegal trailing comma"):  # Python 3.13 points at the comma
        comma = pos
    elif text[pos:pos + 1] in ("}", "]"):  # earlier versions at the bracket after it
        before = text.rfind(",", 0, pos)
        if before >= 0 and not text[before + 1:pos].strip():
            comma = before
    if comma >= 0:
        closing = text[comma + 1:comma + 4097].lstrip()[:1] or "}"  # past whitespace, bounded
        line, column = _Lines(text).position(comma)
        return LoadError(path, f"invalid JSON: trailing comma before '{closing}' "
                               "(CloudFormation rejects trailing commas in JSON)", line, column)
    return LoadError(path, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno)


def _looks_like_json(path: str, text: str) -> bool:
    return path.lower().endswith(".json") or text.lstrip()[:1] in ("{", "[")


def _template_data(data: MDict, duplicates: List[Duplicate], cut: int) -> TemplateData:
    root = TemplateData(data)
    for name in ("mark", "end", "key_marks"):
        if hasattr(data, name):
            setattr(root, name, getattr(data, name))
    root.duplicates, root.duplicates_cut = duplicates, cut
    return root


def _kind(value: Any) -> str:
    for types, name in ((list, "a list"), (str, "a string"), (bool, "a boolean"), ((int, float), "a number")):
        if isinstance(value, types):
            return name
    return type(value).__name__


def _classify(path: str, data: Any, unknown_tags: List[str], duplicates: List[Duplicate],
              duplicates_cut: int = 0) -> LoadResult:
    if not isinstance(data, dict) or "Resources" not in data:
        return Skipped(path, NOT_A_TEMPLATE)
    resources = data["Resources"]
    if resources is None or (isinstance(resources, dict) and not resources):
        return Skipped(path, "a template with no resources", empty=True)
    if not isinstance(resources, dict):
        # CodeDeploy AppSpec files (`version`, `Resources` as a list, `Hooks`) and macro
        # inputs whose Resources a Transform rewrites are not templates loopcheck can read.
        if isinstance(resources, list) and ("version" in data or "Hooks" in data):
            return Skipped(path, "not a CloudFormation template (a CodeDeploy AppSpec file)")
        return Skipped(path, f"not a CloudFormation template (Resources is {_kind(resources)}, not a mapping)")
    if not isinstance(data, MDict):
        data = MDict(data)
    return Template(path, _template_data(data, duplicates, duplicates_cut), unknown_tags)


def _too_deep(path: str, looks_like_template: bool) -> LoadResult:
    if not looks_like_template:
        return Skipped(path, "nesting too deep to read, and not a template")
    return LoadError(path, "nesting too deep to read")


def _too_deep_json(path: str, text: str, looks_like_template: bool) -> LoadResult:
    """JSON nested deeper than the position-keeping reader follows. `json.loads` follows
    deeper (to the interpreter's recursion limit) and still tells whether it has a top-level
    Resources key: without one it is not a template (the sniff of a `.json` file says the same,
    from the same `json.loads`)."""
    try:
        value = json.loads(text)
    except (RecursionError, json.JSONDecodeError):
        return _too_deep(path, looks_like_template)
    if isinstance(value, dict) and "Resources" in value:
        return _too_deep(path, looks_like_template)
    return Skipped(path, NOT_A_TEMPLATE)


def parse_text(path: str, text: str, looks_like_template: bool) -> LoadResult:
    """Decode already-read text; `looks_like_template` decides error versus skip on failure.

    A file that certainly has no top-level Resources key (loopcheck.load.sniff) is skipped
    without building its values, with the reason the full read would give."""
    if path.lower().endswith(".json"):
        # YAML accepts what JSON does not (trailing commas, single quotes): CloudFormation
        # would reject those, so a .json file must first be valid JSON.
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            if not looks_like_template and not sniff.could_be_terraform_plan(text):
                return Skipped(path, "not valid JSON, and not a template")
            return _json_error(path, exc)
        except RecursionError:
            return _too_deep(path, looks_like_template)
        if sniff.is_terraform_plan(value):
            return PlanDocument(path, value)
        if sniff.json_value_is_plain_non_template(value):
            return Skipped(path, NOT_A_TEMPLATE)
    else:
        plan = _plan_document(path, text) if sniff.could_be_terraform_plan(text) else None
        if plan is not None:
            return plan
    if not path.lower().endswith(".json") and not sniff.could_name_resources(text):
        quick = _read_plain_yaml(path, text, looks_like_template)
        if quick is not None:
            return quick
    return _parse(path, text, looks_like_template)


def _plan_document(path: str, text: str) -> Optional[PlanDocument]:
    """A plan saved under a name that does not end in .json (`terraform show -json > tfplan`)."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return PlanDocument(path, value) if sniff.is_terraform_plan(value) else None


def _read_plain_yaml(path: str, text: str, looks_like_template: bool) -> Optional[LoadResult]:
    """The result of a text that names no Resources, when its events alone decide it
    (valid plain YAML, or a syntax error); None when the values builder must read it."""
    loader = TemplateLoader(text)
    try:
        if sniff.plain_yaml(loader):
            return Skipped(path, NOT_A_TEMPLATE)
        return None
    except yaml.YAMLError as exc:
        return _yaml_failure(path, text, exc, looks_like_template)
    finally:
        loader.dispose()


def _parse(path: str, text: str, looks_like_template: bool) -> LoadResult:
    loader = TemplateLoader(text)
    builder = Builder(loader)
    try:
        with gc_paused():
            data = builder.build()
            freeze_loaded()  # until the analysis ends: no collection walks the decoded tree
    except yaml.YAMLError as exc:
        return _yaml_failure(path, text, exc, looks_like_template)
    except (RecursionError, NestingTooDeep):
        return _too_deep(path, looks_like_template)
    finally:
        loader.dispose()
    found = builder.duplicates
    result = _classify(path, data, builder.unknown_tags, found.found, found.cut)
    if not isinstance(result, Template):
        thaw_loaded()  # no analysis follows to give the decoded tree back to the collector
    return _with_text(result, text)


def _yaml_failure(path: str, text: str, exc: yaml.YAMLError, looks_like_template: bool) -> LoadResult:
    """What a text YAML rejected is: JSON YAML cannot read, a skip, or an error."""
    if _looks_like_json(path, text):
        try:
            data, duplicates, cut = _parse_json(text)
        except RecursionError:
            return _too_deep_json(path, text, looks_like_template)
        except json.JSONDecodeError as json_exc:
            if not looks_like_template:
                return Skipped(path, "not valid YAML or JSON, and not a template")
            return _json_error(path, json_exc)
        return _with_text(_classify(path, data, [], duplicates, cut), text)
    if not looks_like_template:
        return Skipped(path, "not valid YAML, and not a template")
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    reason = " ".join(
        part for part in (getattr(exc, "context", None), getattr(exc, "problem", None)) if part
    ) or str(exc).splitlines()[0]
    if mark is None:
        return LoadError(path, f"invalid YAML: {reason}")
    return LoadError(path, f"invalid YAML: {reason}", mark.line + 1, mark.column + 1)


def _with_text(result: LoadResult, text: str) -> LoadResult:
    if isinstance(result, Template):
        result.text = text
    return result


def _encoding(raw: bytes) -> Tuple[str, int]:
    """(encoding, length of its byte order mark): by the mark, else UTF-8."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return encoding, len(bom)
    return "utf-8", 0


def load_file(path: Union[str, Path], max_bytes: int = DEFAULT_MAX_BYTES) -> LoadResult:
    """Read and decode one file. Never raises for bad input: returns LoadError or Skipped."""
    raw = read_bounded(str(path), path, max_bytes)
    return raw if isinstance(raw, LoadError) else load_bytes(str(path), raw)


def read_bounded(shown: str, path: Union[str, Path],
                 max_bytes: int = DEFAULT_MAX_BYTES) -> Union[bytes, LoadError]:
    """A regular file's bytes, at most `max_bytes` of them, or why not (reported as `shown`)."""
    try:
        info = Path(path).stat()
        if not stat.S_ISREG(info.st_mode):
            return LoadError(shown, "not a regular file (a device, pipe or socket): not read")
        if info.st_size > max_bytes:
            return LoadError(shown, f"file is {info.st_size} bytes, "
                                    f"over the {max_bytes}-byte limit{SIZE_LIMIT_HINT}")
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)  # a file that grows while read stays bounded
    except OSError as exc:
        return LoadError(shown, f"cannot read file: {exc.strerror or exc}")
    if len(raw) > max_bytes:
        return LoadError(shown, f"file is over the {max_bytes}-byte limit{SIZE_LIMIT_HINT}")
    return raw


def load_bytes(shown: str, raw: bytes) -> LoadResult:
    """Decode the bytes of a template read elsewhere (a file, or stdin reported as `shown`)."""
    encoding, bom = _encoding(raw)
    try:
        text = raw[bom:].decode(encoding) if bom else raw.decode(encoding)
    except UnicodeDecodeError as exc:
        start = exc.start + bom
        if encoding != "utf-8":  # the byte order mark said so; the bytes after it disagree
            if not _TEMPLATE_HINT.search(raw[bom:].decode(encoding, errors="replace")):
                return Skipped(shown, f"not {encoding.upper()} text, and not a template")
            return LoadError(shown, f"not {encoding.upper()} text after its byte order mark "
                                    f"(byte offset {start})")
        if not _TEMPLATE_HINT.search(raw.decode("latin-1")):
            return Skipped(shown, "not UTF-8 text, and not a template")
        line = raw.count(b"\n", 0, start) + 1
        return LoadError(shown, f"not UTF-8 text (byte 0x{raw[start]:02x})", line)
    looks_like_template = bool(_TEMPLATE_HINT.search(text))
    if "\x00" in text:
        if not looks_like_template:
            return Skipped(shown, "binary file")
        return LoadError(shown, "binary file (contains NUL bytes)")
    return parse_text(shown, text, looks_like_template)
