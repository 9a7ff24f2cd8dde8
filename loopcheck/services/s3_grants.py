"""S3: which trigger buckets a writer's IAM grants reach, for the graph stage's effect edges.

A grant reaches a bucket when its action may emit an event type some notification of the
bucket subscribes to (loopcheck.knowledge.s3_events), on the bucket's objects
(`arn:aws:s3:::bucket/*`), and no Deny covers it. Key filters are not applied here: whether a
filter guards a hop depends on which notification the loop goes through next (loopcheck.judge).

The buckets are indexed by name, so a policy resource is matched against the few buckets it
can name, and two bounds keep a policy of thousands of wildcard patterns linear.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from loopcheck.knowledge.s3_events import ACTION_EVENTS, matching_events
from loopcheck.resolve.globs import ONE, STAR, Tokens, intersects, literal_prefix
from loopcheck.services.base import Permissions, Reached, denied

# Glob checks of one function's S3 resource patterns against the trigger buckets they may
# name (after the name index has narrowed them); a check costs microseconds.
MAX_GRANT_CHECKS = 50_000
MAX_GRANTS_PER_EFFECT = 64  # grants kept per function and bucket (real templates: at most 4)

_S3_ARN = tuple("arn:aws:s3:::")
_EVERY_OBJECT = {(STAR,), _S3_ARN + (STAR,)}  # `*`, `arn:aws:s3:::*`: no need to intersect


def object_tokens(bucket_arn: Tokens, prefix: str = "", suffix: str = "") -> Tokens:
    """Tokens for every object ARN in a bucket whose key starts/ends as given."""
    return bucket_arn + tuple("/" + prefix) + (STAR,) + tuple(suffix)


class BucketGrants:
    """The trigger buckets by name, with what each subscribes to (the S3 service's
    GrantIndex, loopcheck.services.base)."""

    def __init__(self, arns: Dict[str, List[Tokens]], triggers: List[Any]):
        events_by_bucket: Dict[str, set] = {b: set() for b in arns}
        for trigger in triggers:
            events_by_bucket[trigger.source].update(trigger.events)
        self.arns = arns
        self.order = list(arns)
        self.position = {b: index for index, b in enumerate(self.order)}
        # Buckets subscribing to the same events share one tuple, so a statement's grants
        # are checked once per distinct tuple, not once per bucket.
        shared: Dict[frozenset, Tuple[str, ...]] = {}
        self.useful: Dict[str, Tuple[str, ...]] = {}
        for b, subscribed in events_by_bucket.items():
            key = frozenset(subscribed)
            if key not in shared:
                shared[key] = tuple(a for a, emitted in ACTION_EVENTS.items()
                                    if matching_events(subscribed, emitted))
            self.useful[b] = shared[key]
        self.objects = {b: [object_tokens(arn) for arn in arns[b]] for b in self.order}
        self.by_first: Dict[object, List[str]] = {}
        self.by_name: Dict[Tokens, List[str]] = {}
        self.by_start: Dict[int, Dict[Tokens, List[str]]] = {}  # built per width when asked
        for bucket_id in self.order:
            for arn in arns[bucket_id]:
                name = arn[len(_S3_ARN):]
                for index, key in ((self.by_first, name[:1]), (self.by_name, name)):
                    bucket_list = index.setdefault(key, [])
                    if bucket_id not in bucket_list:
                        bucket_list.append(bucket_id)

    def candidates(self, toks: Tokens) -> List[str]:
        """Buckets a resource pattern may reach (a superset; `intersects` decides)."""
        if toks[:len(_S3_ARN)] == _S3_ARN and len(toks) > len(_S3_ARN):
            rest = toks[len(_S3_ARN):]
            name = rest[:rest.index("/")] if "/" in rest else rest
            if name and not any(t is STAR or t is ONE for t in name):
                return self.by_name.get(name, [])  # the usual case: one bucket, named exactly
            width = next(i for i, t in enumerate(rest) if t is STAR or t is ONE)
            if width == 0:
                return self.order
            if width == 1:
                return self.by_first.get(rest[:1], [])
            # The tokens before the first wildcard must be the start of the bucket name
            # (a bucket's name tokens hold no wildcards): index the names by that start.
            return self._by_start(width).get(rest[:width], [])
        head = literal_prefix(toks)
        if len(head) < len(toks) and "".join(_S3_ARN).startswith(head):
            return self.order  # a wildcard before the bucket name: any bucket
        return []

    def _by_start(self, width: int) -> Dict[Tokens, List[str]]:
        index = self.by_start.get(width)
        if index is None:
            index = self.by_start[width] = {}
            for bucket_id in self.order:
                for arn in self.arns[bucket_id]:
                    name = arn[len(_S3_ARN):]
                    if len(name) >= width:
                        listed = index.setdefault(name[:width], [])
                        if bucket_id not in listed:
                            listed.append(bucket_id)
        return index

    def reach(self, permissions: Permissions) -> Tuple[Dict[str, Reached], str]:
        """The trigger buckets one function's grants reach. Grants keep the order statement,
        action, resource within each bucket, as written. Handler code's writes add no bucket:
        an S3 write is judged by the grant that allows it, with each notification.

        Two bounds keep a policy of thousands of wildcard patterns linear: MAX_GRANT_CHECKS
        pattern-against-bucket checks per function (each a glob intersection), and
        MAX_GRANTS_PER_EFFECT grants kept per bucket (every loop through the bucket judges
        each one). A bucket either bound leaves unread is taken as writable through
        permissions loopcheck did not read (its hops are at least possible), and the note
        says so; "" when nothing was left unread."""
        denies, unknown = permissions.denies, permissions.unknown
        found: Dict[str, List[Tuple[Tuple[int, int, int], Any]]] = {}
        checks = 0
        unchecked: Dict[str, None] = {}  # buckets that patterns past the check bound may reach
        unchecked_patterns = 0
        full: Dict[str, None] = {}  # buckets with MAX_GRANTS_PER_EFFECT grants already
        for s_index, statement in enumerate(permissions.allows):
            granted: Dict[int, Tuple[str, ...]] = {}  # per distinct list of useful actions
            for r_index, (resource, toks) in enumerate(zip(statement.resources, statement.resource_tokens)):
                everything = toks in _EVERY_OBJECT
                candidates = self.candidates(toks)
                if checks >= MAX_GRANT_CHECKS and not everything:
                    unchecked_patterns += 1
                    if len(unchecked) < len(self.order):
                        unchecked.update(dict.fromkeys(candidates))
                    continue
                allowed: Dict[str, bool] = {}  # action -> not denied on this pattern (any bucket)
                shared: Dict[str, Any] = {}  # one grant object per action, for every bucket
                for bucket_id in candidates:
                    if bucket_id in full:
                        continue
                    useful = self.useful[bucket_id]
                    actions = granted.get(id(useful))
                    if actions is None:
                        actions = granted[id(useful)] = statement.granted(useful)
                    if not actions:
                        continue
                    if not everything:
                        checks += 1
                        if not any(intersects(toks, obj) for obj in self.objects[bucket_id]):
                            continue
                    for a_index, action in enumerate(actions):
                        if action not in allowed:
                            allowed[action] = not any(denied(d, action, toks) for d in denies)
                        if allowed[action]:
                            grant = shared.get(action)
                            if grant is None:
                                grant = shared[action] = permissions.grant(statement, action, resource, toks)
                            kept = found.setdefault(bucket_id, [])
                            if len(kept) >= MAX_GRANTS_PER_EFFECT:
                                full[bucket_id] = None
                                break
                            kept.append(((s_index, a_index, r_index), grant))
        unread = dict(unchecked)
        unread.update(full)
        note = ""
        budget: List[Any] = []
        if unread:
            why = []
            if unchecked_patterns:
                why.append(f"{unchecked_patterns} S3 resource pattern(s) left unchecked after "
                           f"{MAX_GRANT_CHECKS:,} pattern-bucket checks (the grant-check bound)")
            if full:
                why.append(f"{len(full)} bucket(s) reached by more than {MAX_GRANTS_PER_EFFECT} grants, "
                           "the rest not read (the grants-per-bucket bound)")
            budget = [permissions.not_read("its policy was not read in full: " + "; ".join(why))]
            note = (f"{permissions.writer}'s S3 grants were not read in full: " + "; ".join(why)
                    + f"; the {len(unread)} bucket(s) concerned are taken as writable")
        # Unknown permissions may reach every trigger bucket; otherwise only the ones found (and
        # the ones unchecked patterns may name).
        if unknown:
            reach = self.order
        else:
            reach = sorted(set(found) | set(unchecked), key=self.position.__getitem__)
        out: Dict[str, Reached] = {}
        for bucket_id in reach:
            grants = [grant for _, grant in sorted(found.get(bucket_id, []), key=lambda item: item[0])]
            doubt = unknown or (budget if bucket_id in unread else [])
            if grants or doubt:
                out[bucket_id] = Reached(grants, list(doubt))
        return out, note
