"""Facts from a Go handler (tree-sitter-go): the package main whose main() hands its handler to
lambda.Start, the other files of that package, and packages of the same module (go.mod) that
it calls; the AWS SDK writes (aws-sdk-go-v2 and v1) each handler run makes, their targets,
S3 keys and the checks that dominate them.

The code is never run, imported or compiled: a small forward evaluator walks the handler's
statements once, in order, with abstract values (loopcheck.code.go_values). Which service a
call writes is read from its input struct's type (`&s3.PutObjectInput{...}`), or from the
client it is called on when the input is not a literal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from loopcheck.code import facts_builder, go_values, inputs, keys, source_files, syntax_trees
from loopcheck.code.facts import AnyText, CodeFacts, Guard, IncomingKey, Lit, Replace, Target
from loopcheck.code.facts_builder import FactsBuilder
from loopcheck.code.go_values import (
    ATTRIBUTES,
    BODY_PATHS,
    KEY,
    MARKER,
    METADATA,
    GoRequest,
    GoValue,
    event_value,
    key_of,
    literal,
    record_field,
    text,
    unknown,
)
from loopcheck.code.guards import first_kind, key_tests, shorten
from loopcheck.code.requests import read_write
from loopcheck.code.syntax_trees import Node, node_text
from loopcheck.code.syntax_trees import field as child
from loopcheck.knowledge.sdk_catalog import BY_API

LANGUAGE = "go"
GRAMMAR = "tree_sitter_go"
MAX_DEPTH = 3  # packages of the module followed away from package main
MAX_CALL_DEPTH = 12  # nested helper calls followed
_EXITS = frozenset({"return_statement", "continue_statement", "break_statement", "goto_statement"})
_EXIT_CALLS = frozenset({"panic", "log.Fatal", "log.Fatalf", "log.Panic", "log.Panicf", "os.Exit"})
_GUARD_KINDS = frozenset({KEY, METADATA, "event-name", "source"})
_VERB = re.compile(r"%[-+# 0]*[0-9]*(?:\.[0-9]+)?[a-zA-Z%]")


# -- source files and packages -----------------------------------------------------------------


@dataclass
class _File:
    display: str
    data: bytes
    root: Node
    imports: Dict[str, str]  # local name -> import path


@dataclass
class _Package:
    folder: Path
    files: List[_File] = field(default_factory=list)
    functions: Dict[str, Tuple[Node, _File]] = field(default_factory=dict)
    methods: Dict[str, List[Tuple[Node, _File]]] = field(default_factory=dict)
    globals: Dict[str, GoValue] = field(default_factory=dict)


def _string(node: Node) -> Optional[str]:
    """The text of a string literal (interpreted or raw), else None."""
    if node.type == "raw_string_literal":
        return node_text(node)[1:-1]
    if node.type != "interpreted_string_literal":
        return None
    raw = node_text(node)[1:-1]
    try:
        return raw.encode("latin-1", "backslashreplace").decode("unicode_escape") if "\\" in raw else raw
    except UnicodeDecodeError:
        return raw


def _imports(root: Node) -> Dict[str, str]:
    found: Dict[str, str] = {}
    for declaration in root.named_children:
        if declaration.type != "import_declaration":
            continue
        for spec in syntax_trees.walk(declaration, 200):
            if spec.type != "import_spec":
                continue
            path_node = child(spec, "path")
            path = _string(path_node) if path_node is not None else None
            if not path:
                continue
            name = child(spec, "name")
            alias = node_text(name) if name is not None else path.rstrip("/").rsplit("/", 1)[-1]
            if alias.startswith("v") and alias[1:].isdigit() and "/" in path:  # .../pkg/v2
                alias = path.rsplit("/", 2)[-2]
            found[alias] = path
    return found


def _package_name(root: Node) -> str:
    for node in root.named_children:
        if node.type == "package_clause":
            return node_text(node.named_children[0]) if node.named_children else ""
    return ""


def _strip(node: Optional[Node]) -> Optional[Node]:
    while node is not None and node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    return node


def _exits(block: Optional[Node]) -> bool:
    """Whether a block always leaves: its last statement returns, continues, breaks or panics."""
    if block is None:
        return False
    statements = [n for n in block.named_children if n.type != "comment"]
    if statements and statements[0].type == "statement_list":
        statements = [n for n in statements[0].named_children if n.type != "comment"]
    if not statements:
        return False
    last = statements[-1]
    if last.type in _EXITS:
        return True
    if last.type == "expression_statement" and last.named_children:
        call = last.named_children[0]
        if call.type == "call_expression":
            return node_text(child(call, "function")) in _EXIT_CALLS
    if last.type == "if_statement":
        other = child(last, "alternative")
        return other is not None and _exits(child(last, "consequence")) and _exits(other)
    return False


# -- the evaluator --------------------------------------------------------------------------------


class _Scope:
    def __init__(self, parent: Optional[_Scope], names: Optional[Dict[str, GoValue]] = None) -> None:
        self.parent = parent
        self.names: Dict[str, GoValue] = {} if names is None else names

    def get(self, name: str) -> Optional[GoValue]:
        scope: Optional[_Scope] = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return None

    def assign(self, name: str, value: GoValue) -> None:
        scope: Optional[_Scope] = self
        while scope is not None:
            if name in scope.names:
                scope.names[name] = value
                return
            scope = scope.parent
        self.names[name] = value


@dataclass
class _Frame:
    scope: _Scope
    package: _Package
    file: _File
    guards: List[Guard]
    depth: int = 0
    returns: List[GoValue] = field(default_factory=list)


@dataclass
class _Pending:
    write: object
    slot: int
    marks: FrozenSet[str]


class _Analysis:
    def __init__(self, builder: FactsBuilder, folder: source_files.CodeFolder) -> None:
        self.builder = builder
        self.folder = folder
        import tree_sitter_go  # the grammar is loaded only when a Go handler is read

        self.parser = syntax_trees.make_parser(tree_sitter_go.language())
        self.packages: Dict[str, _Package] = {}  # import path (or "main") -> package
        self.module: Optional[Tuple[str, Path]] = None  # (module path, its folder)
        self.pending: List[_Pending] = []
        self.active: Set[int] = set()  # functions being evaluated (no recursion)
        self.starts: List[Tuple[GoValue, _Frame]] = []

    # reading ----------------------------------------------------------------------------------

    def parse(self, data: bytes, display: str, tree: object = None) -> Optional[_File]:
        self.builder.parsed(len(data))
        tree = tree if tree is not None else self.parser.parse(data)
        line = syntax_trees.first_syntax_error(tree.root_node)
        if line is not None:
            self.builder.fail(f"{display}:{line}: syntax error")
            return None
        return _File(display, data, tree.root_node, _imports(tree.root_node))

    def load_package(self, package: _Package, files: List[_File]) -> None:
        for source in files:
            package.files.append(source)
            for node in source.root.named_children:
                if node.type == "function_declaration":
                    package.functions[node_text(child(node, "name"))] = (node, source)
                elif node.type == "method_declaration":
                    package.methods.setdefault(node_text(child(node, "name")), []).append((node, source))

    def package_files(self, folder: Path, skip: Optional[Path], package_name: str) -> List[_File]:
        """The other .go files of a package's folder (tests and other packages left out)."""
        found: List[_File] = []
        for path in sorted(folder.glob("*.go")):
            if path.name.endswith("_test.go") or (skip is not None and path == skip):
                continue
            reason = self.folder.why_not_follow(1, len(self.builder.files))
            if reason is not None:
                self.builder.unfollowed(f"{self.folder.display(path)}: not read: {reason}")
                break
            resolved, escapes = self.folder.first_file([path])
            if resolved is None:
                continue
            display = self.folder.display(resolved)
            data, problem = source_files.read_bytes(resolved, display)
            if data is None:
                self.builder.unfollowed(problem or f"{display}: not read")
                continue
            tree = self.parser.parse(data)
            if package_name and _package_name(tree.root_node) != package_name:
                continue
            self.builder.read_file(display, len(data))
            parsed = self.parse(data, display, tree)
            if parsed is not None:
                found.append(parsed)
        return found

    def find_module(self, start: Path) -> None:
        folder = start
        while self.folder.inside(folder):
            mod = folder / "go.mod"
            if mod.is_file():
                text_found, _ = source_files.read_text(mod, str(mod))
                match = re.search(r"^\s*module\s+(\S+)", text_found or "", re.M)
                if match:
                    self.module = (match.group(1).strip('"'), folder)
                return
            if folder.parent == folder:
                return
            folder = folder.parent

    def imported_package(self, path: str, frame: _Frame, line: int) -> Optional[_Package]:
        """A package of the same module, read on first use."""
        if path in self.packages:
            return self.packages[path]
        if self.module is None or not (path == self.module[0] or path.startswith(self.module[0] + "/")):
            return None
        depth = frame.depth // MAX_CALL_DEPTH + 1
        folder = self.module[1] / path[len(self.module[0]) :].lstrip("/")
        package = _Package(folder)
        self.packages[path] = package
        reason = self.folder.why_not_follow(depth, len(self.builder.files))
        resolved, escapes = self.folder.first_file([folder], folder)
        if reason is None and (resolved is None or escapes):
            reason = source_files.LEAVES_FOLDER if escapes else source_files.NOT_IN_FOLDER
        if reason is not None:
            self.builder.unfollowed(
                f"{frame.file.display}:{line}: " + source_files.import_not_followed(path, reason)
            )
            return package
        name = path.rstrip("/").rsplit("/", 1)[-1]
        files = self._named_package_files(folder, name)
        self.load_package(package, files)
        self.init_globals(package)
        return package

    def _named_package_files(self, folder: Path, name: str) -> List[_File]:
        """A folder's package, whatever its package clause says (usually the folder's name)."""
        names = set()
        for path in sorted(folder.glob("*.go")):
            if not path.name.endswith("_test.go"):
                head, _ = source_files.read_bytes(path, str(path))
                match = re.search(rb"^\s*package\s+(\w+)", head or b"", re.M)
                if match:
                    names.add(match.group(1).decode())
        chosen = name if name in names or not names else sorted(names)[0]
        return self.package_files(folder, None, chosen)

    # globals, main and the handler --------------------------------------------------------------

    def init_globals(self, package: _Package) -> None:
        scope = _Scope(None, package.globals)
        for source in package.files:
            frame = _Frame(scope, package, source, [])
            for node in source.root.named_children:
                if node.type in ("var_declaration", "const_declaration"):
                    self.statement(node, frame)
        for name in ("init",):
            found = package.functions.get(name)
            if found is not None:
                self.call_function(
                    GoValue("function", node=found[0], owner=(package, found[1], scope)),
                    [],
                    None,
                    _Frame(scope, package, found[1], []),
                )

    def run(self, package: _Package, function_name: str) -> None:
        self.packages["main"] = package
        self.init_globals(package)
        scope = _Scope(None, package.globals)
        main = package.functions.get("main")
        if main is not None:
            frame = _Frame(scope, package, main[1], [])
            self.call_function(
                GoValue("function", node=main[0], owner=(package, main[1], scope)), [], None, frame
            )
        handlers = [start for start in self.starts if start[0].kind == "function"]
        if not handlers and function_name in package.functions:
            node, source = package.functions[function_name]
            handlers = [
                (
                    GoValue("function", node=node, owner=(package, source, scope)),
                    _Frame(scope, package, source, []),
                )
            ]
        if not handlers:
            self.builder.fail(
                f"{package.files[0].display}: no handler found (no lambda.Start call in package main)"
            )
            return
        for handler, frame in handlers:
            self.call_function(handler, None, None, frame)
        self.flush()

    def flush(self) -> None:
        for item in self.pending:
            # What the write sets, whether or not this function tests it (facts.Write.marks): the
            # shared request reading's marks and the body fields only the Go evaluator follows.
            marks = tuple(sorted(set(item.write.marks) | item.marks))  # type: ignore[attr-defined]
            write = replace(item.write, marks=marks) if marks else item.write  # type: ignore[type-var]
            self.builder.write(write, item.slot)  # type: ignore[arg-type]

    # functions --------------------------------------------------------------------------------

    def call_function(
        self, function: GoValue, args: Optional[List[GoValue]], receiver: Optional[GoValue], caller: _Frame
    ) -> GoValue:
        """Evaluate a function's body with its parameters bound; `args` None: the handler (its
        non-context parameter is the event)."""
        node = function.node
        owner = function.owner
        if not isinstance(owner, tuple) or node is None or id(node) in self.active:
            return unknown("a recursive call")
        if caller.depth >= MAX_CALL_DEPTH:
            self.builder.incomplete(f"{caller.file.display}: calls nested more than {MAX_CALL_DEPTH} deep")
            return unknown("a call too deep to follow")
        package, source, closure = owner
        scope = _Scope(closure)
        receiver = function.bound[0] if receiver is None and function.bound else receiver
        frame = _Frame(scope, package, source, list(caller.guards), caller.depth + 1)
        if receiver is not None:
            receiver_node = child(node, "receiver")
            for declaration in receiver_node.named_children if receiver_node is not None else ():
                name = child(declaration, "name")
                if name is not None:
                    scope.names[node_text(name)] = receiver
        position = 0
        parameters = child(node, "parameters")
        for declaration in parameters.named_children if parameters is not None else ():
            type_node = child(declaration, "type")
            type_text = node_text(type_node)
            names = [n for n in declaration.children_by_field_name("name")] or [None]
            for name in names:
                if args is None:
                    value = unknown("the context") if type_text.endswith("context.Context") else event_value(())
                elif position < len(args):
                    value = args[position]
                else:
                    value = self.typed(type_text, frame)
                position += 1
                if name is not None:
                    scope.names[node_text(name)] = value
        body = child(node, "body")
        self.active.add(id(node))
        try:
            if body is not None:
                self.block(body, frame)
        finally:
            self.active.discard(id(node))
        if len(frame.returns) == 1:
            return frame.returns[0]
        if frame.returns and all(r == frame.returns[0] for r in frame.returns):
            return frame.returns[0]
        return unknown("a value returned by a helper")

    def typed(self, type_text: str, frame: _Frame) -> GoValue:
        """A parameter known only by its type: an SDK input struct or client keeps its service."""
        bare = type_text.lstrip("*&[]")
        package, _, name = bare.partition(".")
        service = self.service_of(frame.file.imports.get(package, ""))
        if service and name.endswith("Input"):
            return GoValue("record", type_name=f"{service}.{name}", open=True, why=f"a {bare} parameter")
        if service and name in ("Client", "Uploader") or name.endswith("API"):
            return GoValue("client", service=service or "", why=f"a {bare}")
        return unknown(f"a parameter of type {bare}")

    @staticmethod
    def service_of(path: str) -> str:
        for prefix in go_values.SDK_PREFIXES:
            if path.startswith(prefix):
                return go_values.SERVICE_PACKAGES.get(path[len(prefix) :], "")
        return ""

    # statements ----------------------------------------------------------------------------------

    def block(self, node: Node, frame: _Frame) -> None:
        saved = len(frame.guards)
        for statement in node.named_children:
            if statement.type == "statement_list":
                self.block(statement, frame)
                continue
            self.statement(statement, frame)
        del frame.guards[saved:]

    def statement(self, node: Node, frame: _Frame) -> None:
        self.builder.budget.tick()
        kind = node.type
        if kind in ("expression_statement", "go_statement", "defer_statement"):
            for part in node.named_children:
                self.expr(part, frame)
        elif kind == "short_var_declaration":
            self.assign(child(node, "left"), child(node, "right"), frame, declare=True)
        elif kind == "assignment_statement":
            operator = node_text(child(node, "operator")) or "="
            if operator == "+=":
                left = child(node, "left")
                targets = left.named_children if left is not None else []
                right = child(node, "right")
                values = [self.expr(n, frame) for n in right.named_children] if right is not None else []
                if len(targets) == 1 and values:
                    current = self.expr(targets[0], frame)
                    self.bind(targets[0], self.plus(current, values[0]), frame, False)
            else:
                self.assign(child(node, "left"), child(node, "right"), frame, declare=False)
        elif kind in ("var_declaration", "const_declaration"):
            for spec in syntax_trees.walk(node, 1000):
                if spec.type in ("var_spec", "const_spec"):
                    self.var_spec(spec, frame)
        elif kind == "if_statement":
            self.if_statement(node, frame)
        elif kind == "for_statement":
            self.for_statement(node, frame)
        elif kind in ("expression_switch_statement", "type_switch_statement", "select_statement"):
            self.switch(node, frame)
        elif kind == "block":
            self.block(node, frame)
        elif kind == "labeled_statement":
            for part in node.named_children[1:]:
                self.statement(part, frame)
        elif kind == "return_statement":
            values = [
                self.expr(n, frame)
                for n in (node.named_children[0].named_children if node.named_children else [])
            ]
            if values:
                frame.returns.append(values[0])
        elif kind in ("inc_statement", "dec_statement", "send_statement"):
            for part in node.named_children:
                self.expr(part, frame)

    def var_spec(self, spec: Node, frame: _Frame) -> None:
        names = spec.children_by_field_name("name")
        value_node = child(spec, "value")
        type_text = node_text(child(spec, "type"))
        values = [self.expr(n, frame) for n in value_node.named_children] if value_node is not None else []
        for index, name in enumerate(names):
            if index < len(values):
                value = values[index]
            elif type_text:
                value = self.typed(type_text, frame)
            else:
                value = unknown("a value not given")
            frame.scope.names[node_text(name)] = value

    def assign(self, left: Optional[Node], right: Optional[Node], frame: _Frame, declare: bool) -> None:
        if left is None or right is None:
            return
        targets = left.named_children
        sources = right.named_children
        values = [self.expr(n, frame) for n in sources]
        if len(sources) == 1 and len(targets) > 1:
            first = values[0] if values else unknown("")
            source = _strip(sources[0])
            comma_ok = source is not None and source.type in ("index_expression", "type_assertion_expression")
            second = unknown("a second result", origins=first.origins if comma_ok else frozenset())
            values = [first, second] + [unknown("a further result")] * (len(targets) - 2)
        for target, value in zip(targets, values):
            self.bind(target, value, frame, declare)

    def bind(self, target: Node, value: GoValue, frame: _Frame, declare: bool) -> None:
        target = _strip(target) or target
        if target.type == "identifier":
            name = node_text(target)
            if name == "_":
                return
            if declare and name not in frame.scope.names:
                frame.scope.names[name] = value
            else:
                frame.scope.assign(name, value)
            return
        if target.type in ("index_expression", "selector_expression"):
            base_node = child(target, "operand")
            base = self.expr(base_node, frame) if base_node is not None else unknown("")
            if target.type == "index_expression":
                index = child(target, "index")
                name_value = self.expr(index, frame) if index is not None else unknown("")
                name = name_value.text.text if isinstance(name_value.text, Lit) else None
            else:
                name_value = literal(node_text(child(target, "field")))
                name = node_text(child(target, "field"))
            if name is None or base_node is None:
                return
            updated = base
            if base.kind == "record":
                kept = tuple(
                    e for e in base.entries if not (isinstance(e[0].text, Lit) and e[0].text.text == name)
                )
                updated = replace(base, entries=kept + ((name_value, value),))
            updated = replace(updated, marks=updated.marks | {f"body.{name}"})
            self.bind(base_node, updated, frame, False)

    def if_statement(self, node: Node, frame: _Frame) -> None:
        initializer = child(node, "initializer")
        if initializer is not None:
            self.statement(initializer, frame)
        condition = child(node, "condition")
        consequence = child(node, "consequence")
        alternative = child(node, "alternative")
        held = self.guards_of(condition, frame, True) if condition is not None else []
        failed = self.guards_of(condition, frame, False) if condition is not None else []
        before = dict(frame.scope.names)
        saved = len(frame.guards)
        frame.guards.extend(held)
        if consequence is not None:
            self.block(consequence, frame)
        del frame.guards[saved:]
        frame.guards.extend(failed)
        if alternative is not None:
            self.statement(alternative, frame)
        del frame.guards[saved:]
        for name, value in before.items():  # a value set in one branch only: keep the one before
            if frame.scope.names.get(name) != value and value.kind != "unknown":
                frame.scope.names[name] = value
        if alternative is None and _exits(consequence):
            frame.guards.extend(failed)  # the rest of the block runs only when the check failed

    def for_statement(self, node: Node, frame: _Frame) -> None:
        for part in node.named_children:
            if part.type == "range_clause":
                right = child(part, "right")
                collection = self.expr(right, frame) if right is not None else unknown("")
                left = child(part, "left")
                names = left.named_children if left is not None else []
                item = self.item_of(collection)
                if len(names) >= 2:
                    self.bind(names[0], unknown("an index"), frame, True)
                    self.bind(names[1], item, frame, True)
                elif names:
                    self.bind(
                        names[0], unknown("an index") if collection.kind != "record" else item, frame, True
                    )
            elif part.type == "for_clause":
                initializer = child(part, "initializer")
                if initializer is not None:
                    self.statement(initializer, frame)
        body = child(node, "body")
        if body is not None:
            self.block(body, frame)

    def item_of(self, collection: GoValue) -> GoValue:
        if collection.kind == "event" and collection.path is not None:
            return event_value(collection.path + (inputs.ANY_ITEM,), collection.origins)
        if collection.kind == "list" and collection.elements:
            return collection.elements[0]
        if collection.kind == "record" and collection.entries:
            return collection.entries[0][1]
        return unknown("an item of a collection", origins=collection.origins)

    def switch(self, node: Node, frame: _Frame) -> None:
        initializer = child(node, "initializer")
        if initializer is not None:
            self.statement(initializer, frame)
        value_node = child(node, "value")
        subject = self.expr(value_node, frame) if value_node is not None else None
        for case in node.named_children:
            if case.type not in ("expression_case", "default_case", "type_case", "communication_case"):
                continue
            saved = len(frame.guards)
            if subject is not None:
                frame.guards.extend(self.value_guards(subject, case, frame))
            for statement in case.named_children:
                if statement.type in ("statement_list", "block"):
                    self.block(statement, frame)
                elif statement.type not in ("expression_list", "type_identifier", "qualified_type"):
                    self.statement(statement, frame)
            del frame.guards[saved:]

    # guards ----------------------------------------------------------------------------------

    def guards_of(self, condition: Node, frame: _Frame, holds: bool) -> List[Guard]:
        origins, alternatives, negated = self.test(condition, frame)
        return self.make_guards(origins, alternatives, negated, holds, condition, frame)

    def value_guards(self, subject: GoValue, case: Node, frame: _Frame) -> List[Guard]:
        return self.make_guards(subject.origins, None, False, True, case, frame)

    def make_guards(
        self,
        origins: FrozenSet[str],
        alternatives: Optional[List[keys.KeyOperation]],
        negated: bool,
        holds: bool,
        node: Node,
        frame: _Frame,
    ) -> List[Guard]:
        markers = sorted(o[len(MARKER) :] for o in origins if o.startswith(MARKER))
        kind = first_kind(o for o in origins if o in _GUARD_KINDS) or ("marker" if markers else None)
        if kind is None:
            return []
        line = node.start_point[0] + 1
        shown = shorten(" ".join(node_text(node).split()))
        if kind == "key" and alternatives:
            return [
                Guard("key", line, shown, test, file=frame.file.display)
                for test in key_tests(alternatives, holds != negated)
            ]
        return [
            Guard(kind, line, shown, file=frame.file.display, marker=markers[0] if kind == "marker" else "")
        ]

    def test(self, node: Node, frame: _Frame) -> Tuple[FrozenSet[str], Optional[List[keys.KeyOperation]], bool]:
        """(origins read, the key tests it makes when it is one, negated)."""
        node = _strip(node) or node
        if node.type == "unary_expression" and node_text(child(node, "operator")) == "!":
            origins, alternatives, negated = self.test(child(node, "operand"), frame)
            return origins, alternatives, not negated
        if node.type == "binary_expression":
            operator = node_text(child(node, "operator"))
            left, right = child(node, "left"), child(node, "right")
            if operator in ("||", "&&"):
                first, second = self.test(left, frame), self.test(right, frame)
                origins = first[0] | second[0]
                both = first[1] is not None and second[1] is not None and first[2] == second[2]
                # a || b: either holds; !a && !b: neither holds (the same alternatives, negated)
                if both and ((operator == "||") != first[2]):
                    return origins, (first[1] or []) + (second[1] or []), first[2]
                return origins, None, False
            if operator in ("==", "!="):
                found = self.extension_test(left, right, frame) or self.extension_test(right, left, frame)
                if found is not None:
                    return found[0], [found[1]], operator == "!="
        value = self.expr(node, frame)
        operation = self.key_operation(node, frame)
        return value.origins, ([operation] if operation is not None else None), False

    def extension_test(self, call: Optional[Node], other: Optional[Node], frame: _Frame):
        """`path.Ext(key) == ".jpg"`: an endswith test."""
        call = _strip(call)
        if call is None or other is None or call.type != "call_expression":
            return None
        if self.qualified(child(call, "function"), frame) not in ("path.Ext", "path/filepath.Ext"):
            return None
        args = self.arg_nodes(call)
        suffix = _string(_strip(other) or other)
        if len(args) != 1 or suffix is None:
            return None
        value = self.expr(args[0], frame)
        if not isinstance(value.text, IncomingKey):
            return None
        return value.origins, ("endswith", suffix)

    def key_operation(self, node: Node, frame: _Frame) -> Optional[keys.KeyOperation]:
        if node.type != "call_expression":
            return None
        function = child(node, "function")
        name = self.qualified(function, frame)
        args = self.arg_nodes(node)
        operations = {
            "strings.HasPrefix": "startswith",
            "strings.HasSuffix": "endswith",
            "strings.Contains": "contains",
        }
        if name in operations and len(args) == 2:
            subject, pattern = self.expr(args[0], frame), self.expr(args[1], frame)
            if isinstance(subject.text, IncomingKey) and isinstance(pattern.text, Lit):
                return operations[name], pattern.text.text
            return None
        pattern_value: Optional[GoValue] = None
        subject_node: Optional[Node] = None
        if name == "regexp.MatchString" and len(args) == 2:
            pattern_value, subject_node = self.expr(args[0], frame), args[1]
        elif (
            function is not None
            and function.type == "selector_expression"
            and len(args) == 1
            and node_text(child(function, "field")) in ("MatchString", "Match")
        ):
            receiver = self.expr(child(function, "operand"), frame)
            if receiver.kind == "regex":
                pattern_value, subject_node = receiver, args[0]
        if pattern_value is None or subject_node is None or not isinstance(pattern_value.text, Lit):
            return None
        if not isinstance(self.expr(subject_node, frame).text, IncomingKey):
            return None
        pattern = pattern_value.text.text
        ignore_case = pattern.startswith("(?i)")
        return keys.regex_test(pattern, ignore_case=ignore_case)

    # expressions ---------------------------------------------------------------------------------

    @staticmethod
    def arg_nodes(call: Node) -> List[Node]:
        arguments = child(call, "arguments")
        return [n for n in arguments.named_children if n.type != "comment"] if arguments is not None else []

    def qualified(self, function: Optional[Node], frame: _Frame) -> str:
        """`pkg.Name` as `<import path>.Name` when pkg is an import not shadowed, else ""."""
        if function is None or function.type != "selector_expression":
            return ""
        operand = child(function, "operand")
        if operand is None or operand.type != "identifier":
            return ""
        alias = node_text(operand)
        if frame.scope.get(alias) is not None or alias not in frame.file.imports:
            return ""
        return f"{frame.file.imports[alias]}.{node_text(child(function, 'field'))}"

    def expr(self, node: Optional[Node], frame: _Frame) -> GoValue:
        self.builder.budget.tick()
        node = _strip(node)
        if node is None:
            return unknown("")
        kind = node.type
        if kind in ("interpreted_string_literal", "raw_string_literal"):
            found = _string(node)
            return literal(found) if found is not None else unknown("a string")
        if kind == "int_literal":
            try:
                return GoValue("number", number=int(node_text(node).replace("_", ""), 0))
            except ValueError:
                return unknown("a number")
        if kind in ("true", "false", "nil", "float_literal", "rune_literal"):
            return GoValue("number", why=node_text(node))
        if kind == "identifier":
            return self.identifier(node, frame)
        if kind == "selector_expression":
            return self.selector(node, frame)
        if kind == "index_expression":
            return self.index(node, frame)
        if kind == "slice_expression":
            return self.slice(node, frame)
        if kind == "call_expression":
            return self.call(node, frame)
        if kind == "binary_expression":
            left, right = self.expr(child(node, "left"), frame), self.expr(child(node, "right"), frame)
            if node_text(child(node, "operator")) == "+":
                return self.plus(left, right)
            return unknown("a comparison", origins=left.origins | right.origins)
        if kind == "unary_expression":
            return self.expr(child(node, "operand"), frame)
        if kind == "composite_literal":
            return self.composite(child(node, "type"), child(node, "body"), frame)
        if kind == "func_literal":
            return GoValue("function", node=node, owner=(frame.package, frame.file, frame.scope))
        if kind in ("type_assertion_expression", "type_conversion_expression"):
            return self.expr(child(node, "operand"), frame)
        return unknown(f"a {kind.replace('_', ' ')}")

    def identifier(self, node: Node, frame: _Frame) -> GoValue:
        name = node_text(node)
        found = frame.scope.get(name)
        if found is not None:
            return found
        if name in frame.package.globals:
            return frame.package.globals[name]
        if name in frame.package.functions:
            function_node, source = frame.package.functions[name]
            return GoValue(
                "function",
                node=function_node,
                owner=(frame.package, source, _Scope(None, frame.package.globals)),
            )
        return unknown(f"{name}, not followed")

    def selector(self, node: Node, frame: _Frame) -> GoValue:
        name = node_text(child(node, "field"))
        qualified = self.qualified(node, frame)
        if qualified:
            if qualified == go_values.LAMBDA_CONTEXT_PACKAGE + ".FunctionName":
                return GoValue("text", text=AnyText("the function's name"), target=Target("self"))
            package = self.imported_package(qualified.rsplit(".", 1)[0], frame, node.start_point[0] + 1)
            if package is not None and name in package.globals:
                return package.globals[name]
            return unknown(node_text(node))
        base = self.expr(child(node, "operand"), frame)
        if base.kind == "event" and base.path is not None:
            return self.event_part(base, name, name)
        if base.kind == "head" and name == "Metadata":
            return GoValue("record", open=True, origins=frozenset({METADATA}), why="the object's user metadata")
        if base.kind == "record":
            found = record_field(base, name)
            if found is not None and found.kind != "unknown":
                return found
        methods = frame.package.methods.get(name, [])
        if len(methods) == 1:  # a method value: `lambda.Start(h.Handle)`
            method_node, source = methods[0]
            return GoValue(
                "function",
                node=method_node,
                bound=(base,),
                owner=(frame.package, source, _Scope(None, frame.package.globals)),
            )
        if base.kind == "record" and found is not None:
            return found
        return unknown(f"{node_text(node)}, not followed", origins=base.origins)

    def event_part(self, base: GoValue, go_name: str, name: str) -> GoValue:
        assert base.path is not None
        origins = base.origins
        if base.path in BODY_PATHS:
            origins = origins | {f"{MARKER}body.{name}"}
        elif base.path[-1:] == (ATTRIBUTES,):
            origins = origins | {f"{MARKER}attribute.{name}"}
        return event_value(base.path + (go_values.event_field(go_name),), origins)

    def index(self, node: Node, frame: _Frame) -> GoValue:
        base = self.expr(child(node, "operand"), frame)
        index = self.expr(child(node, "index"), frame)
        name = index.text.text if isinstance(index.text, Lit) else None
        if base.kind == "event" and base.path is not None:
            if name is not None:
                return self.event_part(base, name, name)
            return event_value(base.path + (inputs.ANY_ITEM,), base.origins)
        if METADATA in base.origins and name is not None:
            return unknown("user metadata", origins=base.origins | {f"{MARKER}metadata.{name}"})
        if base.kind == "list" and index.kind == "number" and index.number is not None:
            if 0 <= index.number < len(base.elements):
                return base.elements[index.number]
        if base.kind == "record" and name is not None:
            found = record_field(base, name)
            if found is not None:
                return found
        return unknown("an indexed value", origins=base.origins)

    def number(self, node: Optional[Node], frame: _Frame) -> Optional[int]:
        if node is None:
            return None
        value = self.expr(node, frame)
        return value.number if value.kind == "number" else None

    def slice(self, node: Node, frame: _Frame) -> GoValue:
        base = self.expr(child(node, "operand"), frame)
        start_node, end_node = child(node, "start"), child(node, "end")
        start = self.number(start_node, frame) if start_node is not None else 0
        end = self.number(end_node, frame) if end_node is not None else None
        if base.text is None or start is None or (end_node is not None and end is None):
            return unknown("a slice", origins=base.origins)
        return text(keys.sliced(base.text, start, end), base.origins, marks=base.marks)

    def plus(self, left: GoValue, right: GoValue) -> GoValue:
        if (
            left.kind == "number"
            and right.kind == "number"
            and left.number is not None
            and right.number is not None
        ):
            return GoValue("number", number=left.number + right.number)
        if left.text is None and right.text is None:
            return unknown("a sum", origins=left.origins | right.origins)
        return text(keys.concat([key_of(left), key_of(right)]), left.origins | right.origins)

    def composite(self, type_node: Optional[Node], body: Optional[Node], frame: _Frame) -> GoValue:
        """A struct, map or slice literal; `type_node` None: an element whose type the
        enclosing literal gives (decided by its shape)."""
        type_node = (
            type_node.named_children[-1]
            if type_node is not None and type_node.type == "pointer_type" and type_node.named_children
            else type_node
        )
        type_kind = type_node.type if type_node is not None else ""
        element_type: Optional[Node] = None
        if type_kind in ("slice_type", "array_type", "implicit_length_array_type"):
            element_type = child(type_node, "element")
        elif type_kind == "map_type":
            element_type = child(type_node, "value")
        type_name = self.type_name(type_node, frame)
        if body is None:
            return GoValue("record", type_name=type_name)
        elements = [n for n in body.named_children if n.type in ("keyed_element", "literal_element")]
        keyed = any(n.type == "keyed_element" for n in elements)
        if type_kind in ("slice_type", "array_type", "implicit_length_array_type") or (
            not keyed and elements and type_kind == ""
        ):
            items = tuple(self.element(n, element_type, frame) for n in elements)
            return GoValue("list", elements=items, type_name=type_name)
        entries = []
        for element in elements:
            if element.type != "keyed_element":
                continue
            parts = element.named_children
            if len(parts) < 2:
                continue
            key_node = (
                parts[0].named_children[0]
                if parts[0].type == "literal_element" and parts[0].named_children
                else parts[0]
            )
            if type_kind != "map_type" and key_node.type in ("identifier", "field_identifier"):
                key = literal(node_text(key_node))
            else:
                key = self.expr(key_node, frame)
            entries.append((key, self.element(parts[1], element_type, frame)))
        return GoValue("record", entries=tuple(entries), type_name=type_name)

    def element(self, node: Node, element_type: Optional[Node], frame: _Frame) -> GoValue:
        inner = node.named_children[0] if node.type == "literal_element" and node.named_children else node
        if inner.type == "literal_value":
            return self.composite(element_type, inner, frame)
        return self.expr(inner, frame)

    def type_name(self, type_node: Optional[Node], frame: _Frame) -> str:
        if type_node is None or type_node.type != "qualified_type":
            return ""
        package = node_text(child(type_node, "package"))
        service = self.service_of(frame.file.imports.get(package, ""))
        return f"{service}.{node_text(child(type_node, 'name'))}" if service else ""

    # calls ---------------------------------------------------------------------------------------

    def call(self, node: Node, frame: _Frame) -> GoValue:
        function = _strip(child(node, "function"))
        arg_nodes = self.arg_nodes(node)
        if function is None:
            return unknown("a call")
        if function.type in ("slice_type", "array_type") or node_text(function) in ("string", "[]byte"):
            return self.expr(arg_nodes[0], frame) if arg_nodes else unknown("a conversion")
        qualified = self.qualified(function, frame)
        if qualified:
            return self.package_call(qualified, node, arg_nodes, frame)
        args = [self.expr(n, frame) for n in arg_nodes]
        if function.type == "identifier":
            name = node_text(function)
            if frame.scope.get(name) is None and name not in frame.package.globals:
                builtin = self.builtin(name, args)
                if builtin is not None:
                    return builtin
            callee = self.identifier(function, frame)
            if callee.kind == "function":
                return self.call_function(callee, args, None, frame)
            return self.other_call(args, None, node, frame)
        if function.type == "func_literal":
            return self.call_function(self.expr(function, frame), args, None, frame)
        if function.type == "selector_expression":
            method = node_text(child(function, "field"))
            receiver = self.expr(child(function, "operand"), frame)
            written = self.sdk_call(method, receiver, args, node, frame)
            if written is not None:
                return written
            if receiver.kind == "record" and record_field(receiver, method) is not None:
                callee = record_field(receiver, method)
                if callee is not None and callee.kind == "function":
                    return self.call_function(callee, args, None, frame)
            methods = frame.package.methods.get(method, [])
            if len(methods) == 1:
                method_node, source = methods[0]
                callee = GoValue(
                    "function",
                    node=method_node,
                    owner=(frame.package, source, _Scope(None, frame.package.globals)),
                )
                return self.call_function(callee, args, receiver, frame)
            return self.other_call(args, receiver, node, frame)
        return self.other_call(args, None, node, frame)

    def builtin(self, name: str, args: List[GoValue]) -> Optional[GoValue]:
        if name == "len" and args:
            if isinstance(args[0].text, Lit):
                return GoValue("number", number=len(args[0].text.text.encode("utf-8")))
            if args[0].kind == "list":
                return GoValue("number", number=len(args[0].elements))
            return unknown("a length")
        if name == "append" and args:
            base = args[0]
            items = base.elements if base.kind == "list" else ()
            return GoValue("list", elements=items + tuple(args[1:]), marks=base.marks)
        if name in ("make", "new"):
            return GoValue("record", open=True, why="a value made at run time")
        return None

    def other_call(
        self, args: List[GoValue], receiver: Optional[GoValue], node: Node, frame: _Frame
    ) -> GoValue:
        """A call the analyser does not model: function literals handed to it are run (a
        callback may be called), and a changing argument makes the result change too."""
        for value in args:
            if value.kind == "function" and getattr(value.node, "type", "") == "func_literal":
                self.call_function(value, [], None, frame)
        parts = args + ([receiver] if receiver is not None else [])
        origins = frozenset().union(*(p.origins for p in parts)) if parts else frozenset()
        if any(go_values.is_changing(p) for p in parts):
            return go_values.changing(node_text(node)[:60])
        return unknown(f"{shorten(node_text(child(node, 'function')), 40)}(...), not followed", origins=origins)

    def package_call(self, qualified: str, node: Node, arg_nodes: List[Node], frame: _Frame) -> GoValue:
        path, _, name = qualified.rpartition(".")
        last = path.rsplit("/", 1)[-1]
        line = node.start_point[0] + 1
        if path == "encoding/json" and name == "Unmarshal" and len(arg_nodes) == 2:
            source = self.expr(arg_nodes[0], frame)
            target = _strip(arg_nodes[1])
            if target is not None and target.type == "unary_expression":
                target = child(target, "operand")
            if target is not None:
                parsed = (
                    event_value(source.path, source.origins)
                    if source.kind == "event" and source.path
                    else GoValue("record", open=True, origins=source.origins, why="unmarshalled JSON")
                )
                self.bind(target, parsed, frame, False)
            return unknown("an error")
        args = [self.expr(n, frame) for n in arg_nodes]
        first = args[0] if args else unknown("no argument")
        if path == go_values.RUNTIME_PACKAGE and name in go_values.START_FUNCTIONS:
            handler = next((a for a in args if a.kind == "function"), None)
            if handler is None:
                handler = self.function_inside(arg_nodes, frame)
            if handler is not None:
                self.starts.append((handler, frame))
            return unknown("lambda.Start")
        if path == "os" and name in ("Getenv", "LookupEnv") and isinstance(first.text, Lit):
            variable = first.text.text
            return text(inputs.env_text(variable), target=inputs.env_target(variable))
        if path == "encoding/json" and name in ("Marshal", "MarshalIndent"):
            marks = first.marks
            if first.kind == "record":
                marks = marks | frozenset(
                    f"body.{k.text.text}" for k, _ in first.entries if isinstance(k.text, Lit)
                )
            return unknown("JSON text", marks=marks)
        if last == "aws" and path.startswith(go_values.SDK_PREFIXES) and args:
            return first  # aws.String(x), aws.ToString(x), aws.StringValue(x) ...
        service = self.service_of(path)
        if service and name in go_values.CLIENT_CONSTRUCTORS:
            return GoValue("client", service=service, why=f"a {last} client")
        if path == "strings":
            return self.strings_call(name, args, frame)
        if path in ("path", "path/filepath"):
            if name == "Base" and first.text is not None:
                return text(keys.basename(first.text), first.origins)
            if name == "Ext" and first.text is not None:
                return GoValue("extension", elements=(first,), origins=first.origins, why=f"{last}.Ext(...)")
            if name == "Join" and all(a.text is not None for a in args):
                return text(
                    keys.separated("/", [a.text for a in args if a.text is not None]),
                    frozenset().union(*(a.origins for a in args)),
                )
            return unknown(f"{last}.{name}(...)", origins=first.origins)
        if path == "net/url" and name in ("QueryUnescape", "PathUnescape"):
            return first
        if path == "fmt" and name == "Sprintf":
            return self.sprintf(args)
        if path == "fmt" and name == "Sprint" and all(a.text is not None for a in args):
            return text(keys.concat([a.text for a in args if a.text is not None]))
        if path == "regexp" and name in ("MustCompile", "Compile") and isinstance(first.text, Lit):
            return GoValue("regex", text=first.text)
        if f"{last}.{name}" in go_values.CHANGING_CALLS:
            return go_values.changing(f"{last}.{name}()")
        package = self.imported_package(path, frame, line)
        if package is not None and name in package.functions:
            function_node, source = package.functions[name]
            callee = GoValue(
                "function", node=function_node, owner=(package, source, _Scope(None, package.globals))
            )
            return self.call_function(callee, args, None, replace(frame, guards=frame.guards))
        return self.other_call(args, None, node, frame)

    def function_inside(self, arg_nodes: List[Node], frame: _Frame) -> Optional[GoValue]:
        """lambda.Start(wrap(handler)): the function a wrapper is given."""
        for node in arg_nodes:
            for part in syntax_trees.walk(node, 200):
                if part.type in ("identifier", "func_literal"):
                    value = self.expr(part, frame)
                    if value.kind == "function":
                        return value
        return None

    def strings_call(self, name: str, args: List[GoValue], frame: _Frame) -> GoValue:
        first = args[0] if args else unknown("no argument")
        origins = frozenset().union(*(a.origins for a in args)) if args else frozenset()
        literals = [a.text.text if isinstance(a.text, Lit) else None for a in args]
        if first.text is None:
            return unknown(f"strings.{name}(...)", origins=origins)
        source = first.text
        if (
            name in ("Replace", "ReplaceAll")
            and len(args) >= 3
            and literals[1] is not None
            and literals[2] is not None
        ):
            count = (
                args[3].number
                if len(args) > 3 and args[3].kind == "number"
                else (-1 if name == "ReplaceAll" else None)
            )
            if isinstance(source, Lit) and count is not None:
                return literal(source.text.replace(literals[1], literals[2], count))
            if count in (1, -1) and literals[1]:
                return text(
                    keys.bounded(Replace(source, literals[1], literals[2], first_only=count == 1)),
                    first.origins,
                )
        if (
            name == "TrimSuffix"
            and len(args) == 2
            and args[1].kind == "extension"
            and args[1].elements[0].text in (source, getattr(source, "source", None))
        ):
            # strings.TrimSuffix(k, path.Ext(k)); path.Base(k) has the extension of k
            return text(keys.stem(source), first.origins)
        if name in ("TrimPrefix", "TrimSuffix") and len(args) == 2 and literals[1]:
            return self.trimmed(name == "TrimPrefix", first, literals[1], frame)
        if name == "Join" and first.kind == "list" and literals[1:2] != [None] and len(args) == 2:
            parts = [item.text for item in first.elements]
            if all(p is not None for p in parts):
                return text(keys.separated(literals[1] or "", [p for p in parts if p is not None]), origins)
        return unknown(f"strings.{name}(...)", origins=origins)

    @staticmethod
    def trimmed(prefix: bool, value: GoValue, affix: str, frame: _Frame) -> GoValue:
        """strings.TrimPrefix / TrimSuffix of a literal, or of the incoming key where a check
        before it made sure the key has that prefix / suffix (then it is a slice)."""
        source = value.text
        if isinstance(source, Lit):
            if prefix:
                return literal(source.text[len(affix) :] if source.text.startswith(affix) else source.text)
            return literal(source.text[: -len(affix)] if source.text.endswith(affix) else source.text)
        operation = "startswith" if prefix else "endswith"
        checked = any(g.key_test == (operation, affix, False) for g in frame.guards)
        if isinstance(source, IncomingKey) and checked:
            return text(
                keys.sliced(source, len(affix)) if prefix else keys.sliced(source, 0, -len(affix)),
                value.origins,
            )
        return unknown(
            f"strings.{'TrimPrefix' if prefix else 'TrimSuffix'} of a key not checked for it",
            origins=value.origins,
        )

    def sprintf(self, args: List[GoValue]) -> GoValue:
        if not args or not isinstance(args[0].text, Lit):
            return unknown("fmt.Sprintf with a computed format")
        pattern = args[0].text.text
        parts = []
        rest = list(args[1:])
        origins = frozenset().union(*(a.origins for a in args))
        position = 0
        for match in _VERB.finditer(pattern):
            parts.append(Lit(pattern[position : match.start()]))
            verb = match.group(0)
            position = match.end()
            if verb == "%%":
                parts.append(Lit("%"))
                continue
            value = rest.pop(0) if rest else unknown("a missing argument")
            if verb[-1] in "sv" and len(verb) == 2:
                parts.append(key_of(value))
            elif verb[-1] == "d" and len(verb) == 2 and value.kind == "number" and value.number is not None:
                parts.append(Lit(str(value.number)))
            else:
                parts.append(AnyText(f"fmt verb {verb}"))
        parts.append(Lit(pattern[position:]))
        return text(keys.concat(parts), origins)

    # SDK calls ------------------------------------------------------------------------------------

    def sdk_call(
        self, method: str, receiver: GoValue, args: List[GoValue], node: Node, frame: _Frame
    ) -> Optional[GoValue]:
        """A write (its value is unknown), a HeadObject (its result reads user metadata), or None."""
        stem = method[: -len("WithContext")] if method.endswith("WithContext") else method
        request = next((a for a in args if a.kind == "record" and a.type_name), None)
        api: Optional[Tuple[str, str]] = None
        if request is not None:
            service, _, input_name = request.type_name.partition(".")
            if service == "s3manager" or (stem == "Upload" and receiver.service == "s3manager"):
                api = ("s3manager", "Upload")
            elif input_name.endswith("Input"):
                api = (service, input_name[: -len("Input")])
        elif receiver.kind == "client" and receiver.service:
            api = (receiver.service, stem)
        if api is None:
            return None
        if api == go_values.HEAD_OBJECT:
            return GoValue("head", why="a HeadObject result")
        found = go_values.METHODS.get(api)
        if found is None:
            return None if request is None else unknown(f"{api[0]} {api[1]}")
        row = BY_API[found]
        input_value = (
            request if request is not None else GoValue("record", open=True, why="an input not followed")
        )
        read = read_write(row, GoRequest(input_value))
        line = node.start_point[0] + 1
        line_start = node.start_byte - node.start_point[1]
        column = source_files.character_column(frame.file.data, line_start, node.start_byte)
        guards = tuple(replace(g, file="") if g.file == frame.file.display else g for g in frame.guards)
        marks = self.marks_of(input_value)
        for slot, write in enumerate(read.writes(frame.file.display, line, column, guards)):
            self.pending.append(_Pending(write, slot, marks))
        return unknown(f"the result of {found[1]}")

    @staticmethod
    def marks_of(request: GoValue) -> FrozenSet[str]:
        """Markers a request sets: its message body's, its attribute and metadata names."""
        found: Set[str] = set()
        messages = [request]
        for name in ("Entries", "PublishBatchRequestEntries"):
            listed = record_field(request, name)
            if listed is not None and listed.kind == "list":
                messages.extend(listed.elements)
        for message in messages:
            for name in ("MessageBody", "Message", "Detail"):
                body = record_field(message, name)
                if body is not None:
                    found.update(body.marks)
            for name, prefix in ((ATTRIBUTES, "attribute."), ("Metadata", "metadata.")):
                named = record_field(message, name)
                for key, _ in named.entries if named is not None and named.kind == "record" else ():
                    if isinstance(key.text, Lit):
                        found.add(prefix + key.text.text)
        return frozenset(found)


# -- entry points ---------------------------------------------------------------------------------


def _analyse(
    builder: FactsBuilder,
    folder: source_files.CodeFolder,
    data: bytes,
    display: str,
    function_name: str,
    entry: Optional[Path],
) -> None:
    analysis = _Analysis(builder, folder)
    main = analysis.parse(data, display)
    if main is None:
        return
    package = _Package(entry.parent if entry is not None else Path("."))
    files = [main]
    if entry is not None:
        analysis.find_module(entry.parent)
        files += analysis.package_files(entry.parent, entry, _package_name(main.root))
    analysis.load_package(package, files)
    analysis.run(package, function_name)


def analyse_go(
    entry_file: Path, function_name: str, root: Optional[Path], max_depth: int = MAX_DEPTH
) -> CodeFacts:
    """Facts of the Go package whose file `entry_file` is (package main, with lambda.Start)."""
    if not syntax_trees.available(GRAMMAR):
        return facts_builder.not_analysed(LANGUAGE, f"{GRAMMAR.replace('_', '-')} not installed")
    folder = source_files.CodeFolder(root if root is not None else entry_file.parent, max_depth)
    resolved, data, problem = folder.entry(entry_file)
    if resolved is None or data is None:
        return facts_builder.not_analysed(LANGUAGE, problem or f"{entry_file}: cannot read")
    builder = FactsBuilder(LANGUAGE)
    display = str(entry_file)
    builder.read_file(display, len(data))
    return builder.run(display, lambda: _analyse(builder, folder, data, display, function_name, resolved))


def analyse_go_source(text_given: str, filename: str, function_name: str) -> CodeFacts:
    """Facts of one Go file given as text (no other file is read)."""
    if not syntax_trees.available(GRAMMAR):
        return facts_builder.not_analysed(LANGUAGE, f"{GRAMMAR.replace('_', '-')} not installed")
    data, problem = source_files.inline_bytes(text_given, filename)
    if data is None:
        return facts_builder.not_analysed(LANGUAGE, problem or f"{filename}: cannot read")
    builder = FactsBuilder(LANGUAGE)
    builder.read_file(filename, len(data))
    folder = source_files.CodeFolder(None, 0)
    return builder.run(filename, lambda: _analyse(builder, folder, data, filename, function_name, None))
