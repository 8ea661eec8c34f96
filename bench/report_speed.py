"""Benchmark: `secmodel report` against the floor of one papermill CLI run of an empty
notebook, measured side by side in one run on this machine (a benchmark, not a timed test).

    .venv/bin/python bench/report_speed.py [--rounds 3]

Prints each run's wall time and the ratio report / floor of the medians and of the minima
(target: at most 2.5; on a shared machine, noise only ever adds time: the minima are the runs
it disturbed least). Beside them, the workbook for the four default scenarios built alone (its
live model's formulas and the value sheets, from a board pack computed beforehand), as a share
of the report's time (target: under 1, the report's time not doubled; the report builds it in a
thread while the template notebook runs).
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


def workbook_seconds() -> float:
    """The workbook of the default data built once, in a fresh process (seconds)."""
    done = subprocess.run(
        [sys.executable, __file__, "--time-workbook"],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    return float(done.stdout.split()[-1])


def time_workbook() -> None:
    """Print the seconds that workbook_bytes takes on the default data's board pack."""
    from secmodel import load_inputs
    from secmodel.paths import DEFAULT_DATA_DIR
    from secmodel.report.board import build_pack
    from secmodel.report.workbook import workbook_bytes

    pack = build_pack(load_inputs(DEFAULT_DATA_DIR))
    start = time.perf_counter()
    workbook_bytes(pack)
    print(time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--time-workbook", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.time_workbook:
        time_workbook()
        return
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
        floors, reports, books = [], [], []
        for n in range(args.rounds):  # interleaved, so load on the machine hits all alike
            floors.append(timed(floor_cmd))
            reports.append(timed(report_cmd))
            books.append(workbook_seconds())
            print(
                f"round {n + 1}: floor {floors[-1]:.2f} s   report {reports[-1]:.2f} s   "
                f"workbook alone {books[-1]:.2f} s"
            )
    for name, pick in (("median", statistics.median), ("minimum", min)):
        floor, report = pick(floors), pick(reports)
        print(
            f"{name}: floor (papermill CLI, empty notebook) {floor:.2f} s; "
            f"python -m secmodel report (all scenarios) {report:.2f} s; "
            f"ratio report / floor {report / floor:.2f} (target <= 2.50)"
        )
        book = pick(books)
        print(
            f"{name}: workbook alone (4 scenarios, live model) {book:.2f} s; "
            f"ratio workbook / report {book / report:.2f} (target < 1.00)"
        )


if __name__ == "__main__":
    main()
