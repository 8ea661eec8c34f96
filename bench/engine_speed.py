"""Benchmark of the Monte Carlo engine (a benchmark, not a timed test), measured in one run:

- throughput in path-months per second for 10,000 and 100,000 paths x 120 months of the seed
  catalog (the engine alone, and the whole `montecarlo` run with its reduction);
- the ratio to the plain per-path, per-month loop of the tests (tests/oracle.py);
- how time grows with paths and with months;
- with --million: peak RSS of 1,000,000 paths x 120 months in a fresh process.

    .venv/bin/python bench/engine_speed.py [--million]
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import secmodel.analysis.montecarlo as mc  # noqa: E402
from secmodel import load_inputs  # noqa: E402
from secmodel.model.engine import compile_model  # noqa: E402
from tests.oracle import oracle_projection  # noqa: E402


def engine_rate(model, spec, paths: int) -> float:
    """Path-months per second of the engine alone, chunk by chunk of 2,048 paths."""
    blocks = -(-paths // mc.BLOCK)
    start = time.perf_counter()
    for first in range(0, blocks, 2):
        mc.simulate_paths(model, spec, first, min(first + 2, blocks))
    return paths * (spec.horizon_months + 1) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--million", action="store_true", help="also measure 1,000,000 paths")
    args = parser.parse_args()
    inputs = load_inputs()
    model = compile_model(inputs)
    scenario = inputs.scenarios["seed_roadmap"]

    def spec(paths, months=120):
        return mc.MonteCarloSpec(scenario, months, paths, 0.05, 1, inputs.settings.growth_floor)

    engine_rate(model, spec(2048), 2048)  # warm up
    for paths in (10_000, 100_000):
        rate = engine_rate(model, spec(paths), paths)
        start = time.perf_counter()
        mc.run_montecarlo(inputs, spec(paths))
        full = paths * 121 / (time.perf_counter() - start)
        print(
            f"{paths:>7,} paths x 120 months: engine {rate / 1e6:5.2f} M path-months/s; "
            f"with reduction {full / 1e6:5.2f} M path-months/s"
        )

    loop_paths = 20
    start = time.perf_counter()
    for _ in range(loop_paths):
        oracle_projection(inputs, scenario, 120)
    loop_rate = loop_paths * 121 / (time.perf_counter() - start)
    engine = engine_rate(model, spec(10_000), 10_000)
    print(
        f"plain per-path, per-month loop: {loop_rate:,.0f} path-months/s; "
        f"engine / loop = {engine / loop_rate:,.0f}x"
    )

    print("scaling (engine seconds):")
    for paths in (4096, 8192, 16384):
        start = time.perf_counter()
        engine_rate(model, spec(paths), paths)
        print(f"  {paths:>6,} paths x 120 months: {time.perf_counter() - start:.3f} s")
    for months in (60, 120, 240):
        start = time.perf_counter()
        engine_rate(model, spec(8192, months), 8192)
        print(f"  8,192 paths x {months:>3} months: {time.perf_counter() - start:.3f} s")

    if args.million:
        code = (
            "import resource; from secmodel import load_inputs;"
            "import secmodel.analysis.montecarlo as mc;"
            "i = load_inputs(); s = mc.MonteCarloSpec(i.scenarios['seed_roadmap'], 120, 1_000_000,"
            " 0.05, 1, i.settings.growth_floor); mc.run_montecarlo(i, s);"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)"
        )
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
        ).stdout.strip()
        print(
            f"1,000,000 paths x 120 months: peak RSS {out} MB, {time.perf_counter() - start:.0f} s"
        )


if __name__ == "__main__":
    main()
