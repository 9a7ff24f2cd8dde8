"""The Terraform functions loopcheck evaluates, each a pure function of its (already evaluated)
arguments: the ones that shape names, ARNs, policies and state machine definitions. A call
of any other function is Unknown. `file()` and `templatefile()` read a text file relative to
the module's folder, nothing more, and only inside the repository that holds the
configuration (loopcheck.load.localfiles' rule for every file a template names); a file that
cannot be read makes the call Unknown.

Each function gets the calling place (a `Caller`: the module's folder, a way to note a
problem, a way to render a template) and its arguments, and returns a value or raises
NotStatic.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Callable, Dict, List

from loopcheck.load.localfiles import MAX_TEXT_BYTES, inside, read_text
from loopcheck.terraform.config import Encoded, Interpolation, Reference, Unknown
from loopcheck.terraform.values import NotStatic, as_text, concatenate, is_literal


class Caller:
    """What a function may know of where it is called (the evaluator implements it)."""

    module_dir: str  # absolute: relative paths start here
    boundary: str  # absolute: no file outside this folder is read

    def note(self, message: str) -> None:
        raise NotImplementedError

    def render_template(self, text: str, variables: Dict[str, Any]) -> Any:
        raise NotImplementedError


Function = Callable[[Caller, List[Any]], Any]


def _text(value: Any) -> str:
    """A literal string argument (a number or bool as Terraform converts it)."""
    shown = as_text(value) if not isinstance(value, Encoded) else None
    if shown is None:
        raise NotStatic()
    return shown


def _format(caller: Caller, arguments: List[Any]) -> Any:
    spec = _text(arguments[0])
    values = list(arguments[1:])
    parts: List[Any] = []
    position = 0
    for match in re.finditer(r"%(?:%|[-+# 0]*\d*(?:\.\d+)?([a-zA-Z]))", spec):
        parts.append(spec[position:match.start()])
        position = match.end()
        verb = match.group(1)
        if verb is None:
            parts.append("%")
            continue
        if not values:
            raise NotStatic()
        value = values.pop(0)
        if verb in ("s", "v") and isinstance(value, (Reference, Interpolation)):
            parts.append(value)
        elif verb in ("s", "v"):
            parts.append(_text(value))
        elif verb == "q":
            parts.append(json.dumps(_text(value)))
        elif verb in ("d", "f", "e", "g", "x", "X", "o", "b") and is_literal(value):
            parts.append(("%" + match.group(0)[1:]) % value if verb != "b" else format(value, "b"))
        elif verb == "t" and isinstance(value, bool):
            parts.append(as_text(value))
        else:
            raise NotStatic()
    parts.append(spec[position:])
    return concatenate(parts)


def _join(caller: Caller, arguments: List[Any]) -> Any:
    separator = _text(arguments[0])
    items: List[Any] = []
    for listed in arguments[1:]:
        if not isinstance(listed, list):
            raise NotStatic()
        items.extend(listed)
    parts: List[Any] = []
    for position, item in enumerate(items):
        if position:
            parts.append(separator)
        if not (isinstance(item, (Reference, Interpolation)) or as_text(item) is not None):
            raise NotStatic()
        parts.append(item)
    return concatenate(parts)


def _read(caller: Caller, path_value: Any) -> str:
    """The text of a file a configuration reads (relative paths from the module's folder)."""
    path = _text(path_value)
    full = Path(path if os.path.isabs(path) else os.path.join(caller.module_dir, path))
    boundary = Path(caller.boundary)
    if not inside(full, boundary):
        caller.note(f"{path}: outside the repository {boundary}: not read")
        raise NotStatic()
    text = read_text(full, boundary, MAX_TEXT_BYTES)
    if text is None:
        caller.note(f"{path}: not found, or not a small UTF-8 text file: its contents are not known")
        raise NotStatic()
    return text


def _file(caller: Caller, arguments: List[Any]) -> Any:
    (path,) = arguments
    return _read(caller, path)


def _templatefile(caller: Caller, arguments: List[Any]) -> Any:
    path, variables = arguments
    if not isinstance(variables, dict):
        raise NotStatic()
    return caller.render_template(_read(caller, path), variables)


def _merge(caller: Caller, arguments: List[Any]) -> Any:
    merged: Dict[str, Any] = {}
    for mapping in arguments:
        if mapping is None:
            continue
        if not isinstance(mapping, dict):
            raise NotStatic()
        merged.update(mapping)
    return merged


def _concat(caller: Caller, arguments: List[Any]) -> Any:
    if not all(isinstance(listed, list) for listed in arguments):
        raise NotStatic()
    return [item for listed in arguments for item in listed]


def _flatten_lists(caller: Caller, arguments: List[Any]) -> Any:
    def flat(value: Any) -> List[Any]:
        if not isinstance(value, list):
            raise NotStatic()
        return [leaf for item in value for leaf in (flat(item) if isinstance(item, list) else [item])]
    (listed,) = arguments
    return flat(listed)


def _string_function(operation: Callable[..., str]) -> Function:
    """A function of literal strings only (a Reference's text is not known)."""
    def call(caller: Caller, arguments: List[Any]) -> Any:
        return operation(*[_text(argument) for argument in arguments])
    return call


def _replace(text: str, search: str, replacement: str) -> str:
    if len(search) > 1 and search.startswith("/") and search.endswith("/"):
        python_replacement = re.sub(r"\$\{?(\d+)\}?", r"\\g<\1>", replacement.replace("\\", "\\\\"))
        return re.sub(search[1:-1], python_replacement, text)
    return text.replace(search, replacement)


def _tostring(caller: Caller, arguments: List[Any]) -> Any:
    (value,) = arguments
    if isinstance(value, (Reference, Interpolation)) or value is None:
        return value
    return _text(value)


def _passthrough(kind: type) -> Function:
    def call(caller: Caller, arguments: List[Any]) -> Any:
        (value,) = arguments
        if not isinstance(value, kind):
            raise NotStatic()
        return value
    return call


def _toset(caller: Caller, arguments: List[Any]) -> Any:
    (value,) = arguments
    if not isinstance(value, list):
        raise NotStatic()
    unique: List[Any] = []
    for item in value:
        if item not in unique:
            unique.append(item)
    return sorted(unique) if all(isinstance(item, str) for item in unique) else unique


def _tonumber(caller: Caller, arguments: List[Any]) -> Any:
    (value,) = arguments
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = _text(value)
    return float(text) if any(mark in text for mark in ".eE") else int(text)


def _tobool(caller: Caller, arguments: List[Any]) -> Any:
    (value,) = arguments
    if isinstance(value, bool):
        return value
    return {"true": True, "false": False}[_text(value)]


def _lookup(caller: Caller, arguments: List[Any]) -> Any:
    mapping, key = arguments[0], _text(arguments[1])
    if not isinstance(mapping, dict):
        raise NotStatic()
    if key in mapping:
        return mapping[key]
    if len(arguments) > 2:
        return arguments[2]
    raise NotStatic()


def _element(caller: Caller, arguments: List[Any]) -> Any:
    listed, index = arguments
    if not isinstance(listed, list) or not listed or not isinstance(index, int) or isinstance(index, bool):
        raise NotStatic()
    return listed[index % len(listed)]


def _length(caller: Caller, arguments: List[Any]) -> Any:
    (value,) = arguments
    if isinstance(value, (list, dict)) or isinstance(value, str):
        return len(value)
    raise NotStatic()


def _coalesce(caller: Caller, arguments: List[Any]) -> Any:
    for value in arguments:
        if isinstance(value, Unknown):
            raise NotStatic()
        if value is not None and value != "":
            return value
    raise NotStatic()


def _one(caller: Caller, arguments: List[Any]) -> Any:
    (listed,) = arguments
    if not isinstance(listed, list) or len(listed) > 1:
        raise NotStatic()
    return listed[0] if listed else None


def _compact(caller: Caller, arguments: List[Any]) -> Any:
    (listed,) = arguments
    if not isinstance(listed, list) or any(isinstance(item, Unknown) for item in listed):
        raise NotStatic()
    return [item for item in listed if item not in (None, "")]


def _distinct(caller: Caller, arguments: List[Any]) -> Any:
    (listed,) = arguments
    if not isinstance(listed, list):
        raise NotStatic()
    unique: List[Any] = []
    for item in listed:
        if item not in unique:
            unique.append(item)
    return unique


def _keys_or_values(values: bool) -> Function:
    def call(caller: Caller, arguments: List[Any]) -> Any:
        (mapping,) = arguments
        if not isinstance(mapping, dict):
            raise NotStatic()
        return [mapping[key] if values else key for key in sorted(mapping)]  # Terraform sorts by key
    return call


def _split(caller: Caller, arguments: List[Any]) -> Any:
    separator, text = (_text(argument) for argument in arguments)
    if not separator:
        raise NotStatic()
    return text.split(separator)


def _jsondecode(caller: Caller, arguments: List[Any]) -> Any:
    (value,) = arguments
    if isinstance(value, Encoded):
        return value.value
    return json.loads(_text(value))


def _jsonencode(caller: Caller, arguments: List[Any]) -> Any:
    (value,) = arguments
    return Encoded(value)


FUNCTIONS: Dict[str, Function] = {
    "format": _format,
    "join": _join,
    "jsonencode": _jsonencode,
    "jsondecode": _jsondecode,
    "file": _file,
    "templatefile": _templatefile,
    "merge": _merge,
    "concat": _concat,
    "flatten": _flatten_lists,
    "lower": _string_function(str.lower),
    "upper": _string_function(str.upper),
    "trimspace": _string_function(str.strip),
    "trimprefix": _string_function(lambda text, prefix: text[len(prefix):] if text.startswith(prefix)
                                   else text),
    "trimsuffix": _string_function(lambda text, suffix: text[:-len(suffix)] if suffix and text.endswith(suffix)
                                   else text),
    "replace": _string_function(_replace),
    "basename": _string_function(lambda path: path.rstrip("/").rsplit("/", 1)[-1]),
    "dirname": _string_function(lambda path: path.rstrip("/").rsplit("/", 1)[0] if "/" in path else "."),
    "tostring": _tostring,
    "tolist": _passthrough(list),
    "tomap": _passthrough(dict),
    "toset": _toset,
    "tonumber": _tonumber,
    "tobool": _tobool,
    "lookup": _lookup,
    "element": _element,
    "length": _length,
    "coalesce": _coalesce,
    "one": _one,
    "compact": _compact,
    "distinct": _distinct,
    "keys": _keys_or_values(False),
    "values": _keys_or_values(True),
    "split": _split,
}
