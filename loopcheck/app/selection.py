"""Rule selection, as ruff selects: `select` and `ignore` name rule ids or prefixes of them
(`EL`, `WL102`, `I`, or `ALL`), and the rules not selected become AnalysisOptions.skip, so
they are not run at all, by the scan, the cross-stack stage and the loop inventory alike.

Selection comes in layers, the configuration's first and the command line's over it. In one
layer, each rule follows the longest prefix that matches it (`--select EL --ignore EL104`
runs EL101 and EL107; `--ignore EL --select EL104` runs EL104 alone of the EL rules), and
`ignore` wins over `select` for the same prefix. A layer with a `select` starts from its
selection (the command line's `--select` replaces the configuration's choice); a layer
without one starts from what the layers below left.
"""

from __future__ import annotations

from typing import FrozenSet, Iterable, List, NamedTuple, Optional, Sequence, Tuple

ALL = "ALL"


class Layer(NamedTuple):
    """One layer of rule selection: the configuration's or the command line's."""

    select: Optional[Tuple[str, ...]] = None  # None: no choice made here
    ignore: Tuple[str, ...] = ()


def split_codes(values: Iterable[str]) -> List[str]:
    """`["EL,WL102", " IL "]` -> `["EL", "WL102", "IL"]`: comma-separated and repeatable."""
    return [code.strip().upper() for value in values for code in value.split(",") if code.strip()]


def first_unknown(codes: Sequence[str], rule_ids: Sequence[str]) -> Optional[str]:
    """The first code that is neither ALL nor the prefix of a rule id; None when all are known."""
    return next((code for code in codes if not any(_matches(code, rule) for rule in rule_ids)), None)


def _matches(code: str, rule: str) -> bool:
    return code == ALL or rule.startswith(code)


def _specificity(code: str) -> int:
    return 0 if code == ALL else len(code)


def skipped_rules(rule_ids: Sequence[str], layers: Sequence[Layer]) -> FrozenSet[str]:
    """The rule ids not run after every layer is applied, lowest first."""
    enabled = set(rule_ids)
    for layer in layers:
        for rule in rule_ids:
            best: Optional[Tuple[int, bool]] = None  # (specificity, selected)
            for code in layer.select or ():
                if _matches(code, rule) and (best is None or _specificity(code) > best[0]):
                    best = (_specificity(code), True)
            for code in layer.ignore:
                if _matches(code, rule) and (best is None or _specificity(code) >= best[0]):
                    best = (_specificity(code), False)
            if best is not None:
                (enabled.add if best[1] else enabled.discard)(rule)
            elif layer.select is not None:
                enabled.discard(rule)
    return frozenset(rule for rule in rule_ids if rule not in enabled)
