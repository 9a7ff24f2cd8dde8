"""Evaluating HCL expressions statically into loopcheck.terraform.config's values.

What can be known before `terraform apply` becomes a literal (str, int, float, bool, None, list,
dict); an attribute of another resource, data source or registry module becomes a Reference
(`aws_s3_bucket.x.arn`, the instance index dropped); a string built from parts an
Interpolation; `jsonencode(...)` an Encoded; anything else an Unknown holding the expression
as written. Nothing is ever executed: functions are a table of the few that shape the values
loopcheck reads (names, ARNs, policies, state machine definitions), each a pure function of
its arguments; `file()` and `templatefile()` read a text file, nothing more.

What a name means (`var.x`, `local.y`, `module.m.out`, `path.module`) is the Scope's business:
the reader's module scope implements it. Paths (`path.module`, `path.root`) are absolute, so
a path passed from one module to another, or joined with any folder, still names the file.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional, Tuple

from loopcheck.terraform.config import Reference, Unknown
from loopcheck.terraform.functions import FUNCTIONS, Caller
from loopcheck.terraform.hcl_syntax import Expression, meaningful_children, name_of, node_text, parse_expression
from loopcheck.terraform.values import NotStatic, concatenate, is_literal

MAX_FOR_ITEMS = 10_000  # a `for` over more items than this is left Unknown
# Names whose first traversal step is not a resource type (Terraform reserves them).
_NOT_RESOURCE_TYPES = {"var", "local", "module", "data", "path", "terraform", "count", "each", "self"}


class Scope:
    """What the names of one place mean. This base knows no variables, locals or modules (a
    `templatefile` template sees only its variables, passed as bindings)."""

    def __init__(self, module_dir: str, root_dir: str, prefix: str = "", references: bool = True,
                 boundary: str = ""):
        self.module_dir = module_dir  # absolute: `path.module`
        self.root_dir = root_dir  # absolute: `path.root`
        self.prefix = prefix  # "module.images." inside a child module
        self.references = references  # whether `aws_x.y.attr` names a resource here
        self.boundary = boundary or root_dir  # absolute: file() reads nothing outside it

    def variable(self, name: str) -> Any:
        return Unknown(f"var.{name}")

    def local(self, name: str) -> Any:
        return Unknown(f"local.{name}")

    def module_output(self, module: str, output: str) -> Any:
        return Unknown(f"module.{module}.{output}")

    def note(self, message: str) -> None:
        """Something the reader should tell (a file() that could not be read)."""


def evaluate(expression: Expression, scope: Scope, bindings: Optional[Dict[str, Any]] = None) -> Any:
    """The value of an expression where it is written."""
    evaluator = Evaluator(scope, expression.text, bindings or {})
    try:
        return evaluator.value(expression.node)
    except RecursionError:
        return Unknown(node_text(expression.node, expression.text))


class Evaluator(Caller):
    """Evaluates the nodes of one text (a .tf file, or a template) in a scope, with the names
    bound where it is written (`each`, `count`, a `for` variable, a dynamic block's iterator)."""

    def __init__(self, scope: Scope, text: str, bindings: Dict[str, Any]):
        self.scope = scope
        self.text = text
        self.bindings = bindings
        self.module_dir = scope.module_dir
        self.boundary = scope.boundary

    def note(self, message: str) -> None:
        self.scope.note(message)

    def render_template(self, text: str, variables: Dict[str, Any]) -> Any:
        # a template file sees its variables and nothing else of the configuration
        scope = Scope(self.scope.module_dir, self.scope.root_dir, references=False, boundary=self.boundary)
        return template(text, Evaluator(scope, text, dict(variables)))

    def unknown(self, node: Any) -> Unknown:
        return Unknown(node_text(node, self.text))

    def with_bindings(self, more: Dict[str, Any]) -> Evaluator:
        return Evaluator(self.scope, self.text, {**self.bindings, **more})

    def value(self, node: Any) -> Any:
        handler = _NODES.get(str(node.data)) if hasattr(node, "data") else None
        if handler is None:
            return self.unknown(node)
        return handler(self, node)

    # --- terms -------------------------------------------------------------------------

    def expr_term(self, node: Any) -> Any:
        inner = meaningful_children(node)
        return self.value(inner[0]) if len(inner) == 1 else self.unknown(node)

    def int_lit(self, node: Any) -> Any:
        return int(str(node.children[0]))

    def float_lit(self, node: Any) -> Any:
        return float(str(node.children[0]))

    def literal_value(self, node: Any) -> Any:
        return {"true": True, "false": False, "null": None}[str(node.children[0])]

    def tuple(self, node: Any) -> Any:
        return [self.value(child) for child in meaningful_children(node)]

    def object(self, node: Any) -> Any:
        result: Dict[str, Any] = {}
        for element in meaningful_children(node):
            key_node, value_node = meaningful_children(element)
            result[self.object_key(key_node)] = self.value(value_node)
        return result

    def object_key(self, node: Any) -> str:
        inner = meaningful_children(node)
        if not inner or inner[0].data == "keyword":
            return name_of(node)
        term = inner[0]
        terms = meaningful_children(term) if term.data == "expr_term" else []
        if len(terms) == 1 and terms[0].data == "identifier" and len(term.children) == 1:
            return name_of(terms[0])  # a bare name is the key itself, not a variable
        key = self.value(term)
        return key if isinstance(key, str) else node_text(term, self.text)

    def identifier(self, node: Any) -> Any:
        name = name_of(node)
        return self.bindings[name] if name in self.bindings else Unknown(name)

    def string(self, node: Any) -> Any:
        parts: List[Any] = []
        pieces = [child for child in node.children if hasattr(child, "data")]
        for piece in pieces:
            inner = piece.children[0]
            if not hasattr(inner, "data"):
                token = str(inner)
                if inner.type == "ESCAPED_INTERPOLATION" or inner.type == "ESCAPED_DIRECTIVE":
                    parts.append(token[1:])  # `$${` is a literal `${`, `%%{` a literal `%{`
                else:
                    parts.append(unescape(token))
            elif inner.data == "interpolation":
                parts.append(self.value(meaningful_children(inner)[0]))
            else:  # a template directive (%{ if }, %{ for }): not evaluated
                parts.append(self.unknown(inner))
        if len(parts) == 1 and _keeps_its_value(parts[0]):
            return parts[0]  # "${x}" is the value of x itself
        return concatenate(parts, node_text(node, self.text))

    def heredoc(self, node: Any) -> Any:
        body = heredoc_body(str(node.children[0]))
        if body is None:
            return self.unknown(node)
        return template(body, self)

    def template_string(self, node: Any) -> Any:
        return self.unknown(node)

    # --- operators ---------------------------------------------------------------------

    def conditional(self, node: Any) -> Any:
        condition, if_true, if_false = meaningful_children(node)
        decided = self.value(condition)
        if isinstance(decided, bool):
            return self.value(if_true if decided else if_false)
        return self.unknown(node)

    def binary_op(self, node: Any) -> Any:
        left_node, term = meaningful_children(node)
        operator_node, right_node = meaningful_children(term)
        operator = name_of(operator_node).strip()
        left, right = self.value(left_node), self.value(right_node)
        try:
            return _binary(operator, left, right)
        except (NotStatic, TypeError, ZeroDivisionError):
            return self.unknown(node)

    def unary_op(self, node: Any) -> Any:
        operator = str(node.children[0])
        operand = self.value(meaningful_children(node)[0])
        if operator == "!" and isinstance(operand, bool):
            return not operand
        if operator == "-" and isinstance(operand, (int, float)) and not isinstance(operand, bool):
            return -operand
        return self.unknown(node)

    # --- references --------------------------------------------------------------------

    def traversal(self, node: Any) -> Any:
        base, steps = _flatten(node)
        if base.data == "identifier":
            return self.reference(name_of(base), steps, node)
        return self.apply(self.value(base), steps, node)

    def reference(self, root: str, steps: List[Tuple[str, Any]], node: Any) -> Any:
        if root in self.bindings:
            return self.apply(self.bindings[root], steps, node)
        first = steps[0][1] if _is_attr(steps, 0) else None
        if first is None:
            return self.unknown(node)
        if root == "var":
            return self.apply(self.scope.variable(first), steps[1:], node)
        if root == "local":
            return self.apply(self.scope.local(first), steps[1:], node)
        if root == "path":
            paths = {"module": self.scope.module_dir, "root": self.scope.root_dir, "cwd": self.scope.root_dir}
            return self.apply(paths[first], steps[1:], node) if first in paths else self.unknown(node)
        if root == "terraform":
            return "default" if first == "workspace" and len(steps) == 1 else self.unknown(node)
        if root == "module":
            rest = steps[1 + len(_leading_indexes(steps[1:])):]  # module.m[0].out: one instance
            if not _is_attr(rest, 0):
                return self.unknown(node)
            return self.apply(self.scope.module_output(first, rest[0][1]), rest[1:], node)
        if not self.scope.references or root in _NOT_RESOURCE_TYPES - {"data"}:
            return self.unknown(node)
        if root == "data":
            if not _is_attr(steps, 1):
                return self.unknown(node)
            address = f"{self.scope.prefix}data.{first}.{steps[1][1]}"
            rest = steps[2:]
        else:
            address = f"{self.scope.prefix}{root}.{first}"
            rest = steps[1:]
        leading = _leading_indexes(rest)  # [0], ["key"], [*]: one instance stands for all
        rest = rest[len(leading):]
        splat = next((argument for kind, argument in leading if kind == "splat"), None)
        if splat is not None:  # aws_x.y[*].arn is a list (of one instance here)
            return [_extend(Reference(address), splat + rest)]
        return _extend(Reference(address), rest)

    def apply(self, value: Any, steps: List[Tuple[str, Any]], node: Any) -> Any:
        """Attribute access, indexing and splats on a value."""
        for position, (kind, argument) in enumerate(steps):
            if isinstance(value, Unknown):
                return self.unknown(node)
            if isinstance(value, Reference):
                return _extend(value, steps[position:])
            if kind == "splat":
                items = value if isinstance(value, list) else ([] if value is None else [value])
                mapped = [self.apply(item, argument, node) for item in items]
                return self.apply(mapped, steps[position + 1:], node)
            key = self.value(argument) if kind == "index" else argument
            if isinstance(value, dict) and isinstance(key, str) and key in value:
                value = value[key]
            elif isinstance(value, list) and isinstance(key, int) and not isinstance(key, bool) \
                    and 0 <= key < len(value):
                value = value[key]
            else:
                return self.unknown(node)
        return value

    # --- functions and for expressions -------------------------------------------------

    def function_call(self, node: Any) -> Any:
        parts = meaningful_children(node)
        names = [part for part in parts if part.data == "identifier"]
        if len(names) != 1:  # provider::aws::arn_parse(...): a provider-defined function
            return self.unknown(node)
        name = name_of(names[0])
        argument_nodes = next((meaningful_children(p) for p in parts if p.data == "arguments"), [])
        expands = any(str(token) == "..." for p in parts if p.data == "arguments"
                      for token in p.children if not hasattr(token, "data"))
        if name == "try":
            return next((value for value in (self.value(a) for a in argument_nodes)
                         if not isinstance(value, Unknown)), self.unknown(node))
        function = FUNCTIONS.get(name)
        if function is None:
            return self.unknown(node)
        arguments = [self.value(argument) for argument in argument_nodes]
        if expands:
            if not arguments or not isinstance(arguments[-1], list):
                return self.unknown(node)
            arguments = arguments[:-1] + arguments[-1]
        try:
            return function(self, arguments)
        except (NotStatic, TypeError, ValueError, IndexError, KeyError, re.error):
            return self.unknown(node)

    def for_expression(self, node: Any) -> Any:
        children = meaningful_children(node)
        intro, rest = children[0], children[1:]
        condition = next((part for part in rest if part.data == "for_cond"), None)
        results = [part for part in rest if part.data != "for_cond"]
        grouping = any(str(token) == "..." for token in node.children if not hasattr(token, "data"))
        names = [name_of(part) for part in meaningful_children(intro) if part.data == "identifier"]
        collection_node = [part for part in meaningful_children(intro) if part.data != "identifier"][0]
        collection = self.value(collection_node)
        if isinstance(collection, dict):
            items = [(key, collection[key]) for key in sorted(collection)]
        elif isinstance(collection, list):
            items = list(enumerate(collection))
        else:
            return self.unknown(node)
        if len(items) > MAX_FOR_ITEMS:
            return self.unknown(node)
        tuple_result: List[Any] = []
        object_result: Dict[str, Any] = {}
        for key, item in items:
            bound = {names[0]: key, names[1]: item} if len(names) == 2 else {names[0]: item}
            inner = self.with_bindings(bound)
            if condition is not None:
                keep = inner.value(meaningful_children(condition)[0])
                if not isinstance(keep, bool):
                    return self.unknown(node)
                if not keep:
                    continue
            if node.data == "for_tuple_expr":
                tuple_result.append(inner.value(results[0]))
                continue
            result_key = inner.value(results[0])
            if not isinstance(result_key, str):
                return self.unknown(node)
            result_value = inner.value(results[1])
            if grouping:
                object_result.setdefault(result_key, []).append(result_value)
            else:
                object_result[result_key] = result_value
        return tuple_result if node.data == "for_tuple_expr" else object_result


def _is_attr(steps: List[Tuple[str, Any]], index: int) -> bool:
    return len(steps) > index and steps[index][0] == "attr"


def _leading_indexes(steps: List[Tuple[str, Any]]) -> List[Tuple[str, Any]]:
    """The index and splat steps right after a resource name (`[0]`, `["k"]`, `[*]`)."""
    taken = []
    for step in steps:
        if step[0] == "attr":
            break
        taken.append(step)
    return taken


def _attribute_names(steps: List[Tuple[str, Any]]) -> List[str]:
    """The attribute names of steps, indexes dropped and splats opened: one instance stands
    for all (count, for_each), and an element of a nested block for the block."""
    names: List[str] = []
    for kind, argument in steps:
        if kind == "attr":
            names.append(argument)
        elif kind == "splat":
            names.extend(_attribute_names(argument))
    return names


def _extend(reference: Reference, steps: List[Tuple[str, Any]]) -> Reference:
    """A reference with more attribute steps: `environment[0].variables` -> "environment.variables"."""
    names = _attribute_names(steps)
    if not names:
        return reference
    attribute = ".".join(([reference.attribute] if reference.attribute else []) + names)
    return Reference(reference.address, attribute)


def _flatten(node: Any) -> Tuple[Any, List[Tuple[str, Any]]]:
    """A traversal (`a.b[0].c`, `a[*].b`) as its base node and steps, first step first:
    ("attr", name), ("index", expression node or int), ("splat", [steps])."""
    steps: List[Tuple[str, Any]] = []
    while True:
        if node.data == "expr_term":
            inner = meaningful_children(node)
            if len(inner) != 1 or len(node.children) != 1:
                break  # a parenthesised expression: its value is the base
            node = inner[0]
            continue
        if node.data not in ("get_attr_expr_term", "index_expr_term", "attr_splat_expr_term",
                             "full_splat_expr_term"):
            break
        base, operation = meaningful_children(node)
        if node.data in ("get_attr_expr_term", "index_expr_term"):
            steps.append(_step(operation))
        else:
            steps.append(("splat", [_step(part) for part in meaningful_children(operation)]))
        node = base
    steps.reverse()
    return node, steps


def _step(operation: Any) -> Tuple[str, Any]:
    if operation.data == "get_attr":
        return ("attr", name_of(meaningful_children(operation)[0]))
    if operation.data == "short_index":
        return ("literal-index", int(str(operation.children[-1])))
    return ("index", meaningful_children(operation)[0])


def _binary(operator: str, left: Any, right: Any) -> Any:
    if not (is_literal(left) and is_literal(right)):
        raise NotStatic()
    if operator == "==":
        return left == right
    if operator == "!=":
        return left != right
    if operator in ("&&", "||"):
        if not (isinstance(left, bool) and isinstance(right, bool)):
            raise NotStatic()
        return (left and right) if operator == "&&" else (left or right)
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right)):
        raise NotStatic()
    arithmetic: Dict[str, Callable[[Any, Any], Any]] = {
        "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
        "/": lambda a, b: a / b, "%": lambda a, b: a % b, "<": lambda a, b: a < b,
        ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b,
    }
    if operator not in arithmetic:
        raise NotStatic()
    return arithmetic[operator](left, right)


# --- strings and templates --------------------------------------------------------------

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def unescape(text: str) -> str:
    """The escapes of a quoted HCL string (\\n, \\", \\uNNNN ...); an unknown one is kept."""
    if "\\" not in text:
        return text
    out: List[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        marker = text[index + 1] if index + 1 < len(text) else ""
        if char == "\\" and marker in _ESCAPES:
            out.append(_ESCAPES[marker])
            index += 2
        elif char == "\\" and marker in ("u", "U"):
            width = 4 if marker == "u" else 8
            digits = text[index + 2:index + 2 + width]
            try:
                out.append(chr(int(digits, 16)) if len(digits) == width else text[index:index + 2])
                index += 2 + width if len(digits) == width else 2
            except ValueError:
                out.append(text[index:index + 2])
                index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


_HEREDOC = re.compile(r"<<(-?)([A-Za-z][A-Za-z0-9._-]*)\r?\n")


def heredoc_body(token: str) -> Optional[str]:
    """The text of a heredoc token (`<<EOT ... EOT`, `<<-EOT` with its indentation removed),
    with the newline of its last line, as Terraform gives it."""
    match = _HEREDOC.match(token)
    if match is None:
        return None
    lines = token[match.end():].splitlines(keepends=True)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines or lines[-1].strip() != match.group(2):
        return None
    body = [line.rstrip("\r\n") for line in lines[:-1]]
    if match.group(1):
        indents = [len(line) - len(line.lstrip(" \t")) for line in body if line.strip()]
        cut = min(indents) if indents else 0
        body = [line[cut:] for line in body]
    return "".join(line + "\n" for line in body)


def template(text: str, evaluator: Evaluator) -> Any:
    """A template's value (a heredoc body, a templatefile): literal text, `$${` escapes, and
    `${ expression }` evaluated where the template is; `%{ }` directives are left Unknown."""
    parts: List[Any] = []
    literal: List[str] = []
    index = 0
    while index < len(text):
        if text.startswith(("$${", "%%{"), index):
            literal.append(text[index + 1:index + 3])
            index += 3
            continue
        if text.startswith(("${", "%{"), index):
            end = _closing_brace(text, index + 2)
            if end < 0:
                literal.append(text[index:])
                break
            inner = text[index + 2:end].strip().strip("~").strip()
            parts.append("".join(literal))
            literal = []
            if text[index] == "%":
                parts.append(Unknown(text[index:end + 1]))
            else:
                parsed = parse_expression(inner)
                if parsed is None:
                    parts.append(Unknown(text[index:end + 1]))
                else:
                    nested = Evaluator(evaluator.scope, parsed.text, evaluator.bindings)
                    parts.append(nested.value(parsed.node))
            index = end + 1
            continue
        literal.append(text[index])
        index += 1
    parts.append("".join(literal))
    meaningful = [part for part in parts if part != ""]
    if len(meaningful) == 1 and _keeps_its_value(meaningful[0]):
        return meaningful[0]
    return concatenate(parts, text.strip())


def _keeps_its_value(value: Any) -> bool:
    """Whether a template of one interpolation is that value itself: a reference, a list or an
    object stay what they are; a number or bool becomes its text, as Terraform converts it."""
    return not isinstance(value, (str, int, float, bool))


def _closing_brace(text: str, start: int) -> int:
    """The index of the `}` that closes a `${` whose inside starts at `start` (braces and
    quoted strings inside it skipped), or -1."""
    depth = 0
    index = start
    quoted = False
    while index < len(text):
        char = text[index]
        if quoted:
            if char == "\\":
                index += 1
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return index
            depth -= 1
        index += 1
    return -1


_NODES: Dict[str, Callable[[Evaluator, Any], Any]] = {
    "expr_term": Evaluator.expr_term,
    "int_lit": Evaluator.int_lit,
    "float_lit": Evaluator.float_lit,
    "literal_value": Evaluator.literal_value,
    "tuple": Evaluator.tuple,
    "object": Evaluator.object,
    "identifier": Evaluator.identifier,
    "string": Evaluator.string,
    "heredoc_template": Evaluator.heredoc,
    "heredoc_template_trim": Evaluator.heredoc,
    "template_string": Evaluator.template_string,
    "conditional": Evaluator.conditional,
    "binary_op": Evaluator.binary_op,
    "unary_op": Evaluator.unary_op,
    "get_attr_expr_term": Evaluator.traversal,
    "index_expr_term": Evaluator.traversal,
    "attr_splat_expr_term": Evaluator.traversal,
    "full_splat_expr_term": Evaluator.traversal,
    "function_call": Evaluator.function_call,
    "for_tuple_expr": Evaluator.for_expression,
    "for_object_expr": Evaluator.for_expression,
}
