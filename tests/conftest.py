"""Shared fixtures: a private copy of the default data, and running the CLI in-process."""

import shutil
from pathlib import Path

import pytest

from secmodel.cli import main
from secmodel.paths import DEFAULT_DATA_DIR


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
