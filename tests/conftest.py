"""Shared fixtures: a private copy of the default data, and running the CLI in-process."""

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from secmodel.cli import main
from secmodel.paths import DEFAULT_DATA_DIR

# CI replays the same generated examples every run (a red CI should be a real regression, and
# reproducible); on a developer's machine hypothesis keeps exploring new ones.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A copy of data/ that a test may edit."""
    target = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    return target


@pytest.fixture
def run(capsys):
    """Run ``python -m secmodel ARGS`` in-process: (exit code, stdout, stderr)."""

    def _run(*args: str):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return _run
