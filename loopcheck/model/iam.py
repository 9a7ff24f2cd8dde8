"""IAM semantics: policy documents as statements, and what a statement grants.

Actions match case-insensitively with `*`/`?` wildcards; resources are resolved patterns
matched with loopcheck.resolve.globs. `NotAction` grants every known action it does not name and
`NotResource` grants on `*` (conservative); `Condition` is ignored (conservative: a
condition can only narrow a grant, and loopcheck cannot evaluate it statically).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any, Iterable, List, Optional, Tuple

from loopcheck.resolve.globs import Tokens, tokens
from loopcheck.resolve.values import Pattern, Resolver, items_of

Path = Tuple[Any, ...]


@dataclass
class Statement:
    """One Allow or Deny statement, resolved, with where it was written."""

    effect: str  # "Allow" | "Deny"
    actions: Tuple[str, ...]  # lower-cased patterns
    not_action: bool
    resources: Tuple[Pattern, ...]
    resource_tokens: Tuple[Tokens, ...] = field(repr=False, default=())
    source: str = ""  # "S3CrudPolicy", "AWSLambdaExecute (AWS managed)", "policy Foo in Role R"
    path: Path = ()

    def grants(self, action: str) -> bool:
        """Whether this statement's action part covers `action` (e.g. `s3:PutObject`)."""
        return _action_matches(self.actions, action) != self.not_action

    def granted(self, candidates: Iterable[str]) -> Tuple[str, ...]:
        return tuple(action for action in candidates if self.grants(action))


@lru_cache(maxsize=65536)
def _action_matches(patterns: Tuple[str, ...], action: str) -> bool:
    # Memoised: a template repeats the same few action lists (policy templates, managed
    # policies) in hundreds of statements, each asked about the same few actions.
    wanted = action.lower()
    return any(fnmatchcase(wanted, pattern) for pattern in patterns)


def _strings(node: Any, resolver: Resolver) -> List[Pattern]:
    out: List[Pattern] = []
    for item in items_of(node):
        out.extend(resolver.value(item))
    return out


def statements_from_document(
    document: Any, resolver: Resolver, source: str, path: Path
) -> List[Statement]:
    """Statements of a policy document (`{"Statement": [...]}`) or of a bare statement list."""
    body = document.get("Statement") if isinstance(document, dict) else document
    statement_path = path + ("Statement",) if isinstance(document, dict) else path
    if isinstance(body, dict):
        raw_items = [(statement_path, body)]
    elif isinstance(body, list):
        raw_items = [(statement_path + (i,), item) for i, item in enumerate(body)]
    else:
        return []
    out: List[Statement] = []
    for item_path, raw in raw_items:
        for candidate in items_of(raw):
            statement = parse_statement(candidate, resolver, source, item_path)
            if statement is not None:
                out.append(statement)
    return out


def parse_statement(raw: Any, resolver: Resolver, source: str, path: Path) -> Optional[Statement]:
    if not isinstance(raw, dict):
        return None
    effect = raw.get("Effect", "Allow")
    if effect not in ("Allow", "Deny"):
        return None
    not_action = "NotAction" in raw and "Action" not in raw
    action_node = raw.get("NotAction") if not_action else raw.get("Action")
    # An action loopcheck cannot spell out may be anything when it allows, and is ignored
    # when it denies: both err towards reporting a loop.
    actions = tuple(
        p.literal.lower() if p.literal is not None else "*"
        for p in _strings(action_node, resolver)
        if p.literal is not None or effect == "Allow"
    )
    if "NotResource" in raw and "Resource" not in raw:
        # Allow + NotResource may reach any resource; Deny + NotResource denies a complement
        # loopcheck cannot represent, so it denies nothing here. Both err towards a loop.
        resources: Tuple[Pattern, ...] = (Pattern(("*",)),) if effect == "Allow" else ()
    else:
        resources = tuple(_strings(raw.get("Resource"), resolver))
    return Statement(
        effect=effect,
        actions=actions,
        not_action=not_action,
        resources=resources,
        resource_tokens=tuple(tokens(r, wildcards=True) for r in resources),
        source=source,
        path=path,
    )
