"""Lets `python -m loopcheck` run the CLI, behind the same last guard as the `loopcheck`
command (loopcheck.app.cli.run): a failure exits 2 with one line, never 1 with a traceback."""

from loopcheck.app.cli import run

run()
