"""HCL text -> its syntax tree with positions, and the few walks the reader needs over it (the
blocks and attributes of a body, the comments of a file).

This is the only module that imports python-hcl2 (and lark), and only inside its functions:
a CloudFormation scan never loads them. The tree is python-hcl2's raw lark parse tree (its
grammar `hcl2.lark`, python-hcl2 8.x), which keeps every node's line and offset; its dict
output drops the positions and quotes values as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

from loopcheck.load.loader import DEFAULT_MAX_BYTES, LoadError, read_bounded


@dataclass
class HclFile:
    """One parsed .tf (or .tfvars) file."""

    path: str  # as the scan names it
    text: str
    body: Any  # the lark Tree of its top-level body


@dataclass
class Block:
    """A block (`resource "aws_s3_bucket" "b" { ... }`): its type, labels and body."""

    type: str
    labels: List[str]
    body: Any
    line: int
    end_line: int


@dataclass(frozen=True)
class Expression:
    """An expression node together with the text it was parsed from (for Unknown's text)."""

    node: Any
    text: str


# Terminal names of the grammar, as a person would read them in an error message.
_TERMINALS = {"RBRACE": "'}'", "LBRACE": "'{'", "RSQB": "']'", "LSQB": "'['", "RPAR": "')'",
              "LPAR": "'('", "DBLQUOTE": "'\"'", "EQ": "'='", "COMMA": "','", "COLON": "':'"}


def parse_text(path: str, text: str) -> Union[HclFile, LoadError]:
    """Parse HCL text; a syntax error is a LoadError naming the file, line and column."""
    from hcl2.api import parses_to_tree
    from lark import Token
    from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

    text = _heredoc_closers_trimmed(text)
    try:
        tree = parses_to_tree(text)
    except UnexpectedToken as exc:
        token = exc.token
        what = "end of file" if token.type == "$END" else _shown_token(str(token))
        expected = sorted(_TERMINALS[name] for name in exc.expected if name in _TERMINALS)
        hint = f", expected {' or '.join(expected)}" if expected and len(exc.expected) <= 3 else ""
        return LoadError(path, f"invalid HCL: unexpected {what}{hint}", exc.line, exc.column)
    except UnexpectedCharacters as exc:
        return LoadError(path, f"invalid HCL: unexpected character {exc.char!r}", exc.line, exc.column)
    except UnexpectedInput as exc:  # end of file, or another positioned error
        line = getattr(exc, "line", -1)
        column = getattr(exc, "column", -1)
        return LoadError(path, "invalid HCL: unexpected end of file",
                         line if line > 0 else None, column if column > 0 else None)
    except (LarkError, RecursionError) as exc:
        reason = "nesting too deep to read" if isinstance(exc, RecursionError) else str(exc).splitlines()[0]
        return LoadError(path, f"invalid HCL: {reason}")
    body = next((child for child in tree.children if not isinstance(child, Token)), None)
    return HclFile(path, text, body)


_HEREDOC_OPENER = re.compile(r"<<-?([A-Za-z][A-Za-z0-9._-]*)\r?$")


def _heredoc_closers_trimmed(text: str) -> str:
    """The text with trailing blanks removed from heredoc closing-marker lines (`EOF  `).
    Terraform ends a heredoc there; python-hcl2 8.x's grammar does not (its issue #343), and
    public configurations have such lines. Only trailing blanks change: every line and column
    stays where it was."""
    if "<<" not in text:
        return text
    lines = text.split("\n")
    marker = None
    for number, line in enumerate(lines):
        if marker is None:
            opener = _HEREDOC_OPENER.search(line)
            marker = opener.group(1) if opener else None
        elif line.strip() == marker:
            ending = "\r" if line.endswith("\r") else ""
            lines[number] = line.rstrip(" \t\r") + ending
            marker = None
    return "\n".join(lines)


def _shown_token(value: str) -> str:
    first = next((line.strip() for line in value.splitlines() if line.strip()), "")
    if not first:
        return "line break"
    return repr(first[:30] + ("..." if len(first) > 30 else ""))


def read_file(shown: str, path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Union[HclFile, LoadError]:
    """Read and parse one file: unreadable, too large or not UTF-8 is a LoadError too."""
    text = read_text(shown, path, max_bytes)
    return text if isinstance(text, LoadError) else parse_text(shown, text)


def read_text(shown: str, path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Union[str, LoadError]:
    """A file's UTF-8 text (a byte order mark dropped), or why it cannot be read."""
    raw = read_bounded(shown, path, max_bytes)
    if isinstance(raw, LoadError):
        return raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return LoadError(shown, f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", line)
    if "\x00" in text:
        return LoadError(shown, "binary file (contains NUL bytes)")
    return text[1:] if text.startswith("\ufeff") else text


def parse_expression(text: str) -> Optional[Expression]:
    """One expression on its own (the inside of a `${...}` in a heredoc or a template file);
    None when it does not parse."""
    source = f"_ = {text.strip()}\n"
    parsed = parse_text("", source)
    if isinstance(parsed, LoadError) or parsed.body is None:
        return None
    found = list(attributes(parsed.body))
    return Expression(found[0][1], source) if len(found) == 1 else None


def _is_tree(node: Any) -> bool:
    return hasattr(node, "data")


def _meaningful(children: List[Any]) -> List[Any]:
    """The child trees of a node that are not line breaks or comments."""
    return [child for child in children if _is_tree(child) and child.data != "new_line_or_comment"]


def name_of(node: Any) -> str:
    """The text of an identifier, keyword or literal-value node (an attribute or block name)."""
    if _is_tree(node):
        return "".join(name_of(child) for child in node.children)
    return str(node)


def label_of(node: Any) -> str:
    """A block label: a quoted string's characters or a bare identifier."""
    if _is_tree(node) and node.data == "string":
        return "".join(str(part.children[0]) for part in node.children
                       if _is_tree(part) and part.data == "string_part" and not _is_tree(part.children[0]))
    return name_of(node)


def blocks(body: Any) -> Iterator[Block]:
    """The blocks written directly in a body, in order."""
    if body is None:
        return
    for child in body.children:
        if _is_tree(child) and child.data == "block":
            parts = _meaningful(child.children)
            inner = next(part for part in parts if part.data == "body")
            names = [part for part in parts if part is not inner]
            yield Block(type=name_of(names[0]), labels=[label_of(n) for n in names[1:]], body=inner,
                        line=child.meta.line, end_line=child.meta.end_line)


def attributes(body: Any) -> Iterator[Tuple[str, Any]]:
    """The attributes (name, expression node) written directly in a body, in order."""
    if body is None:
        return
    for child in body.children:
        if _is_tree(child) and child.data == "attribute":
            name_node, value = _meaningful(child.children)
            yield name_of(name_node), value


def meaningful_children(node: Any) -> List[Any]:
    return _meaningful(node.children)


def node_text(node: Any, text: str) -> str:
    """The source text of a node, as written."""
    meta = getattr(node, "meta", None)
    start = getattr(meta, "start_pos", None)
    end = getattr(meta, "end_pos", None)
    if start is None or end is None:
        return str(node)
    return text[start:end].strip()


_COMMENT_START = re.compile(r"^\s*(#|//|/\*)")


@dataclass
class Comments:
    """A file's comments by line, and which lines hold nothing but a comment."""

    by_line: Dict[int, List[str]]
    comment_only: set


def comments(parsed: HclFile) -> Comments:
    """Every `#`, `//` and `/* */` comment of a parsed file (never text inside a string or a
    heredoc: comments are the parser's tokens), by line, without their markers."""
    from lark import Token

    by_line: Dict[int, List[str]] = {}
    only = set()
    for token in _tokens(parsed.body, Token):
        value = str(token) if token.type == "NL_OR_COMMENT" else ""
        if value.startswith(("#", "//")):
            by_line.setdefault(token.line, []).append(value.lstrip("#/").strip())
        elif value.startswith("/*"):
            for offset, line in enumerate(value[2:-2].splitlines() or [""]):
                by_line.setdefault(token.line + offset, []).append(line.strip().lstrip("*").strip())
                if offset:
                    only.add(token.line + offset)  # a later line of a /* */ comment
    lines = parsed.text.splitlines()
    only |= {number for number in by_line
             if 0 < number <= len(lines) and _COMMENT_START.match(lines[number - 1])}
    return Comments(by_line, only)


def _tokens(root: Any, token_type: type) -> Iterator[Any]:
    """Every token under a node, in order, without recursion (a deeply nested value must not
    exhaust Python's stack)."""
    if root is None:
        return
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, token_type):
            yield node
        elif hasattr(node, "children"):
            stack.extend(reversed(node.children))
