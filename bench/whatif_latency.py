"""Benchmark: what-if slider to figures, in this process, against a floor measured side by side
(a benchmark, not a timed test).

    .venv/bin/python bench/whatif_latency.py [--rounds 20] [--data DIR]

Each round moves the growth slider to a new value and times, interleaved with the floor (an
empty figure of the charts' size rendered to PNG at the notebooks' resolution):
  key figures   re-project the scenario and build the key-figures table (target < 100 ms)
  charts        draw and render the panel's three charts (target < 400 ms)
  whole redraw  the slider's own observer: everything the panel shows, as JupyterLab gets it
It prints the medians and minima in milliseconds and each as a multiple of the floor (on a
shared machine noise only adds time: the minima are the runs it disturbed least). The browser
adds its own transfer and paint time on top, which this does not measure.
"""

import argparse
import contextlib
import io
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from secmodel.analysis.runs import scenario_run  # noqa: E402
from secmodel.inputs.loader import load_inputs  # noqa: E402
from secmodel.model.whatif import WhatIf  # noqa: E402
from secmodel.present import charts, tables, widgets  # noqa: E402
from secmodel.present.charts import DPI, HEIGHT, WIDTH  # noqa: E402
from secmodel.present.images import SCREEN_DPI  # noqa: E402

TARGETS_MS = {"key figures": 100, "charts": 400}


def floor() -> None:
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    figure.add_subplot()
    figure.savefig(io.BytesIO(), format="png", dpi=SCREEN_DPI)


def key_figures(inputs, multiplier: float):
    run = scenario_run(inputs, None, None, WhatIf(user_growth_multiplier=multiplier))
    tables.show(tables.key_figures(run.projection, inputs.settings.milestone_months))._repr_html_()
    return run


def chart_images(inputs, run) -> None:
    for part in widgets.figures(inputs, run):
        if isinstance(part, charts.Chart):
            part.screen_image()


def timed(work) -> float:
    start = time.perf_counter()
    work()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--data", default=None, help="input folder (default: data/)")
    args = parser.parse_args()
    inputs = load_inputs(args.data)
    # an IPython shell, so that display() renders what it shows as a kernel would
    InteractiveShell.instance()
    with contextlib.redirect_stdout(io.StringIO()):
        panel = widgets.what_if_panel(inputs)
    growth = panel.children[0].children[1]
    results = {"floor": [], "key figures": [], "charts": [], "whole redraw": []}
    for n in range(args.rounds):
        multiplier = round(0.5 + 0.05 * (n % 20), 2)  # a new value each round
        results["floor"].append(timed(floor))
        runs = []
        results["key figures"].append(
            timed(lambda m=multiplier, into=runs: into.append(key_figures(inputs, m)))
        )
        results["charts"].append(timed(lambda run=runs[0]: chart_images(inputs, run)))
        with contextlib.redirect_stdout(io.StringIO()):
            results["whole redraw"].append(timed(lambda m=multiplier: setattr(growth, "value", m)))
    base = statistics.median(results["floor"])
    base_min = min(results["floor"])
    print(f"{args.rounds} rounds; floor (empty figure to PNG): median {base:.0f} ms")
    for name, times in results.items():
        if name == "floor":
            continue
        median, low = statistics.median(times), min(times)
        target = f"  target < {TARGETS_MS[name]} ms" if name in TARGETS_MS else ""
        print(
            f"{name:13s} median {median:6.0f} ms ({median / base:4.1f}x floor)   "
            f"min {low:6.0f} ms ({low / base_min:4.1f}x floor){target}"
        )


if __name__ == "__main__":
    main()
