"""Benchmark: `secmodel report` against the floor of one papermill CLI run of an empty
notebook, measured side by side in one run on this machine (a benchmark, not a timed test).

    .venv/bin/python bench/report_speed.py [--rounds 3]

Prints each run's wall time and the ratio report / floor of the medians and of the minima
(target: at most 2.5; on a shared machine, noise only ever adds time: the minima are the runs
it disturbed least).
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EMPTY_NOTEBOOK = {
    "cells": [],
    "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=REPO)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.ipynb"
        empty.write_text(json.dumps(EMPTY_NOTEBOOK))
        papermill = str(Path(sys.executable).parent / "papermill")
        floor_cmd = [papermill, "--no-progress-bar", str(empty), str(Path(tmp) / "out.ipynb")]
        report_cmd = [
            sys.executable,
            "-m",
            "secmodel",
            "report",
            "--as-of",
            "2026-01-01",
            "--out",
            str(Path(tmp) / "report"),
        ]
        floors, reports = [], []
        for n in range(args.rounds):  # interleaved, so load on the machine hits both alike
            floors.append(timed(floor_cmd))
            reports.append(timed(report_cmd))
            print(f"round {n + 1}: floor {floors[-1]:.2f} s   report {reports[-1]:.2f} s")
    for name, pick in (("median", statistics.median), ("minimum", min)):
        floor, report = pick(floors), pick(reports)
        print(
            f"{name}: floor (papermill CLI, empty notebook) {floor:.2f} s; "
            f"python -m secmodel report (all scenarios) {report:.2f} s; "
            f"ratio report / floor {report / floor:.2f} (target <= 2.50)"
        )


if __name__ == "__main__":
    main()
