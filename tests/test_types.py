"""The packages type-check with mypy (configured in pyproject.toml)."""

import subprocess
import sys
from pathlib import Path


def test_mypy_is_clean() -> None:
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental"], cwd=root,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
