"""The linter conventions of the command line, kept out of cli.py: rule selection
(`--select`/`--ignore`, as ruff; `--ignore-checks`, as cfn-lint), `--exclude`, a template on
stdin (`-`, `--stdin-filename`), colour (a terminal, NO_COLOR, FORCE_COLOR), and what goes
to stderr around the report (`--quiet`, `--verbose`, the empty scan)."""

from __future__ import annotations

import os
import sys
from typing import Callable, List, NoReturn, Optional, Sequence, Tuple

import click

STDIN_NAME = "<stdin>"

SCAN_EXAMPLES = """Examples:

\b
  loopcheck scan                                  # the current folder
  loopcheck scan infra/ --select EL,WL102         # only these rules (ids or prefixes)
  loopcheck scan --ignore IL --exclude 'cdk.out/**'
  loopcheck scan -q --format concise              # one line per finding, nothing else
  loopcheck scan --format sarif -o loopcheck.sarif
  loopcheck scan --diff | git apply                 # apply the mechanical fixes
  cat template.yaml | loopcheck scan - --stdin-filename infra/template.yaml

Settings for every run go in pyproject.toml [tool.loopcheck] or .loopcheck.yaml (select,
ignore, exclude, fail-on, format, strict...). `loopcheck explain ID` describes a rule."""


def _fail(message: str) -> NoReturn:
    click.echo(f"loopcheck: {message}", err=True)
    sys.exit(2)


def selection_options(command: Callable) -> Callable:
    """--select, --ignore and --ignore-checks (cfn-lint's spelling of --ignore)."""
    command = click.option("--ignore-checks", "ignore_checks", multiple=True, metavar="IDS",
                           help="The same as --ignore (cfn-lint's spelling).")(command)
    command = click.option("--ignore", "ignore", multiple=True, metavar="IDS",
                           help="Rules not to run: ids or prefixes, comma-separated, repeatable "
                                "(--ignore IL,WL103); adds to the configuration's ignore.")(command)
    return click.option("--select", "select", multiple=True, metavar="IDS",
                        help="Run only these rules: ids or prefixes (EL, WL102, ALL), comma-separated, "
                             "repeatable; replaces the configuration's select.")(command)


def exclude_option(command: Callable) -> Callable:
    return click.option("--exclude", "exclude", multiple=True, metavar="GLOB",
                        help="Leave out files and folders matching this glob (relative to the current "
                             "folder; repeatable); adds to the configuration's exclude.")(command)


def rule_codes(select: Sequence[str], ignore: Sequence[str]) -> Tuple[Optional[List[str]], List[str]]:
    """(--select codes or None, --ignore codes), or exit 2 naming a code that matches no rule."""
    from loopcheck.app.selection import first_unknown, split_codes
    from loopcheck.rulebase.rule import all_rules

    rules = [rule.id for rule in all_rules()]
    chosen = split_codes(select)
    dropped = split_codes(ignore)
    for flag, codes in (("--select", chosen), ("--ignore", dropped)):
        unknown = first_unknown(codes, rules)
        if unknown is not None:
            _fail(f"usage error: {flag} {unknown!r} matches no rule; rules: {', '.join(rules)} "
                  "(or a prefix of them, or ALL)")
    if select and not chosen:
        _fail("usage error: --select names no rule")
    return (chosen or None), dropped


def stdin_paths(paths: Sequence[str], stdin_filename: Optional[str]) -> Tuple[List[str], Optional[str]]:
    """(the paths, `-` replaced by the stdin template's name; that name, or None without `-`).
    No path scans the current folder (as ruff does: a pre-commit `args:` without a path still
    scans); `--stdin-filename` alone reads stdin; with paths but no `-` it is an error."""
    if stdin_filename is not None and not paths:
        paths = ("-",)
    if not paths:
        return ["."], None
    dashes = list(paths).count("-")
    if dashes == 0:
        if stdin_filename is not None:
            _fail("usage error: --stdin-filename names the template read from stdin: give '-' among the paths")
        return list(paths), None
    if dashes > 1:
        _fail("usage error: '-' (stdin) can be given once")
    name = stdin_filename or STDIN_NAME
    return [name if path == "-" else path for path in paths], name


def read_stdin(name: Optional[str], max_bytes: int):
    """ScanOptions.stdin: the template on stdin, under `name` (None: no stdin template)."""
    from loopcheck.app.scan import StdinTemplate

    if name is None:
        return None
    stream = getattr(sys.stdin, "buffer", None)  # None when the process has no stdin at all
    if stream is None:
        _fail("usage error: '-' reads a template from stdin, and there is no stdin")
    try:
        return StdinTemplate(name, stream.read(max_bytes + 1))
    except OSError as exc:
        _fail(f"cannot read stdin: {exc.strerror or exc}")


def use_color(output_file: Optional[str]) -> bool:
    """Colour for a person at a terminal: never into a file, off with NO_COLOR (any value but
    empty), on with FORCE_COLOR even through a pipe (unless it is empty, 0 or false)."""
    if output_file:
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "").strip().lower() not in ("", "0", "false"):
        return True
    return sys.stdout.isatty()


def check_verbosity(quiet: bool, verbose: bool) -> None:
    if quiet and verbose:
        _fail("usage error: --quiet and --verbose cannot be used together")


def report_around(result, roots: Sequence[str], verbose: bool, quiet: bool, summarised: bool) -> None:
    """stderr before the report: skipped non-templates (listed with --verbose, else counted:
    in the summary line when there is one, else in a line of their own), the notes, and a
    scan that found no template. Nothing with --quiet (unreadable files are in the report)."""
    if quiet:
        return
    if verbose:
        for skipped in result.skipped:
            click.echo(f"loopcheck: skipped {skipped.path}: {skipped.reason}", err=True)
    elif result.skipped and not summarised:
        count = len(result.skipped)
        click.echo(f"loopcheck: skipped {count} file{'' if count == 1 else 's'} that "
                   f"{'is not a template' if count == 1 else 'are not templates'} (--verbose lists them)",
                   err=True)
    for note in result.notes:
        click.echo(f"loopcheck: note: {note}", err=True)
    if result.templates == 0 and not result.errors:
        click.echo(f"loopcheck: no templates found to scan in {', '.join(roots)}", err=True)
