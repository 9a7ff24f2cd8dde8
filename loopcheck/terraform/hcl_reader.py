"""A Terraform root module folder (its `*.tf` files, `terraform.tfvars`/`*.auto.tfvars`, and the
local child modules it calls) read into a TfConfiguration.

`resource` and `data` blocks become TfResources, addressed as Terraform addresses them
(`aws_s3_bucket.b`, `data.archive_file.zip`, `module.images.aws_s3_bucket.this`). A `module`
block whose source is a local folder (`./x`, `../x`) is read in place: its variables are the
call's arguments (evaluated where the call is written), its outputs answer
`module.<name>.<output>`, and its resources carry the module's path; any other source (a
registry or Git module) is kept as a TfModuleCall. `count` and `for_each` are read as one
instance, its address without an index (a note says so); `count = 0` or an empty `for_each`
means no instance. Nothing is executed and no module is downloaded.

File positions: TfResource.file is the .tf file as the scan names it (the folder it was given
joined with the file's path inside it), TfResource.line its block's first line, and
TfResource.module_dir the module's folder, named the same way.

Values (loopcheck.terraform.expressions): `path.module` and `path.root` are absolute folders,
so `"${path.module}/src"` (an archive_file's source_dir, a module's source_path) is an
absolute path wherever it is passed; a relative path written as a literal is relative to the
module_dir of the block that writes it. Meta-arguments (count, for_each, depends_on,
provider, lifecycle, provisioner, connection; a module's source, version, providers) are not
among a block's values.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple, Union

from loopcheck.load.discovery import joined
from loopcheck.load.loader import LoadError
from loopcheck.load.localfiles import inside, repository_root
from loopcheck.terraform.config import Reference, TfConfiguration, TfModuleCall, TfResource, Unknown
from loopcheck.terraform.expressions import MAX_FOR_ITEMS, Scope, evaluate
from loopcheck.terraform.hcl_syntax import (
    Block,
    Comments,
    Expression,
    HclFile,
    attributes,
    blocks,
    comments,
    node_text,
    parse_text,
    read_file,
    read_text,
)
from loopcheck.terraform.suppression_comments import block_suppressions

MAX_MODULE_DEPTH = 12  # local modules calling local modules, deeper than any real layout
MAX_BLOCK_DEPTH = 32  # blocks nested in a resource; the provider's deepest schemas use under 10
# Meta-arguments: how many instances and in which order, not what a resource is.
RESOURCE_META = {"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"}
MODULE_META = {"source", "version", "count", "for_each", "providers", "depends_on"}


class _Failed(Exception):
    """A file of the unit could not be read: the whole unit is that LoadError."""

    def __init__(self, error: LoadError):
        super().__init__(error.message)
        self.error = error


def read_folder(folder: str) -> Union[TfConfiguration, LoadError]:
    """Read a root module folder (as the scan names it) with the local modules it calls."""
    try:
        return _Reader(folder).read()
    except _Failed as failed:
        return failed.error
    except RecursionError:  # a last guard: every walk of a value is bounded or iterative
        return LoadError(folder, "nesting too deep to read")


def called_module_folders(folder: str) -> List[str]:
    """The absolute paths of the local module folders a folder calls, and those they call in
    turn (sorted). Unreadable files are passed over: reading the unit reports them."""
    start = os.path.normpath(os.path.abspath(folder))
    seen = {start}
    pending = [start]
    while pending:
        current = pending.pop(0)
        for source in _local_module_sources(current):
            target = os.path.normpath(os.path.join(current, source))
            if target not in seen and os.path.isdir(target):
                seen.add(target)
                pending.append(target)
    seen.discard(start)
    return sorted(seen)


def _local_module_sources(folder: str) -> List[str]:
    sources: List[str] = []
    for name in _tf_files(folder):
        text = read_text(name, os.path.join(folder, name))
        if isinstance(text, LoadError) or not (re.search(r"\bmodule\b", text) and _LOCAL_SOURCE.search(text)):
            continue  # no module block with a local source: no need to parse
        parsed = parse_text(name, text)
        if isinstance(parsed, LoadError):
            continue
        for block in blocks(parsed.body):
            source = _module_source(parsed, block) if block.type == "module" else None
            if source is not None and _is_local(source):
                sources.append(source)
    return sources


# A module's source is a literal string (Terraform evaluates no expression there), so a local
# one is written as `"./`, `"../`, `"."` or `".."`: a file without that calls no local module.
_LOCAL_SOURCE = re.compile(r'"\.\.?(?:/|")')


def _tf_files(folder: str) -> List[str]:
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return sorted(name for name in names if name.endswith(".tf") and os.path.isfile(os.path.join(folder, name)))


def _is_local(source: str) -> bool:
    """Terraform's rule: a local module path starts with ./ or ../."""
    return source.startswith(("./", "../")) or source in (".", "..")


def _module_source(parsed: HclFile, block: Block) -> Optional[str]:
    node = dict(attributes(block.body)).get("source")
    if node is None:
        return None
    value = evaluate(Expression(node, parsed.text), Scope("", "", references=False))
    return value if isinstance(value, str) else None


class _Reader:
    """One read of a root module: the configuration being built and its notes."""

    def __init__(self, folder: str):
        self.folder = folder
        self.root = os.path.normpath(os.path.abspath(folder))
        # files and modules a configuration names are read inside its repository only
        self.boundary = str(repository_root(Path(self.root).resolve()))
        self.config = TfConfiguration(source=folder)
        self.addresses: Set[str] = set()
        self._comments: Dict[str, Comments] = {}

    def read(self) -> TfConfiguration:
        files = self.parse_folder(self.folder, self.root)
        scope = ModuleScope(self, self.folder, self.root, "", files, tfvars=self.read_tfvars())
        self.collect(scope)
        return self.config

    def note(self, message: str) -> None:
        if message not in self.config.notes:
            self.config.notes.append(message)

    def parse_folder(self, shown: str, folder: str) -> List[HclFile]:
        try:
            names = os.listdir(folder)
        except OSError as exc:
            raise _Failed(LoadError(shown, f"cannot read folder: {exc.strerror or exc}")) from None
        parsed: List[HclFile] = []
        for name in sorted(names):
            path = os.path.join(folder, name)
            if name.endswith(".tf.json"):
                self.note(f"{joined(shown, name)}: Terraform's JSON syntax is not read")
            if not name.endswith(".tf") or not os.path.isfile(path):
                continue
            if name == "override.tf" or name.endswith("_override.tf"):
                self.note(f"{joined(shown, name)}: an override file, not merged (not read)")
                continue
            result = read_file(joined(shown, name), path)
            if isinstance(result, LoadError):
                raise _Failed(result)
            parsed.append(result)
        return parsed

    def read_tfvars(self) -> Dict[str, Any]:
        """Variable values from terraform.tfvars(.json), then *.auto.tfvars(.json) in name order
        (a later file wins), as Terraform loads them for a root module."""
        try:
            names = sorted(os.listdir(self.root))
        except OSError:
            return {}
        ordered = [n for n in ("terraform.tfvars", "terraform.tfvars.json") if n in names]
        ordered += [n for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json"))]
        values: Dict[str, Any] = {}
        literal = Scope(self.root, self.root, references=False, boundary=self.boundary)
        for name in ordered:
            shown, path = joined(self.folder, name), os.path.join(self.root, name)
            if not os.path.isfile(path):
                continue
            if name.endswith(".json"):
                values.update(_tfvars_json(shown, path))
                continue
            parsed = read_file(shown, path)
            if isinstance(parsed, LoadError):
                raise _Failed(parsed)
            for variable, node in attributes(parsed.body):
                values[variable] = evaluate(Expression(node, parsed.text), literal)
        return values

    # --- what a module declares becomes resources and module calls ---------------------

    def collect(self, scope: ModuleScope) -> None:
        for parsed, block in scope.declared:
            if block.type == "module":
                self.add_module(scope, parsed, block)
            else:
                self.add_resource(scope, parsed, block)

    def add_resource(self, scope: ModuleScope, parsed: HclFile, block: Block) -> None:
        where = f"{parsed.path}:{block.line}"
        if len(block.labels) != 2:
            self.note(f"{where}: a {block.type} block needs a type and a name: not read")
            return
        kind, name = block.labels
        mode = "data" if block.type == "data" else "managed"
        address = f"{scope.prefix}{'data.' if mode == 'data' else ''}{kind}.{name}"
        if address in self.addresses:
            self.note(f"{where}: {address} is declared twice: the first is read")
            return
        bindings = self.instance(scope, parsed, block, address)
        if bindings is None:
            return
        self.addresses.add(address)
        values = self.block_values(scope, parsed, block.body, bindings, RESOURCE_META)
        self.config.resources.append(TfResource(
            address=address, mode=mode, type=kind, values=values, file=parsed.path, line=block.line,
            module_dir=scope.shown_dir, suppressions=self.suppressions(parsed, block)))

    def add_module(self, scope: ModuleScope, parsed: HclFile, block: Block) -> None:
        name = block.labels[0] if block.labels else ""
        address = f"{scope.prefix}module.{name}"
        source = _module_source(parsed, block)
        if source is not None and _is_local(source):
            child = scope.child(name)
            if child is not None:
                self.collect(child)
            return
        bindings = self.instance(scope, parsed, block, address)
        if bindings is None:
            return
        if source is None:
            self.note(f"{parsed.path}:{block.line}: {address}: its source is not a literal string: not read")
        values = self.block_values(scope, parsed, block.body, bindings, MODULE_META)
        self.config.module_calls.append(TfModuleCall(
            address=address, source=source or "", values=values, file=parsed.path, line=block.line,
            module_dir=scope.shown_dir, suppressions=self.suppressions(parsed, block)))

    def instance(self, scope: Scope, parsed: HclFile, block: Block, address: str) -> Optional[Dict[str, Any]]:
        """The names `count`/`for_each` bind for the one instance read; None when there is none."""
        where = f"{parsed.path}:{block.line}: {address}"
        found = dict(attributes(block.body))
        if "count" in found:
            count = evaluate(Expression(found["count"], parsed.text), scope)
            if count == 0 and not isinstance(count, bool):
                self.note(f"{where}: count is 0: no instance, not read")
                return None
            self.note(f"{where}: count: read as one instance, addressed without an index")
            return {"count": {"index": 0}}
        if "for_each" in found:
            each = evaluate(Expression(found["for_each"], parsed.text), scope)
            items = _items(each)
            if items == []:
                self.note(f"{where}: for_each is empty: no instance, not read")
                return None
            self.note(f"{where}: for_each: read as one instance (the first), addressed without a key")
            key, value = items[0] if items else (Unknown("each.key"), Unknown("each.value"))
            return {"each": {"key": key, "value": value}}
        return {}

    def block_values(self, scope: Scope, parsed: HclFile, body: Any, bindings: Dict[str, Any],
                     skipped: Set[str] = frozenset(), depth: int = 0) -> Dict[str, Any]:
        """A block's arguments, and its nested blocks as lists of dicts (one per block)."""
        values: Dict[str, Any] = {}
        for name, node in attributes(body):
            if name not in skipped:
                values[name] = evaluate(Expression(node, parsed.text), scope, bindings)
        for inner in blocks(body):
            if inner.type in skipped:
                continue
            if depth >= MAX_BLOCK_DEPTH:
                self.note(f"{parsed.path}:{inner.line}: blocks nested deeper than {MAX_BLOCK_DEPTH}: not read")
                break
            if inner.type == "dynamic" and inner.labels:
                expanded = self.dynamic(scope, parsed, inner, bindings, depth)
                values.setdefault(inner.labels[0], []).extend(expanded)
            else:
                values.setdefault(inner.type, []).append(
                    self.block_values(scope, parsed, inner.body, bindings, depth=depth + 1))
        return values

    def dynamic(self, scope: Scope, parsed: HclFile, block: Block, bindings: Dict[str, Any],
                depth: int) -> List[Dict[str, Any]]:
        """A `dynamic "<type>"` block: its `content` once for each element of `for_each` (once,
        with the element Unknown, when the collection is not known)."""
        found = dict(attributes(block.body))
        iterator = node_text(found["iterator"], parsed.text) if "iterator" in found else block.labels[0]
        content = next((inner for inner in blocks(block.body) if inner.type == "content"), None)
        if content is None:
            return []
        collection = evaluate(Expression(found["for_each"], parsed.text), scope, bindings) \
            if "for_each" in found else None
        items = _items(collection)
        if items is None:
            self.note(f"{parsed.path}:{block.line}: dynamic \"{block.labels[0]}\": its for_each is not "
                      "known: read once")
            items = [(Unknown(f"{iterator}.key"), Unknown(f"{iterator}.value"))]
        return [self.block_values(scope, parsed, content.body, {**bindings, iterator: {"key": k, "value": v}},
                                  depth=depth + 1) for k, v in items[:MAX_FOR_ITEMS]]

    def suppressions(self, parsed: HclFile, block: Block) -> List[Tuple[str, str]]:
        if parsed.path not in self._comments:
            self._comments[parsed.path] = comments(parsed)
        return block_suppressions(self._comments[parsed.path], block.line, block.end_line)


def _items(collection: Any) -> Optional[List[Tuple[Any, Any]]]:
    """The (key, value) pairs a for_each iterates (a map by key, a set by value); None when
    the collection is not known."""
    if isinstance(collection, dict):
        return [(key, collection[key]) for key in sorted(collection)]
    if isinstance(collection, list):
        return [(item, item) for item in collection]
    return None


def _tfvars_json(shown: str, path: str) -> Dict[str, Any]:
    text = read_text(shown, path)
    if isinstance(text, LoadError):
        raise _Failed(text)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Failed(LoadError(shown, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno)) from None
    return document if isinstance(document, dict) else {}


class ModuleScope(Scope):
    """The names of one module: its variables (a call's arguments, tfvars, defaults), locals,
    outputs and the modules it calls, each evaluated once, when first needed."""

    def __init__(self, reader: _Reader, shown_dir: str, module_dir: str, prefix: str, files: List[HclFile],
                 caller: Optional[ModuleScope] = None, arguments: Optional[Dict[str, Expression]] = None,
                 call_bindings: Optional[Dict[str, Any]] = None, tfvars: Optional[Dict[str, Any]] = None,
                 chain: Tuple[str, ...] = ()):
        super().__init__(module_dir, reader.root, prefix, boundary=reader.boundary)
        self.reader = reader
        self.shown_dir = shown_dir
        self.caller = caller
        self.arguments = arguments or {}
        self.call_bindings = call_bindings or {}
        self.tfvars = tfvars or {}
        self.chain = chain or (module_dir,)
        self.variables: Dict[str, Optional[Expression]] = {}
        self.locals: Dict[str, Expression] = {}
        self.outputs: Dict[str, Expression] = {}
        self.declared: List[Tuple[HclFile, Block]] = []  # resource, data and module blocks, in order
        self.module_blocks: Dict[str, Tuple[HclFile, Block]] = {}
        self.children: Dict[str, Optional[ModuleScope]] = {}
        self.values: Dict[Tuple[str, str], Any] = {}
        self.active: Set[Tuple[str, str]] = set()
        for parsed in files:
            self.declare(parsed)

    def declare(self, parsed: HclFile) -> None:
        for block in blocks(parsed.body):
            name = block.labels[0] if block.labels else ""
            if block.type == "variable":
                default = dict(attributes(block.body)).get("default")
                self.variables[name] = Expression(default, parsed.text) if default is not None else None
            elif block.type == "locals":
                for local, node in attributes(block.body):
                    self.locals[local] = Expression(node, parsed.text)
            elif block.type == "output":
                value = dict(attributes(block.body)).get("value")
                if value is not None:
                    self.outputs[name] = Expression(value, parsed.text)
            elif block.type in ("resource", "data"):
                self.declared.append((parsed, block))
            elif block.type == "module":
                self.declared.append((parsed, block))
                self.module_blocks[name] = (parsed, block)

    def note(self, message: str) -> None:
        self.reader.note(message)

    def once(self, key: Tuple[str, str], shown: str, compute: Any) -> Any:
        """A name's value, evaluated once; a name that needs itself is Unknown (a cycle)."""
        if key in self.values:
            return self.values[key]
        if key in self.active:
            self.note(f"{self.prefix}{shown} refers to itself: not evaluated")
            return Unknown(shown)
        self.active.add(key)
        try:
            value = compute()
        finally:
            self.active.discard(key)
        self.values[key] = value
        return value

    def variable(self, name: str) -> Any:
        return self.once(("var", name), f"var.{name}", lambda: self._variable(name))

    def _variable(self, name: str) -> Any:
        if name not in self.variables:
            return Unknown(f"var.{name}")
        if name in self.arguments and self.caller is not None:
            return evaluate(self.arguments[name], self.caller, self.call_bindings)
        if name in self.tfvars:
            return self.tfvars[name]
        default = self.variables[name]
        return evaluate(default, self) if default is not None else Unknown(f"var.{name}")

    def local(self, name: str) -> Any:
        if name not in self.locals:
            return Unknown(f"local.{name}")
        return self.once(("local", name), f"local.{name}", lambda: evaluate(self.locals[name], self))

    def output(self, name: str) -> Any:
        if name not in self.outputs:
            return Unknown(f"{self.prefix}{name}")
        return self.once(("output", name), f"output.{name}", lambda: evaluate(self.outputs[name], self))

    def module_output(self, module: str, output: str) -> Any:
        if module not in self.module_blocks:
            return Unknown(f"module.{module}.{output}")
        child = self.child(module)
        if child is not None:
            return child.output(output)
        parsed, block = self.module_blocks[module]
        source = _module_source(parsed, block)
        if source is not None and not _is_local(source):
            return Reference(f"{self.prefix}module.{module}", output)  # a registry module's output
        return Unknown(f"module.{module}.{output}")

    def child(self, name: str) -> Optional[ModuleScope]:
        """The local module a `module` block calls, read once; None when it is not local or
        cannot be read (a note says why)."""
        if name in self.children:
            return self.children[name]
        self.children[name] = None
        parsed, block = self.module_blocks[name]
        source = _module_source(parsed, block)
        if source is None or not _is_local(source):
            return None
        address = f"{self.prefix}module.{name}"
        where = f"{parsed.path}:{block.line}: {address}"
        folder = os.path.normpath(os.path.join(self.module_dir, source))
        shown = os.path.normpath(os.path.join(self.shown_dir, source))
        if folder in self.chain:
            self.note(f"{where}: {source} calls a module that is already being read (a cycle): not read again")
            return None
        if len(self.chain) > MAX_MODULE_DEPTH:
            self.note(f"{where}: modules nested deeper than {MAX_MODULE_DEPTH}: not read")
            return None
        if not os.path.isdir(folder):
            self.note(f"{where}: its source {source} is not a folder: not read")
            return None
        if not inside(Path(folder), Path(self.boundary)):
            self.note(f"{where}: its source {source} is outside the repository {self.boundary}: not read")
            return None
        bindings = self.reader.instance(self, parsed, block, address)
        if bindings is None:
            return None
        arguments = {argument: Expression(node, parsed.text) for argument, node in attributes(block.body)
                     if argument not in MODULE_META}
        files = self.reader.parse_folder(shown, folder)
        child = ModuleScope(self.reader, shown, folder, f"{address}.", files, caller=self, arguments=arguments,
                            call_bindings=bindings, chain=self.chain + (folder,))
        self.children[name] = child
        return child
