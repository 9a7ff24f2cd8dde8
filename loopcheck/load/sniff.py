"""Is this YAML/JSON file certainly not a template? Decided before the YAML parse builds values.

A template needs a top-level `Resources` key. Most files of a repository (SDK models,
package.json, workflows, Kubernetes manifests) never spell it, so the loader can tell them
apart cheaply, and must never be wrong the other way: every answer here is "certainly not"
or "maybe". Each check is sound on its own:

- `could_name_resources(text)`: a key is the text of its scalar, so a key `Resources` needs
  the word in the text, unless an escape (`\\x52`, `\\u0052`, a double-quoted line joined by
  a backslash) spells it. Quoting, tags, anchors, `? ` keys, flow style, indentation, CRLF
  or a byte order mark never hide the word itself.
- `json_value_is_plain_non_template(value)`: a `.json` file is read by `json.loads` first
  anyway; its result either has the key or not. Its depth needs no second look: `json.loads`
  stops at the interpreter's recursion limit, below the values builder's own (1,000), so a
  value it returns is one the builder would read too, to the same answer; and a text YAML
  rejects, too deep for the position-keeping JSON reader, the full read judges on
  `json.loads`' value as well (loopcheck.load.loader._too_deep_json).
- `is_terraform_plan(value)` / `could_be_terraform_plan(text)`: a JSON document with a
  Terraform plan's top-level keys is a plan, read by the Terraform front-end, not a template.
- `plain_yaml(loader)`: the event stream of one document the values builder would accept
  without question (no tags, anchors, aliases, merge keys or non-text keys), so its outcome
  is "valid YAML" without building any value. Anything else: the builder decides, as before.
"""

from __future__ import annotations

import re
from typing import Any

from yaml import events

# A backslash escape that can produce a letter (\x, \u, \U), or an escaped line break
# (YAML joins the lines of a double-quoted scalar there, without a space): YAML 1.1 breaks
# lines at \r, \n, NEL, LS and PS.
_SPELLING_ESCAPE = re.compile("\\\\[xuU\r\n\x85\u2028\u2029]")

# Nesting below this is far under every reader's limit (the builder's MAX_NESTING of 1000, the
# pure-Python JSON fallback's recursion), so those readers cannot fail on depth.
_SAFE_DEPTH = 100


def could_name_resources(text: str) -> bool:
    """False only when no scalar of the text can be the string `Resources`."""
    return "Resources" in text or _SPELLING_ESCAPE.search(text) is not None


def json_value_is_plain_non_template(value: Any) -> bool:
    """True when the parsed JSON has no top-level Resources key."""
    return not (isinstance(value, dict) and "Resources" in value)


def is_terraform_plan(value: Any) -> bool:
    """A parsed JSON document with a Terraform plan's top-level keys (`terraform show -json`):
    a format_version and planned values or resource changes. A state file (`values`) is not one."""
    return isinstance(value, dict) and isinstance(value.get("format_version"), str) \
        and ("planned_values" in value or "resource_changes" in value)


def could_be_terraform_plan(text: str) -> bool:
    """False only when the text cannot be a plan's JSON: an object naming a format_version
    and planned values or resource changes (checked before any parse)."""
    return text.lstrip("\ufeff \t\r\n")[:1] == "{" and '"format_version"' in text \
        and ('"planned_values"' in text or '"resource_changes"' in text)


def plain_yaml(loader: Any) -> bool:
    """Read the loader's whole event stream: True when it is one document the values
    builder reads without error or remark. A YAML syntax error is raised as the builder
    would meet it (nothing before it would have stopped the builder); False as soon as
    anything needs the builder itself (it then reads the text from the start)."""
    get_event = loader.get_event
    scalar, mapping_start = events.ScalarEvent, events.MappingStartEvent
    starts = (events.MappingStartEvent, events.SequenceStartEvent)
    ends = (events.MappingEndEvent, events.SequenceEndEvent)
    # One entry per open container: for a mapping, whether its next node is a key;
    # for a sequence, None.
    open_: list = []
    documents = 0
    while True:
        event = get_event()
        kind = type(event)
        if kind is scalar:
            if event.tag is not None or event.anchor is not None:
                return False
            if open_ and open_[-1] is not None:
                if open_[-1] and event.value == "<<":
                    return False
                open_[-1] = not open_[-1]
        elif kind in starts:
            if event.tag is not None or event.anchor is not None:
                return False
            if open_ and open_[-1] is not None:
                if open_[-1]:
                    return False  # a mapping or sequence as a key
                open_[-1] = True
            open_.append(True if kind is mapping_start else None)
            if len(open_) >= _SAFE_DEPTH:
                return False
        elif kind in ends:
            open_.pop()
        elif kind is events.DocumentStartEvent:
            documents += 1
            if documents > 1:
                return False
        elif kind is events.StreamEndEvent:
            return True
        elif kind is events.AliasEvent:
            return False
