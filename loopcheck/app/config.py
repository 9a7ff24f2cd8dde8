"""Configuration: `[tool.loopcheck]` in pyproject.toml, or a `.loopcheck.yaml`, found upward
from the scanned paths (or named with `--config FILE`).

    [tool.loopcheck]
    select = ["EL", "WL"]                  # as --select: rule ids or prefixes run (default: all)
    ignore = ["IL105"]                     # as --ignore: rules not run (`skip` is the same key)
    fail-on = "warning"                    # as --fail-on (the flag wins)
    format = "concise"                     # as --format (the flag wins)
    strict = true                          # as --strict
    severity = { WL102 = "error" }         # reported severity; the rule id stays
    exclude = ["cdk.out/**", "tests/**"]   # globs, relative to the config file's folder
    gitignore = false                      # also walk what git ignores (as --no-gitignore)
    max-file-size = 10_000_000             # as --max-file-size (bytes)
    sarif-root = "."                       # SARIF/GitLab paths relative to this folder (as --sarif-root)
    show-unused-suppressions = true        # as --show-unused-suppressions
    show-fixes = true                      # each rule's long fix under every finding (as --show-fixes)
    managed-policies = { MyPolicy = [ { Effect = "Allow", Action = "s3:GetObject", Resource = "*" } ] }

`.loopcheck.yaml` holds the same keys at its top level. Selection is ruff's (loopcheck.app.selection):
the command line's `--select` replaces `select`, its `--ignore` adds to `ignore`, and an id or
prefix that matches no rule is an error. `--exclude` adds to `exclude` (the flag's globs are
relative to the current folder). Flags with no key, because they belong to one run: `--output`,
`--config`, `--baseline`, `--write-baseline`, `--jobs`, `--quiet`, `--verbose`,
`--stdin-filename`, `--show-suppressed`. In each folder on the way up,
`.loopcheck.yaml` (or `.loopcheck.yml`) is taken before `pyproject.toml`, and a pyproject.toml
without a `[tool.loopcheck]` table is passed over. An unknown key or a bad value is a
ConfigError naming the file and the key (the CLI exits 2). Only regular files of at most
50 MB are read (loopcheck.load.userfiles); a folder on the way up that cannot be looked into is
passed over.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from loopcheck.load.userfiles import UserFileError, read_text

YAML_NAMES = (".loopcheck.yaml", ".loopcheck.yml")
PYPROJECT = "pyproject.toml"
KNOWN_KEYS = ("select", "ignore", "skip", "fail-on", "format", "strict", "severity", "managed-policies",
              "exclude", "max-file-size", "gitignore",
              "sarif-root",
              "show-unused-suppressions",
              "show-fixes")
FAIL_ON = ("error", "warning", "info", "never")
# The keys that are true or false, and the Config field each sets.
_SWITCHES = {"strict": "strict", "gitignore": "gitignore", "show-fixes": "show_fixes",
             "show-unused-suppressions": "show_unused_suppressions"}
SEVERITIES = ("error", "warning", "info")
_STATEMENT_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition",
                   "Principal", "NotPrincipal"}


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file (and key)."""


@dataclass
class Config:
    """The settings read from a configuration file (defaults where it has none)."""

    file: Optional[str] = None  # where it was read; None: no configuration file
    root: Path = field(default_factory=Path.cwd)  # `exclude` globs are relative to this folder
    select: Optional[Tuple[str, ...]] = None  # rule ids or prefixes run; None: every rule
    ignore: Tuple[str, ...] = ()  # rule ids or prefixes not run (`ignore` and `skip` together)
    fail_on: Optional[str] = None
    format: Optional[str] = None  # the report format; None: the flag's default (text)
    strict: bool = False
    severity: Dict[str, str] = field(default_factory=dict)
    managed_policies: Dict[str, List[Dict[str, Any]]] = field(default_factory=dict)
    exclude: Tuple[str, ...] = ()
    max_file_size: Optional[int] = None  # bytes; None: the loader's default (5 MB)
    gitignore: bool = True  # folders are walked as git sees them; false: as --no-gitignore
    sarif_root: Optional[str] = None  # absolute; None: the working directory (as --sarif-root)
    show_unused_suppressions: bool = False  # as --show-unused-suppressions
    show_fixes: bool = False  # as --show-fixes: the text report's long fix under every finding

    def analysis_options(self, select: Optional[Sequence[str]] = None, ignore: Sequence[str] = ()):
        """The analysis options, with the command line's `select` / `ignore` (already checked,
        loopcheck.app.selection) over the configuration's."""
        from loopcheck.app.selection import Layer, skipped_rules
        from loopcheck.pipeline.analysis import AnalysisOptions

        layers = [Layer(self.select, self.ignore), Layer(tuple(select) if select else None, tuple(ignore))]
        return AnalysisOptions(managed_policies=dict(self.managed_policies),
                               skip=skipped_rules(_known_rules(), layers), severity=dict(self.severity))

    def own_files(self) -> List[str]:
        """The configuration file, which a scan never reports (loopcheck.load.discovery)."""
        return [self.file] if self.file else []

    def excluder(self, flag_globs: Sequence[str] = ()) -> Optional[Callable[[str], bool]]:
        """path -> True when an `exclude` glob matches it (or a folder above it), relative to
        the configuration file's folder, or a `--exclude` glob does, relative to the current
        folder; None when nothing is excluded."""
        sources = ((self.exclude, self.root), (flag_globs, Path.cwd()))
        matchers = [_matcher(globs, root) for globs, root in sources if globs]
        if not matchers:
            return None
        return lambda path: any(matches(path) for matches in matchers)


def _matcher(globs: Sequence[str], root: Path) -> Callable[[str], bool]:
    patterns = [_glob_regex(p) for p in globs]
    top = os.path.abspath(root)

    def excluded(path: str) -> bool:
        relative = os.path.relpath(os.path.abspath(path), top)
        if relative == "." or relative.startswith(".." + os.sep) or relative == "..":
            return False
        parts = Path(relative).as_posix().split("/")
        candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
        return any(p.fullmatch(c) for p in patterns for c in candidates)

    return excluded


def _glob_regex(pattern: str) -> re.Pattern:
    """`**` any number of folders, `*` and `?` within one name; a pattern without a slash
    matches a name at any depth (as in .gitignore)."""
    pattern = pattern.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    pattern = pattern.rstrip("/")
    anchored = "/" in pattern
    out = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            out.append(".*")
            index += 2
        elif pattern[index] == "*":
            out.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            out.append("[^/]")
            index += 1
        else:
            out.append(re.escape(pattern[index]))
            index += 1
    body = "".join(out)
    return re.compile(body if anchored else "(?:.*/)?" + body)


def _read(path: Path) -> str:
    """The file's text: a regular file under userfiles' size cap, else a ConfigError."""
    try:
        return read_text(str(path))
    except UserFileError as exc:
        raise ConfigError(str(exc)) from exc


def _load_toml(path: Path) -> Dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.9/3.10
        import tomli as tomllib
    text = _read(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})".replace("\n", " ")) from exc


def _load_yaml(path: Path) -> Any:
    import yaml

    text = _read(path)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML ({exc})".replace("\n", " ")) from exc


def _pyproject_table(path: Path) -> Optional[Any]:
    tool = _load_toml(path).get("tool")
    return tool.get("loopcheck") if isinstance(tool, dict) else None


def load_config(path: str) -> Config:
    """The configuration in one file: a pyproject.toml's [tool.loopcheck], another TOML file's
    [tool.loopcheck] or top level, or a YAML file's top level."""
    file = Path(path)
    if not os.path.lexists(path):
        raise ConfigError(f"{path}: no such configuration file")
    where = str(file)
    if file.suffix == ".toml":
        document = _load_toml(file)
        tool = document.get("tool")
        if isinstance(tool, dict) and "loopcheck" in tool:
            table, where = tool["loopcheck"], f"{file} [tool.loopcheck]"
        elif file.name == PYPROJECT:
            raise ConfigError(f"{file}: has no [tool.loopcheck] table")
        else:
            table = document
    else:
        table = _load_yaml(file)
        if table is None:
            table = {}
    return _parse(table, where, file.resolve().parent, str(file))


def find_config(paths: Sequence[str]) -> Optional[Path]:
    """The nearest configuration file at or above the folder holding every scanned path."""
    starts = []
    for given in paths or ["."]:
        absolute = os.path.abspath(given)
        starts.append(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))
    try:
        folder = Path(os.path.commonpath(starts))
    except ValueError:  # different drives
        folder = Path(starts[0])
    for candidate in [folder, *folder.parents]:
        for name in YAML_NAMES:
            if _present(candidate, name):
                return candidate / name
        pyproject = candidate / PYPROJECT
        if _present(candidate, PYPROJECT) and _pyproject_table(pyproject) is not None:
            return pyproject
    return None


def _present(folder: Path, name: str) -> bool:
    """Whether `folder` holds a regular file `name` (a FIFO or device of that name is passed
    over). A folder that cannot be looked into is passed over too, unless it can be listed
    and the name is in it: then the configuration exists but cannot be read (ConfigError)."""
    try:
        return stat.S_ISREG(os.stat(folder / name).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as exc:  # no search permission on the folder, a symlink loop...
        try:
            listed = name in os.listdir(folder)
        except OSError:
            return False
        if not listed:
            return False
        raise ConfigError(f"{folder / name}: cannot be read ({exc.strerror or exc})") from exc


def discover_config(paths: Sequence[str], named: Optional[str] = None) -> Config:
    """The configuration for a scan: the named file, else the one found upward, else none."""
    if named:
        return load_config(named)
    found = find_config(paths)
    return load_config(str(found)) if found else Config()


def _known_rules() -> List[str]:
    from loopcheck.rulebase.rule import all_rules

    return [rule.id for rule in all_rules()]


def _parse(table: Any, where: str, root: Path, file: str) -> Config:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: expected a table of settings, got {type(table).__name__}")
    for key in table:
        if key not in KNOWN_KEYS:
            hint = ""
            if isinstance(key, str) and key.replace("_", "-") in KNOWN_KEYS:
                hint = f" (did you mean '{key.replace('_', '-')}'?)"
            raise ConfigError(
                f"{where}: unknown key '{key}'{hint}; known keys: {', '.join(KNOWN_KEYS)}"
            )
    config = Config(file=file, root=root)
    rules = _known_rules()
    from loopcheck.app.selection import first_unknown, split_codes

    def rule_id(value: Any, key: str) -> str:
        if not isinstance(value, str) or value not in rules:
            raise ConfigError(f"{where}: '{key}' names an unknown rule {value!r}; rules: {', '.join(rules)}")
        return value

    def string_list(key: str) -> List[str]:
        value = table[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: '{key}' must be a list of strings")
        return value

    def codes(key: str) -> Tuple[str, ...]:
        found = split_codes(string_list(key))
        unknown = first_unknown(found, rules)
        if unknown is not None:
            raise ConfigError(f"{where}: '{key}' names an unknown rule {unknown!r}; rules: {', '.join(rules)} "
                              "(or a prefix of them, or ALL)")
        return tuple(found)

    if "select" in table:
        config.select = codes("select")
    config.ignore = tuple(code for key in ("ignore", "skip") if key in table for code in codes(key))
    if "format" in table:
        from loopcheck.report import FORMATS

        if table["format"] not in FORMATS:
            raise ConfigError(f"{where}: 'format' must be one of {', '.join(sorted(FORMATS))}, "
                              f"not {table['format']!r}")
        config.format = table["format"]
    if "max-file-size" in table:
        size = table["max-file-size"]
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ConfigError(f"{where}: 'max-file-size' must be a positive number of bytes, not {size!r}")
        config.max_file_size = size
    if "fail-on" in table:
        if table["fail-on"] not in FAIL_ON:
            raise ConfigError(f"{where}: 'fail-on' must be one of {', '.join(FAIL_ON)}, "
                              f"not {table['fail-on']!r}")
        config.fail_on = table["fail-on"]
    if "severity" in table:
        overrides = table["severity"]
        if not isinstance(overrides, Mapping):
            raise ConfigError(f"{where}: 'severity' must be a table of rule id = severity")
        for rule, severity in overrides.items():
            rule_id(rule, "severity")
            if severity not in SEVERITIES:
                raise ConfigError(f"{where}: 'severity.{rule}' must be one of {', '.join(SEVERITIES)}, "
                                  f"not {severity!r}")
            config.severity[rule] = severity
    if "sarif-root" in table:
        config.sarif_root = _folder(table["sarif-root"], "sarif-root", where, root)
    for key, attribute in _SWITCHES.items():
        if key in table:
            if not isinstance(table[key], bool):
                raise ConfigError(f"{where}: '{key}' must be true or false, not {table[key]!r}")
            setattr(config, attribute, table[key])
    if "exclude" in table:
        config.exclude = tuple(string_list("exclude"))
    if "managed-policies" in table:
        config.managed_policies = _policies(table["managed-policies"], where)
    return config


def _folder(value: Any, key: str, where: str, root: Path) -> str:
    """An existing folder named relative to the configuration file's folder, made absolute
    (a typo would otherwise put every alert on a wrong path, silently)."""
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: '{key}' must be a folder name, not {value!r}")
    folder = os.path.normpath(os.path.join(root, value))
    if not os.path.isdir(folder):
        raise ConfigError(f"{where}: '{key}' names {value!r}, which is not a folder")
    return folder


def _policies(node: Any, where: str) -> Dict[str, List[Dict[str, Any]]]:
    if not isinstance(node, Mapping):
        raise ConfigError(f"{where}: 'managed-policies' must be a table of policy name = [statements]")
    out: Dict[str, List[Dict[str, Any]]] = {}
    for name, statements in node.items():
        key = f"managed-policies.{name}"
        if isinstance(statements, Mapping) and "Statement" in statements:
            statements = statements["Statement"]  # a whole policy document
        if isinstance(statements, Mapping):
            statements = [statements]
        if not isinstance(statements, list) or not statements:
            raise ConfigError(f"{where}: '{key}' must be a list of statements")
        for index, statement in enumerate(statements):
            if not isinstance(statement, Mapping):
                raise ConfigError(f"{where}: '{key}[{index}]' must be a statement table")
            unknown = sorted(set(statement) - _STATEMENT_KEYS)
            if unknown:
                raise ConfigError(f"{where}: '{key}[{index}]' has unknown key '{unknown[0]}'")
            if statement.get("Effect") not in ("Allow", "Deny"):
                raise ConfigError(f"{where}: '{key}[{index}].Effect' must be Allow or Deny")
            if "Action" not in statement and "NotAction" not in statement:
                raise ConfigError(f"{where}: '{key}[{index}]' needs Action or NotAction")
            if "Resource" not in statement and "NotResource" not in statement:
                raise ConfigError(f"{where}: '{key}[{index}]' needs Resource or NotResource")
        out[str(name)] = [dict(s) for s in statements]
    return out
