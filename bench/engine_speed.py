"""Benchmark of the Monte Carlo, sensitivity and sweeps (a benchmark, not a timed test), all
measured in one run, each beside the same baseline: the normals ceiling, numpy's default
generator (PCG64) drawing standard normals on one core, which no simulation drawing one normal
per path-month can beat.

- the ceiling (normals/s), and drawn as the Monte Carlo draws them (a generator per block);
- engine alone and whole Monte Carlo for 10,000, 100,000 (and with --million 1,000,000) paths x
  120 months of the seed catalog: path-months/s and the share of the ceiling;
- one worker against two at 200,000 paths: workers started ahead, a run starting its own
  pool, and `secmodel montecarlo` end to end; and at 36,000 paths, where quantiles are exact;
- time per path-month at 12, 120, 600 and 1,200 months (about 12 million path-months each);
- sensitivity at 23, 100 and 1,000 catalog items;
- sweep points per second without and with a Monte Carlo per point, and on one and two Dask
  workers (a process-based LocalCluster);
- with --million: peak RSS of 1,000,000 paths x 120 months in a fresh process.

    .venv/bin/python bench/engine_speed.py [--million]
"""

import argparse
import dataclasses
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import secmodel.analysis.montecarlo as mc  # noqa: E402
from secmodel import load_inputs  # noqa: E402
from secmodel.analysis.sensitivity import sensitivity_table  # noqa: E402
from secmodel.analysis.sweep import run_sweep  # noqa: E402
from secmodel.model.engine import compile_model  # noqa: E402

SEED = REPO / "tests" / "fixtures" / "seed"
TARGETS = {
    "share": 0.06,  # whole Monte Carlo, 100k x 120, one core: share of the normals ceiling
    "two_workers": 1.8,  # two workers / one at 200k paths
    "months": 1.3,  # time per path-month at 1,200 months / at 120
    "sensitivity": 12.0,  # sensitivity at 1,000 items / at 100
    "rss_mb": 300,  # peak RSS at 1M paths x 120 months
}


def seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def normals_ceiling() -> tuple[float, float]:
    """Standard normals per second: one generator filling a buffer that stays in cache, and a
    generator per block of 1,024 paths x 121 months as the Monte Carlo draws them."""
    rng = np.random.default_rng(1)
    buffer = np.empty(250_000)
    rounds = 80
    rng.standard_normal(out=buffer)
    raw = (
        rounds
        * len(buffer)
        / seconds(lambda: [rng.standard_normal(out=buffer) for _ in range(rounds)])
    )
    blocks = 100
    per_block = (
        blocks
        * mc.BLOCK
        * 121
        / seconds(lambda: [mc.block_shocks(1, b, 121) for b in range(blocks)])
    )
    return raw, per_block


def engine_rate(model, spec) -> float:
    """Path-months per second of the engine alone, chunk by chunk of the default size."""
    blocks = -(-spec.paths // mc.BLOCK)
    step = mc.chunk_blocks(mc.default_chunk_paths(spec.horizon_months))

    def run() -> None:
        for first in range(0, blocks, step):  # each chunk's arrays dropped before the next
            mc.simulate_paths(model, spec, first, min(first + step, blocks))

    return spec.paths * (spec.horizon_months + 1) / seconds(run)


def scaled_catalog(inputs, items: int):
    """The seed catalog's lines repeated under new ids until the catalog has ``items`` lines."""
    seed = list(inputs.catalog.values())
    catalog = {}
    for n in range(items):
        item = seed[n % len(seed)]
        copy = f"{item.item_id}_{n // len(seed)}" if n >= len(seed) else item.item_id
        catalog[copy] = dataclasses.replace(item, item_id=copy)
    return dataclasses.replace(inputs, catalog=catalog)


def two_workers(inputs, spec) -> None:
    """Two workers against one. The target is the run's own parallel work: workers started
    ahead of the run (LocalWorkers, as `secmodel montecarlo --workers 2` starts them while it
    reads its inputs, and as a session keeps them for later runs). A run that starts its own
    pool also waits for it (a Python importing numpy and this package; the process's first
    pool also starts Python's forkserver), and the command end to end also imports, reads and
    writes on one core: both printed beside it."""
    one = seconds(lambda: mc.run_montecarlo(inputs, spec, workers=1))
    first = seconds(lambda: mc.run_montecarlo(inputs, spec, workers=2))
    with mc.LocalWorkers(2) as workers:
        one_more = seconds(lambda: mc.run_montecarlo(inputs, spec, workers=1))  # they start
        ahead = seconds(lambda: mc.run_montecarlo(inputs, spec, workers=workers))
        kept = seconds(lambda: mc.run_montecarlo(inputs, spec, workers=workers))
    later = seconds(lambda: mc.run_montecarlo(inputs, spec, workers=2))
    one = (one + one_more) / 2
    print(f"{spec.paths:,} paths x {spec.horizon_months} months: one worker {one:.2f} s; two "
          f"workers started ahead {ahead:.2f} s, {one / ahead:.2f}x; kept from the run before "
          f"{kept:.2f} s, {one / kept:.2f}x (target >= {TARGETS['two_workers']}x: "
          f"{'met' if one / ahead >= TARGETS['two_workers'] else 'missed'})")  # fmt: skip
    print(f"  a run starting its own pool: the process's first {first:.2f} s, {one / first:.2f}x;"
          f" later {later:.2f} s, {one / later:.2f}x")  # fmt: skip
    took = {}
    with tempfile.TemporaryDirectory() as out:
        for workers in (1, 2, 1, 2):
            command = [sys.executable, "-m", "secmodel", "montecarlo", "--data", str(SEED),
                       "--scenario", spec.scenario.scenario, "--paths", str(spec.paths),
                       "--volatility", str(spec.volatility), "--seed", str(spec.seed),
                       "--horizon", str(spec.horizon_months), "--workers", str(workers),
                       "--out", out]  # fmt: skip
            wall = seconds(
                lambda c=command: subprocess.run(c, capture_output=True, cwd=REPO, check=True)
            )
            took[workers] = min(took.get(workers, wall), wall)
    print(f"  `secmodel montecarlo` end to end (fresh processes, best of two): one worker "
          f"{took[1]:.2f} s, two {took[2]:.2f} s, {took[1] / took[2]:.2f}x")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--million", action="store_true", help="also 1,000,000 paths and RSS")
    args = parser.parse_args()
    inputs = load_inputs(SEED)
    model = compile_model(inputs)
    scenario = inputs.scenarios["seed_roadmap"]

    def spec(paths, months=120, **changes):
        s = mc.MonteCarloSpec(scenario, months, paths, 0.05, 1, inputs.settings.growth_floor)
        return dataclasses.replace(s, **changes)

    raw, per_block = normals_ceiling()
    print(
        f"normals ceiling (PCG64, one core): {raw / 1e6:.1f} M/s; drawn as the Monte Carlo "
        f"draws them (a generator per 1,024-path block): {per_block / 1e6:.1f} M/s"
    )

    engine_rate(model, spec(2048))  # warm up
    shares = {}
    for paths in (10_000, 100_000, *((1_000_000,) if args.million else ())):
        engine = engine_rate(model, spec(paths))
        whole = paths * 121 / seconds(lambda p=paths: mc.run_montecarlo(inputs, spec(p)))
        shares[paths] = whole / raw
        print(
            f"{paths:>9,} paths x 120 months: engine {engine / 1e6:5.2f} M path-months/s "
            f"({engine / raw:5.1%} of the ceiling); whole Monte Carlo {whole / 1e6:5.2f} M "
            f"path-months/s ({whole / raw:5.1%} of the ceiling)"
        )
    print(f"  target: whole Monte Carlo at 100,000 paths >= {TARGETS['share']:.0%} of the "
          f"ceiling: {'met' if shares[100_000] >= TARGETS['share'] else 'missed'}")  # fmt: skip

    for chunk in (1024, 2048, 4096):
        took = seconds(lambda c=chunk: mc.run_montecarlo(inputs, spec(100_000), chunk_paths=c))
        print(f"  100,000 paths in chunks of {chunk:,} paths: {100_000 * 121 / took / 1e6:.2f} "
              "M path-months/s")  # fmt: skip
    two_workers(inputs, spec(200_000))
    exact = spec(36_000)  # the most paths whose quantiles are exact at 120 months
    with mc.LocalWorkers(2) as workers:
        one = min(seconds(lambda: mc.run_montecarlo(inputs, exact)) for _ in range(3))
        two = min(seconds(lambda: mc.run_montecarlo(inputs, exact, workers=workers))
                  for _ in range(3))  # fmt: skip
    print(f"36,000 paths x 120 months (exact quantiles), best of three: one worker {one:.2f} s, "
          f"two started ahead {two:.2f} s, {one / two:.2f}x")  # fmt: skip

    per_path_month = {}
    for months, paths in ((12, 1_000_000), (120, 100_000), (600, 20_000), (1200, 10_000)):
        took = seconds(lambda p=paths, m=months: mc.run_montecarlo(inputs, spec(p, m)))
        per_path_month[months] = took / (paths * (months + 1))
        print(
            f"{paths:>9,} paths x {months:>5,} months: {per_path_month[months] * 1e9:6.0f} ns "
            "per path-month"
        )
    ratio = per_path_month[1200] / per_path_month[120]
    print(f"  1,200 months / 120 months: {ratio:.2f} (target <= {TARGETS['months']})")

    took = {}
    base = inputs.scenarios["base"]
    for items in (23, 100, 1000):
        scaled = scaled_catalog(inputs, items)
        took[items] = min(seconds(lambda s=scaled: sensitivity_table(s, base)) for _ in range(3))
        print(f"sensitivity, {items:>5,} items: {took[items]:.3f} s")
    print(
        f"  1,000 items / 100 items: {took[1000] / took[100]:.1f} "
        f"(target <= {TARGETS['sensitivity']:.0f}; linear would be 10)"
    )

    grid = {"arpu_monthly": list(np.linspace(8, 12, 64))}
    montecarlo = {"paths": 200, "volatility": 0.05, "seed": 3}
    plain = 64 / seconds(lambda: run_sweep(inputs, base, grid))
    with_mc = 64 / seconds(lambda: run_sweep(inputs, base, grid, montecarlo=montecarlo))
    print(
        f"sweep points/s: {plain:,.0f} without a Monte Carlo, {with_mc:,.1f} with 200 paths "
        "x 60 months per point (one process)"
    )
    from distributed import Client, LocalCluster

    big = {"arpu_monthly": list(np.linspace(8, 12, 256))}
    for workers in (1, 2):
        with (
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                         dashboard_address=None) as cluster,
            Client(cluster) as client,
        ):  # fmt: skip
            run_sweep(inputs, base, grid, montecarlo=montecarlo, scheduler=client)  # warm up
            rate = 256 / seconds(
                lambda c=client: run_sweep(inputs, base, big, montecarlo=montecarlo, scheduler=c)
            )
        print(f"  on {workers} Dask worker process(es): {rate:,.1f} points/s with Monte Carlo")

    if args.million:
        code = (
            "from secmodel import load_inputs;"
            "import secmodel.analysis.montecarlo as mc;"
            f"i = load_inputs({str(SEED)!r}); s = mc.MonteCarloSpec(i.scenarios['seed_roadmap'],"
            " 120, 1_000_000, 0.05, 1, i.settings.growth_floor); mc.run_montecarlo(i, s);"
            # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent
            "print(next(int(l.split()[1]) for l in open('/proc/self/status')"
            " if l.startswith('VmHWM')) // 1024)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
        ).stdout.strip()
        print(f"1,000,000 paths x 120 months: peak RSS {out} MB (target <= {TARGETS['rss_mb']} MB)")


if __name__ == "__main__":
    main()
