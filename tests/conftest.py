"""Shared fixtures: the tests' own copy of the seed data, and running the CLI in-process on it.

Tests never read ``data/`` (the analyst's): they read ``tests/fixtures/seed``, a frozen copy of
the seed roadmap's data, so their hand-worked figures hold whatever the analyst edits."""

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from secmodel.cli import main

SEED_DATA = Path(__file__).resolve().parent / "fixtures" / "seed"
# Commands that read a data folder: run() gives them the seed copy unless a test names another.
DATA_COMMANDS = ("project", "audit", "explain", "montecarlo", "sensitivity", "sweep", "report")

# CI replays the same generated examples every run (a red CI should be a real regression, and
# reproducible); on a developer's machine hypothesis keeps exploring new ones.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

# projection.csv's columns, in its order (the README's table; the workbook's layout contract)
PROJECTION_COLUMNS = [
    "month", "date", "users", "arpu", "mrr", "arr", "stage", "security_score", "budget",
    "spend_accrual", "spend_cash", "budget_gap", "cumulative_accrual", "cumulative_cash",
    "pct_of_revenue", "pct_of_revenue_ttm",
]  # fmt: skip


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A copy of the seed data that a test may edit."""
    target = tmp_path / "data"
    shutil.copytree(SEED_DATA, target)
    return target


@pytest.fixture
def run(capsys):
    """Run ``secmodel ARGS`` in-process on the seed data (unless ``--data`` is given): (exit code,
    stdout, stderr)."""

    def _run(*args: str):
        args = [str(a) for a in args]
        if args and args[0] in DATA_COMMANDS and "--data" not in args:
            args[1:1] = ["--data", str(SEED_DATA)]
        code = main(args)
        out, err = capsys.readouterr()
        return code, out, err

    return _run


@pytest.fixture(scope="session")
def dask_client():
    """A Dask cluster of two worker processes (each its own Python, as on a real cluster),
    started once for the tests that use it."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
