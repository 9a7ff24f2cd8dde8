"""Lets `python -m loopcheck` run the CLI."""

from loopcheck.cli import main

main()
