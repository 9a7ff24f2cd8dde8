"""A click CliRunner that keeps stderr apart from stdout under every click the project
supports: click 8.1 (the last on Python 3.9) mixes them unless told not to; 8.2 always
keeps them apart and no longer takes the argument."""

from __future__ import annotations

from click.testing import CliRunner


def cli_runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def run_cli(*args):
    """(exit status, stdout, stderr) of the loopcheck command with these arguments; an
    exception other than the command's own exit fails the test with the output."""
    from loopcheck.app.cli import main

    result = cli_runner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr
