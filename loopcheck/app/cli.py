"""Command-line front-end: `loopcheck scan PATH...`. Parses options, runs the pipeline,
prints with a reporter, and sets the exit status (DESIGN.md "Contracts")."""

from __future__ import annotations

import atexit
import gc
import os
import sys
from typing import List, NoReturn, Optional

import click

from loopcheck import __version__
from loopcheck.app import cli_options
from loopcheck.app.cli_options import exclude_option, selection_options
from loopcheck.app.scan import ScanOptions, scan
from loopcheck.load.loader import DEFAULT_MAX_BYTES
from loopcheck.report import FORMATS, renderer
from loopcheck.rulebase.finding import SEVERITY_RANK

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="loopcheck")
def main() -> None:
    """Find recursive-invocation loops in AWS SAM and CloudFormation templates."""


@main.command("scan", epilog=cli_options.SCAN_EXAMPLES)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(sorted(FORMATS)), default=None,
              help="Output format [default: the configuration's format, else text].")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info", "never"]),
              default=None,
              help="Exit 1 when a finding at or above this severity is reported "
                   "[default: the configuration's fail-on, else error].")
@click.option("--strict", is_flag=True,
              help="Treat YAML/JSON files that are not templates as errors instead of skipping them.")
@click.option("--output", "-o", "output_file", type=click.Path(),
              help="Write the report to this file instead of stdout.")
@click.option("--show-suppressed", is_flag=True,
              help="Also list findings suppressed by the template's Metadata, with their reason.")
@click.option("--show-unused-suppressions", is_flag=True,
              help="Also list suppressions in the templates' Metadata that suppressed nothing.")
@click.option("--show-fixes", is_flag=True,
              help="Print each rule's long fix under every finding, not once after them (text format).")
@click.option("--config", "config_file", type=click.Path(),
              help="Read settings from this file instead of the pyproject.toml [tool.loopcheck] "
                   "or .loopcheck.yaml found upward from the scanned paths.")
@click.option("--baseline", "baseline_file", type=click.Path(),
              help="Report only findings that this baseline file does not hold.")
@click.option("--write-baseline", "write_baseline_file", type=click.Path(),
              help="Record today's findings in this file (and exit 0 unless a file is unreadable).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Processes for scanning many files [default: number of cores].")
@click.option("--max-file-size", type=click.IntRange(min=1), default=None, metavar="BYTES",
              help="Larger files are reported as unreadable [default: the configuration's "
                   "max-file-size, else 5 MB].")
@click.option("--no-gitignore", is_flag=True,
              help="Also walk folders and files that .gitignore or .git/info/exclude ignore.")
@click.option("--sarif-root", type=click.Path(exists=True, file_okay=False), default=None, metavar="DIR",
              help="Make SARIF and GitLab paths relative to DIR [default: LOOPCHECK_SRCROOT, "
                   "else the configuration's sarif-root, else the current folder].")
@selection_options
@exclude_option
@click.option("--quiet", "-q", is_flag=True, help="Print the findings and nothing else (no summary, no notes).")
@click.option("--verbose", "-v", is_flag=True, help="Also list each skipped file that is not a template.")
@click.option("--diff", "show_diff", is_flag=True,
              help="Print the mechanical fixes as a unified diff (for `git apply`) instead of "
                   "the report; no file is changed.")
@click.option("--stdin-filename", metavar="NAME",
              help="With '-' as PATH: the name the template read from stdin is reported under; its "
                   "folder is where its handler code is looked for [default: <stdin>, the current folder].")
def scan_command(paths: tuple, output_format: Optional[str], fail_on: Optional[str], strict: bool,
                 output_file: str, show_suppressed: bool, show_fixes: bool, config_file: Optional[str],
                 baseline_file: Optional[str], write_baseline_file: Optional[str],
                 jobs: Optional[int], max_file_size: Optional[int], no_gitignore: bool,
                 sarif_root: Optional[str],
                 show_unused_suppressions: bool,
                 select: tuple, ignore: tuple, ignore_checks: tuple, exclude: tuple, quiet: bool,
                 verbose: bool, stdin_filename: Optional[str], show_diff: bool) -> None:
    """Scan templates (files, or folders searched for *.yaml, *.yml, *.json, *.template);
    with no PATH, the current folder; `-` reads a template from stdin."""
    if baseline_file and write_baseline_file:
        _fail("usage error: --baseline and --write-baseline cannot be used together")
    cli_options.check_verbosity(quiet, verbose)
    chosen, dropped = cli_options.rule_codes(select, ignore + ignore_checks)
    if show_diff and write_baseline_file:
        _fail("usage error: --diff and --write-baseline cannot be used together")
    # Every named file is checked before the scan: a FIFO or a device is refused, not waited on.
    _check_output(output_file)
    baseline_keys = None
    if baseline_file or write_baseline_file:
        from loopcheck.app import baseline

        try:
            if baseline_file:
                baseline_keys = baseline.read(baseline_file)
            else:
                baseline.check_writable(write_baseline_file)
        except baseline.BaselineError as exc:
            _fail(f"baseline error: {exc}")

    paths, stdin_name = cli_options.stdin_paths(paths, stdin_filename)
    config = _config(paths, config_file)
    fail_on = fail_on or config.fail_on or "error"  # the flag wins over the configuration
    output_format = output_format or config.format or "text"
    max_bytes = max_file_size or config.max_file_size or DEFAULT_MAX_BYTES
    stdin = cli_options.read_stdin(stdin_name, max_bytes)
    options = ScanOptions(strict=strict or config.strict, analysis=config.analysis_options(chosen, dropped),
                          exclude=config.excluder(exclude), max_bytes=max_bytes,
                          gitignore=config.gitignore and not no_gitignore, stdin=stdin,
                          own=config.own_files())
    options.fixes = show_diff or output_format == "sarif"  # what prints them; others skip the work
    summarised = output_format in ("text", "concise") and not quiet
    progress = _progress_bar() if summarised and sys.stderr.isatty() else None
    result = scan(paths, options, jobs=jobs or os.cpu_count() or 1, progress=progress)
    if progress is not None:
        click.echo("\r\033[K", nl=False, err=True)
    result.show_suppressed = show_suppressed
    if output_format in ("sarif", "gitlab"):  # the only formats with root-relative paths
        from loopcheck.report.sarif import choose_root

        result.sarif_root = choose_root(sarif_root, config.sarif_root)
    result.show_unused_suppressions = show_unused_suppressions or config.show_unused_suppressions
    result.show_fixes = show_fixes or config.show_fixes
    if baseline_keys is not None:
        result.findings, result.baseline = baseline.compare(
            result.findings, result.files, baseline_file, baseline_keys)
    cli_options.report_around(result, paths, verbose, quiet, summarised)
    if show_diff:  # the fixes instead of the report; the exit status is the scan's
        from loopcheck.fixes.patch import build_patch

        patch = build_patch(result.findings, result.sources)
        _emit(patch.text, output_file)
        for line in patch.skipped:
            click.echo(f"loopcheck: fix skipped: {line}", err=True)
        if not quiet:
            found = len(result.findings)
            click.echo(f"loopcheck: {patch.fixes} mechanical fix{'' if patch.fixes == 1 else 'es'} "
                       f"in the diff, for {found} finding{'' if found == 1 else 's'}", err=True)
        sys.exit(exit_status(result, fail_on))
    color = cli_options.use_color(output_file)
    report = renderer(output_format, color)(result)
    _emit(report, output_file, color)
    if summarised:
        from loopcheck.report.text import summary

        click.echo(summary(result), err=True)
    if result.baseline is not None and not quiet:
        click.echo(result.baseline.summary(), err=True)
    if write_baseline_file:
        from loopcheck.app import baseline

        try:
            written = baseline.write(result.findings, write_baseline_file)
        except baseline.BaselineError as exc:
            _fail(f"baseline error: {exc}")
        if not quiet:
            click.echo(f"loopcheck: wrote {written} finding{'' if written == 1 else 's'} to the "
                       f"baseline {write_baseline_file}", err=True)
        fail_on = "never"  # they are accepted now; unreadable files still exit 2
    sys.exit(exit_status(result, fail_on))


def _fail(message: str) -> NoReturn:
    click.echo(f"loopcheck: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _config(paths: List[str], config_file: Optional[str]):
    """The scan's configuration, or exit 2 with one line."""
    from loopcheck.app.config import ConfigError, discover_config

    try:
        return discover_config(paths, config_file)
    except ConfigError as exc:
        _fail(f"configuration error: {exc}")
    except OSError as exc:  # the environment, not a bug: a folder that vanished, a loop...
        where = f"{exc.filename}: " if exc.filename else ""
        _fail(f"configuration error: {where}{exc.strerror or exc}")


def _check_output(output_file: Optional[str]) -> None:
    if output_file:
        from loopcheck.load.userfiles import UserFileError, check_writable

        try:
            check_writable(output_file)
        except UserFileError as exc:
            _fail(f"output error: {exc}")


def _emit(text: str, output_file: Optional[str], color: bool = False) -> None:
    """The report on stdout, or in the --output file (one line and exit 2 if it cannot be
    written: a missing folder, a full disk). `color`: keep its styles even through a pipe
    (FORCE_COLOR), which click would strip."""
    if not output_file:
        click.echo(text, nl=False, color=color or None)
        return
    from loopcheck.load.userfiles import UserFileError, write_text

    try:
        write_text(output_file, text)
    except UserFileError as exc:
        _fail(f"output error: {exc}")


def _progress_bar():
    """A one-line counter on the terminal, for scans long enough to need one."""
    shown_from = 50

    def show(done: int, total: int) -> None:
        if total >= shown_from and (done % 10 == 0 or done == total):
            click.echo(f"\rscanning {done}/{total} files", nl=False, err=True)

    return show


@main.command("graph")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(["mermaid", "dot"]), default="mermaid",
              show_default=True, help="Mermaid (renders in GitHub Markdown) or Graphviz DOT.")
@click.option("--output", "-o", "output_file", type=click.Path(),
              help="Write the drawing to this file instead of stdout.")
@click.option("--config", "config_file", type=click.Path(),
              help="Configuration file (as for scan; its managed-policies and exclude apply).")
@exclude_option
def graph_command(paths: tuple, output_format: str, output_file: Optional[str],
                  config_file: Optional[str], exclude: tuple) -> None:
    """Draw the event graph of templates: triggers, writes, loops and guards."""
    from loopcheck.app.scan import analyse_loaded, discover, load_unit, without_child_modules
    from loopcheck.load.loader import LoadError, Template
    from loopcheck.report import drawing
    from loopcheck.stacks.cross_stack import linked_groups

    _check_output(output_file)
    config = _config(list(paths), config_file)
    excluded = config.excluder(exclude)
    drawings, analyses, failed, terraform = {}, {}, False, set()
    found = without_child_modules(list(discover(list(paths), excluded, config.gitignore, config.own_files())))
    for path, missing in found:
        if missing or (excluded and excluded(path)):
            if missing:
                click.echo(f"loopcheck: {path}: {missing}", err=True)
                failed = True
            continue
        loaded = load_unit(path)
        if isinstance(loaded, LoadError):
            click.echo(f"loopcheck: {loaded.path}: unreadable: {loaded.message}", err=True)
            failed = True
            continue
        if not isinstance(loaded, Template):
            click.echo(f"loopcheck: skipped {path}: {loaded.reason}", err=True)
            continue
        analyses[path] = analyse_loaded(loaded, config.analysis_options())
        drawings[path] = drawing.build(analyses[path], path, f"t{len(drawings)}")
        if loaded.resource_files is not None:
            terraform.add(path)  # cross-stack linking is for CloudFormation templates
    # Loops across templates: the scan's cross-stack stage links and analyses them, drawn here.
    options = ScanOptions(analysis=config.analysis_options(),
                          max_bytes=config.max_file_size or DEFAULT_MAX_BYTES)
    linkable = {path: analysis for path, analysis in analyses.items() if path not in terraform}
    links = [drawing.link(drawings, group, f"x{number}")
             for number, group in enumerate(linked_groups(linkable, list(paths), options))]
    text = drawing.FORMATS[output_format](list(drawings.values()) + links)
    _emit(text, output_file)
    sys.exit(EXIT_ERROR if failed else EXIT_CLEAN)


@main.command("loops")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--output", "-o", "output_file", type=click.Path(),
              help="Write the inventory to this file instead of stdout.")
@click.option("--config", "config_file", type=click.Path(),
              help="Configuration file (as for scan).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Processes for scanning many files [default: number of cores].")
@selection_options
@exclude_option
@click.option("--verbose", "-v", is_flag=True, help="Also list each skipped file that is not a template.")
def loops_command(paths: tuple, output_format: str, output_file: Optional[str], config_file: Optional[str],
                  jobs: Optional[int], select: tuple, ignore: tuple, ignore_checks: tuple, exclude: tuple,
                  verbose: bool) -> None:
    """List every loop in templates (guarded, bounded or not): its path, its guard or bound
    with file and line, and what AWS's runtime loop detection will do to it."""
    from loopcheck.report import loops as inventory

    paths = paths or (".",)
    chosen, dropped = cli_options.rule_codes(select, ignore + ignore_checks)
    _check_output(output_file)
    config = _config(list(paths), config_file)
    options = ScanOptions(analysis=config.analysis_options(chosen, dropped), exclude=config.excluder(exclude),
                          max_bytes=config.max_file_size or DEFAULT_MAX_BYTES, gitignore=config.gitignore,
                          inventory=True, own=config.own_files())
    result = scan(list(paths), options, jobs=jobs or os.cpu_count() or 1)
    cli_options.report_around(result, list(paths), verbose, False, False)
    render = inventory.render_json if output_format == "json" else inventory.render_text
    _emit(render(result), output_file)
    if output_format == "text":
        click.echo(inventory.summary(result), err=True)
    sys.exit(EXIT_ERROR if result.errors else EXIT_CLEAN)


@main.command("rules")
def rules_command() -> None:
    """List every rule: id, severity, title."""
    from loopcheck.app.ruledocs import rules_table

    click.echo(rules_table(), nl=False)


@main.command("explain")
@click.argument("rule_id")
def explain_command(rule_id: str) -> None:
    """Explain a rule: what it detects, why it is bad, a failing example and the fix."""
    from loopcheck.app.ruledocs import find_rule, render

    rule = find_rule(rule_id)
    if rule is None:
        from loopcheck.rulebase.rule import all_rules

        known = ", ".join(r.id for r in all_rules())
        click.echo(f"loopcheck: no rule {rule_id!r}; rules: {known}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(render(rule))


def exit_status(result, fail_on: str) -> int:
    if result.errors:
        return EXIT_ERROR
    if fail_on == "never":
        return EXIT_CLEAN
    threshold = SEVERITY_RANK[fail_on]
    failing = any(SEVERITY_RANK[f.severity] >= threshold for f in result.findings)
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def run() -> None:
    """The `loopcheck` command: `main` behind a last guard, so that even a failure outside
    the per-file guard (start-up, a reporter) exits 2 with a message, never 1 with a traceback."""
    # The interpreter's last collections at exit walk every object still alive (all modules,
    # the last template) to free cycles nobody will use again: 4% of a one-template run.
    # Frozen objects are skipped; atexit runs before those collections.
    atexit.register(gc.freeze)
    try:
        main()
    except OSError as exc:  # the environment (stdout on a full disk...), not a bug: one line
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"loopcheck: error: {where}{exc.strerror or exc}", err=True)
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # noqa: BLE001
        click.echo(
            f"loopcheck: internal error ({type(exc).__name__}: {exc}); please report it at "
            "https://github.com/loopcheck/loopcheck/issues",
            err=True,
        )
        sys.exit(EXIT_ERROR)
