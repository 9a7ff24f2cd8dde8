"""tree-sitter, for every handler language parsed with it (JavaScript, TypeScript, Java, Go,
C#): whether its grammar packages are installed, a parser for a grammar, the line of the first
syntax error, walks over named nodes, a node's text and fields, and how the C-family grammars
split a guard's condition into its tests and tell a branch that always leaves.

Why here: none of this depends on the language's grammar, only on tree-sitter's tree. The
language's own part is which grammar and what its node types mean. tree-sitter is imported
only when a parser is made: importing loopcheck (or an analyser) never needs it.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, FrozenSet, Iterator, List, Optional, Tuple

from loopcheck.code.budget import Budget

if TYPE_CHECKING:  # pragma: no cover - typing only; tree-sitter is imported lazily
    from tree_sitter import Node
else:
    Node = Any

NOT_INSTALLED = "tree-sitter not installed"  # the problem when a grammar package is missing
MAX_NODES_PER_WALK = 500_000


def available(*grammar_packages: str) -> bool:
    """Whether tree-sitter and the grammar packages (e.g. "tree_sitter_javascript") are installed."""
    return all(importlib.util.find_spec(name) is not None for name in ("tree_sitter", *grammar_packages))


def make_parser(grammar: object) -> Any:
    """A parser for a grammar package's `language()` object. Parsing only: never run."""
    import tree_sitter

    return tree_sitter.Parser(tree_sitter.Language(grammar))


def first_syntax_error(root: Node) -> Optional[int]:
    """1-based line of the first ERROR / MISSING node, or None for a clean tree."""
    if not root.has_error:
        return None
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            return node.start_point[0] + 1
        stack.extend(reversed([child for child in node.children if child.has_error or child.is_missing]))
    return root.start_point[0] + 1


def node_text(node: Optional[Node]) -> str:
    if node is None:
        return ""
    return node.text.decode("utf-8", "replace")


def field(node: Optional[Node], name: str) -> Optional[Node]:
    return None if node is None else node.child_by_field_name(name)


def walk(node: Node, limit: int = MAX_NODES_PER_WALK) -> Iterator[Node]:
    """Named descendants of node (node first), depth-first in source order, at most limit."""
    stack = [node]
    seen = 0
    while stack and seen < limit:
        current = stack.pop()
        seen += 1
        yield current
        stack.extend(reversed(current.named_children))


def named_nodes(root: Node, budget: Budget) -> Iterator[Node]:
    """Every named node under root (root first), depth-first in source order, one work unit
    each. A tree cursor: no list of children is built per node."""
    cursor = root.walk()
    seen = 0
    while True:
        node = cursor.node
        if node.is_named:
            seen += 1
            if seen == 1024:
                budget.tick(seen)
                seen = 0
            yield node
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():  # the cursor never leaves root
                budget.tick(seen)
                return


# -- guards in C-family grammars ------------------------------------------------------------------


@dataclass(frozen=True)
class GuardSyntax:
    """How one C-family grammar (JavaScript/TypeScript, Java, C#) spells the parts of a check
    that guards a write: what wraps an expression, a negation, a block and a statement that
    leaves it."""

    strip: Callable[[Optional[Node]], Optional[Node]]  # parentheses and the like around an expression
    negated: Callable[[Node], Optional[Node]]  # the operand of `!x`; None when the node is no negation
    exit_types: FrozenSet[str]  # return / continue / throw / break statements
    block_types: FrozenSet[str]
    comment_types: FrozenSet[str] = frozenset({"comment"})


def binary_operator(node: Node) -> str:
    """A binary expression's operator, whether the grammar names it as a field or not."""
    operator = field(node, "operator")
    if operator is not None:
        return node_text(operator)
    return next((node_text(child) for child in node.children if not child.is_named), "")


def condition_atoms(condition: Optional[Node], exits_when_true: bool,
                    syntax: GuardSyntax) -> List[Tuple[Node, bool]]:
    """The tests a condition is made of, each with whether the code leaves when that test holds:
    `!a` flips it; `a || b` in a branch that leaves (or `a && b` guarding the rest) is each of a
    and b on its own; anything else is one test."""
    node = syntax.strip(condition)
    if node is None:
        return []
    operand = syntax.negated(node)
    if operand is not None:
        return condition_atoms(operand, not exits_when_true, syntax)
    if node.type == "binary_expression":
        operator = binary_operator(node)
        if (operator == "||" and exits_when_true) or (operator == "&&" and not exits_when_true):
            return (condition_atoms(field(node, "left"), exits_when_true, syntax)
                    + condition_atoms(field(node, "right"), exits_when_true, syntax))
    return [(node, exits_when_true)]


def always_exits(statement: Optional[Node], syntax: GuardSyntax) -> bool:
    """Whether a statement always leaves: it returns, continues, throws or breaks, or is a block
    whose last statement does."""
    if statement is None:
        return False
    if statement.type in syntax.exit_types:
        return True
    if statement.type in syntax.block_types:
        statements = [kid for kid in statement.named_children if kid.type not in syntax.comment_types]
        return bool(statements) and always_exits(statements[-1], syntax)
    return False
