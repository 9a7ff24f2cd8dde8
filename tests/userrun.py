"""Running the installed `loopcheck` executable as a user would: a real subprocess, found
next to the test interpreter (never `python -m` from the repository root, which would
import the source tree instead of the installed package)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def executable() -> str:
    beside = Path(sys.executable).parent / "loopcheck"
    return str(beside) if beside.exists() else (shutil.which("loopcheck") or str(beside))


def loopcheck(*args: object, cwd: Optional[Path] = None, stdin: str = "") -> subprocess.CompletedProcess:
    command: Sequence[str] = [executable(), *[str(a) for a in args]]
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd,
                          input=stdin, timeout=120)
