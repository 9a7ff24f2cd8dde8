"""Stage 3, model: small readers every model module shares: a literal mapping, a resource's
Type; and, under the names the model's readers use, the services' own (S3 event types and key
filters, JSON-or-object properties, resolved filter values).
"""

from __future__ import annotations

from typing import Any, Dict

from loopcheck.resolve.props import literal_str, mapping
from loopcheck.services.reading import json_or_object as _json  # noqa: F401
from loopcheck.services.reading import resolved_pattern as _resolve_values  # noqa: F401
from loopcheck.services.s3 import event_types as _event_types  # noqa: F401  (S3's own readers)
from loopcheck.services.s3 import key_filter as _key_filter  # noqa: F401

# A literal mapping or {}: the accessor of loopcheck.resolve.props, by the name this stage's readers use.
_dict = mapping


def _type_of(resource: Dict[str, Any]) -> str:
    """A resource's Type when it is a string (malformed templates put anything there)."""
    return literal_str(resource.get("Type")) or ""
