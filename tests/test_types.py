"""The package type-checks under mypy --strict (settings in pyproject.toml): part of the test command, so a
wrong type fails the suite like a wrong result (it found `Project / "fonts"` where a Path was meant)."""

from __future__ import annotations

import subprocess
import sys

from issuepdf.content.paths import SOURCE_ROOT


def test_the_package_type_checks_strictly() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary"], cwd=SOURCE_ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
