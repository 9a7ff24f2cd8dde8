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
