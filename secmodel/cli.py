"""The command line: ``python -m secmodel project | audit | explain``.

Exit codes: 0 done; 1 a model check failed; 2 bad input or usage (a message naming file, line
and column, no traceback, nothing written); 3 a file or folder could not be read or written;
130 stopped with Ctrl-C.
"""

import argparse
import contextlib
import gc
import math
import os
import sys
from pathlib import Path

from secmodel.analysis.executor import SCHEDULER_TIMEOUT_SECONDS
from secmodel.errors import EnvironmentFailure, InputError, UsageError
from secmodel.paths import DEFAULT_DATA_DIR, DEFAULT_OUT_DIR, display_path, inside

# Each command imports the model's modules (pandas, numpy) itself: `report` starts its kernel
# before it imports them, and --help answers at once.

EXIT_CHECKS_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_FILE_ERROR = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="secmodel",
        description="Project a security roadmap's spend month by month from data/*.csv.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser, out: bool = True) -> None:
        p.add_argument(
            "--data", type=Path, default=DEFAULT_DATA_DIR, help="input folder (default: data/)"
        )
        if out:
            p.add_argument(
                "--out",
                type=Path,
                default=DEFAULT_OUT_DIR,
                help="output folder (default: reports/)",
            )

    p = sub.add_parser("project", help="project scenarios into OUT/<scenario>/*.csv")
    common(p)
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--scenario", action="append", metavar="NAME", help="a scenario (repeatable; default all)"
    )
    which.add_argument("--all", action="store_true", help="every scenario (the default)")
    horizon(p)
    what_if(p)
    with_actuals(p)

    p = sub.add_parser("audit", help="the seed roadmap's claims vs the computed figures")
    common(p)

    p = sub.add_parser(
        "compare",
        help="what moved between two versions of the inputs: OUT/<scenario>/bridge.csv and "
        "trigger_moves.csv, OUT/changes.csv",
    )
    common(p)
    p.add_argument(
        "--base",
        required=True,
        metavar="DIR_OR_GIT_REVISION",
        help="the version to compare with: a data folder, or git:REV (the data folder at "
        "revision REV of its repository, e.g. git:HEAD~1)",
    )
    p.add_argument(
        "--scenario",
        action="append",
        metavar="NAME",
        help="a scenario (repeatable; default every scenario in both versions)",
    )

    p = sub.add_parser("montecarlo", help="growth uncertainty: quantiles and trigger odds")
    common(p)
    with_actuals(p)
    p.add_argument("--scenario", required=True, metavar="NAME")
    p.add_argument(
        "--paths", type=int, metavar="N", help="simulated paths (default: uncertainty.csv)"
    )
    p.add_argument(
        "--volatility",
        type=fraction,
        metavar="SIGMA",
        help="standard deviation of the monthly user-growth shock: 0.05 or 5%% "
        "(default: uncertainty.csv)",
    )
    p.add_argument("--seed", type=int, metavar="S", help="random seed (default: uncertainty.csv)")
    where_to_run(p)
    p.add_argument(
        "--chunk-paths",
        type=int,
        metavar="N",
        help="paths per chunk (rounded up to whole blocks of 1,024; default: 1,024 from 120 "
        "months up, more blocks for shorter horizons, which keeps a chunk's arrays in the "
        "cache); bounds memory",
    )
    horizon(p)

    p = sub.add_parser("sensitivity", help="which assumption moves the answer most")
    common(p)
    p.add_argument("--scenario", required=True, metavar="NAME")
    p.add_argument(
        "--delta",
        type=fraction,
        default=0.2,
        help="relative move of each driver: 0.2 or 20%% (default 0.2)",
    )
    horizon(p)

    p = sub.add_parser("sweep", help="a grid of what-if values, locally or on a Dask cluster")
    common(p)
    p.add_argument("--scenario", required=True, metavar="NAME")
    p.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="NAME=SPEC",
        help="user_growth_multiplier=0.5:1.5:11 or arpu_monthly=8,10,12 (repeatable)",
    )
    where_to_run(p)
    p.add_argument("--paths", type=int, metavar="N", help="also run a Monte Carlo per point")
    p.add_argument("--volatility", type=fraction, default=0.05, metavar="SIGMA")
    p.add_argument("--seed", type=int, default=1, metavar="S")
    horizon(p)

    p = sub.add_parser("report", help="the board-report PDF and the Excel workbook")
    common(p)
    p.add_argument(
        "--scenario", action="append", metavar="NAME", help="a scenario (repeatable; default all)"
    )
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="the report date (default: today)")
    p.add_argument("--company", default="", metavar="NAME", help="company name for the report")
    p.add_argument("--paper", default="A4", metavar="A4|Letter", help="paper size (default A4)")
    with_actuals(p)
    p.add_argument(
        "--compare-to",
        metavar="DIR_OR_GIT_REVISION",
        help="add 'What changed since the last version': the bridge from this version (a data "
        "folder, or git:REV) to this one",
    )

    p = sub.add_parser("notebooks", help="execute the notebooks with papermill")
    with_actuals(p)
    p.add_argument(
        "--scenario",
        action="append",
        metavar="NAME",
        help="run the notebooks for this scenario (repeatable); default: their own defaults",
    )
    p.add_argument(
        "-p",
        "--parameter",
        action="append",
        nargs=2,
        metavar=("NAME", "VALUE"),
        default=[],
        help="set a notebook parameter (repeatable), e.g. -p user_growth_multiplier 1.2",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT_DIR / "notebooks",
        help="output folder (default: reports/notebooks/); one subfolder per scenario",
    )
    p.add_argument(
        "--notebook",
        action="append",
        metavar="NAME",
        help="run only this notebook (repeatable): projection, scenario_comparison, ...",
    )
    p.add_argument(
        "--in-place",
        action="store_true",
        help="re-execute the committed notebooks with their defaults (accepts a model change)",
    )

    p = sub.add_parser("explain", help="why and when a catalog item or trigger switched on")
    common(p, out=False)
    p.add_argument("--scenario", required=True, metavar="NAME")
    horizon(p)
    what_if(p)
    p.add_argument("id", metavar="ITEM_OR_TRIGGER")
    for command, command_parser in sub.choices.items():
        # so that a stray argument is reported with the sub-command's usage (see parse)
        command_parser.set_defaults(command_parser=command_parser, command=command)
    return parser


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line; what its sub-command does not take is refused with the sub-command's
    usage (argparse itself would give the top-level one)."""
    args, extra = build_parser().parse_known_args(argv)
    if extra:
        hint = ""
        if "--scenario" in (argv if argv is not None else sys.argv[1:]):
            hint = "; --scenario takes one name: repeat it (--scenario base --scenario bull)"
        args.command_parser.error(f"unrecognized arguments: {' '.join(extra)}{hint}")
    return args


def fraction(text: str) -> float:
    """A command-line fraction: 0.05 or 5%, finite, from 0 to 1 (100%)."""
    from secmodel.inputs.csvtable import parse_number

    try:
        value = parse_number(text, percent=True)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a fraction: '{text}' (write 0.05 or 5%)") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not between 0 and 100%; write 0.05 or 5% for 5%"
        )
    return value


def where_to_run(p: argparse.ArgumentParser) -> None:
    """--workers K local processes, or --scheduler ADDRESS of a Dask cluster."""
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=1, metavar="K", help="local processes")
    where.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler, tcp://host:8786")
    p.add_argument(
        "--scheduler-timeout",
        type=seconds,
        default=SCHEDULER_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help="how long to wait for the scheduler to answer (default %(default)g)",
    )


def seconds(text: str) -> float:
    """A command-line duration in seconds: a finite number above 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"not a number of seconds above 0: '{text}'")
    return value


@contextlib.contextmanager
def scheduler_for(args):
    """The Dask client of --scheduler, connected before any work starts (None without one)."""
    if args.scheduler is None:
        yield None
        return
    from secmodel.analysis.executor import connect_scheduler

    client = connect_scheduler(args.scheduler, args.scheduler_timeout)
    try:
        yield client
    finally:
        client.close()


def horizon(p: argparse.ArgumentParser) -> None:
    p.add_argument("--horizon", type=int, metavar="N", help="months to project (overrides the CSV)")


def what_if(p: argparse.ArgumentParser) -> None:
    """The what-if overrides, applied on top of the CSVs without editing them."""
    p.add_argument(
        "--user-growth-multiplier",
        type=float,
        default=1.0,
        metavar="X",
        help="scale every monthly user-growth segment (default 1.0)",
    )
    p.add_argument("--arpu-monthly", type=float, metavar="USD", help="ARPU, USD/user/month")
    p.add_argument("--start-users", type=float, metavar="N", help="users at launch")


# the what-if overrides as the command line spells them, for its messages
WHAT_IF_OPTIONS = {
    name: "--" + name.replace("_", "-")
    for name in ("user_growth_multiplier", "arpu_monthly", "start_users")
}


def overridden(args, scenario):
    from secmodel.model.whatif import WhatIf

    return WhatIf(
        user_growth_multiplier=args.user_growth_multiplier,
        arpu_monthly=args.arpu_monthly,
        start_users=args.start_users,
    ).apply(scenario, WHAT_IF_OPTIONS)


def run() -> None:
    """The ``secmodel`` command: :func:`main`, then exit with its code.

    The process ends there, so the objects it made are left out of the garbage collection that
    Python runs at exit (``gc.freeze``): it would only free memory that the exit frees anyway.
    """
    code = main()
    gc.freeze()
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        return COMMANDS[args.command](args)
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(
            f"{count} input problem{'s' if count != 1 else ''}; nothing written.", file=sys.stderr
        )
        return EXIT_BAD_INPUT
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except EnvironmentFailure as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FILE_ERROR
    except KeyboardInterrupt:  # Ctrl-C: the files a run writes together are written or not
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except OSError as exc:  # a file or folder that cannot be read or written
        where = f" {display_path(exc.filename)}" if exc.filename else ""
        print(
            f"error: cannot use{where}: {(exc.strerror or str(exc)).lower()}; check that the "
            "folder exists, is writable and has free space",
            file=sys.stderr,
        )
        return EXIT_FILE_ERROR


def with_actuals(p) -> None:
    p.add_argument(
        "--actuals",
        nargs="?",
        const="",
        metavar="FILE",
        help="the closed months' actuals (date, users, mrr, spend_cash): users and MRR of those "
        "months replace the plan's and the months after the last are re-forecast from it "
        "(FILE, or DATA/actuals.csv without one)",
    )


def actuals_path(args, data_dir) -> Path | None:
    """The file ``--actuals`` names (``data_dir``/actuals.csv without one), or None."""
    if getattr(args, "actuals", None) is None:
        return None
    from secmodel.inputs.actuals import FILE_NAME

    return Path(args.actuals) if args.actuals else Path(data_dir) / FILE_NAME


def actuals_for(args, inputs):
    """The actuals ``--actuals`` names, read, or None."""
    path = actuals_path(args, inputs.data_dir)
    if path is None:
        return None
    from secmodel.inputs.actuals import read_actuals

    return read_actuals(path)


def cmd_project(args) -> int:
    from secmodel.analysis.variance import plan_vs_actual
    from secmodel.inputs.loader import load_inputs
    from secmodel.model.checks import run_checks, summary_line
    from secmodel.model.engine import compile_model
    from secmodel.model.projection import check_horizon, project_scenario, resolve_scenarios
    from secmodel.output import csv_files, projection_files, write_files_atomic

    inputs = load_inputs(args.data)
    scenarios = resolve_scenarios(inputs, args.scenario)
    check_horizon(args.horizon)
    actuals = actuals_for(args, inputs)
    model = compile_model(inputs)
    projections, lines, all_results, variances = [], [], [], {}
    for scenario in [overridden(args, s) for s in scenarios]:
        projection = project_scenario(inputs, scenario, args.horizon, model=model, actuals=actuals)
        if actuals is not None:
            plan = project_scenario(inputs, scenario, args.horizon, model=model)
            variances[scenario.scenario] = plan_vs_actual(plan, projection)
        results = run_checks(projection.table, projection.spend_by_item)
        all_results += results
        projections.append(projection)
        lines.append(scenario_summary(projection) + f"; {summary_line(results)}")
    if not all(r.passed for r in all_results):
        print("\n".join(lines), summary_line(all_results), sep="\n")
        for r in all_results:
            if not r.passed:
                print(f"  CHECK FAILED: {r.name}: {r.detail}", file=sys.stderr)
        print("model checks failed; nothing written.", file=sys.stderr)
        return EXIT_CHECKS_FAILED
    # every scenario's files in one step (all or none), before anything is printed: output
    # piped into `head` and closed early stops the printing, not the writing
    files = {}
    for projection in projections:
        folder = inside(args.out, inputs.scenario_folder(projection.scenario.scenario))
        files.update(projection_files(folder, projection))
        if projection.scenario.scenario in variances:
            table = variances[projection.scenario.scenario]
            files.update(csv_files(folder, {"plan_vs_actual.csv": table}))
    write_files_atomic(files)
    if actuals is not None:
        print(f"actuals: {len(actuals.months)} closed month(s) to {actuals.last_date} "
              f"({actuals.file})")  # fmt: skip
    print("\n".join(lines), summary_line(all_results), sep="\n")
    print(f"wrote {len(projections)} scenario(s) to {display_path(args.out)}/")
    return 0


def cmd_compare(args) -> int:
    import pandas as pd

    from secmodel.analysis import bridge
    from secmodel.formatting import usd_cents
    from secmodel.inputs.versions import folder_version, read_version
    from secmodel.output import csv_files, write_files_atomic

    new = folder_version(str(args.data), args.data)  # a missing one: load_inputs says so
    base = read_version(args.base, args.data)
    both = [s for s in new.inputs.scenarios if s in base.inputs.scenarios]
    names = args.scenario or both
    missing = [n for n in names if n not in both]
    if missing:
        raise UsageError(
            f"scenario {', '.join(repr(n) for n in missing)} is not in both versions; "
            f"in both: {', '.join(both) or 'none'}"
        )
    out = Path(args.out)
    passed = 0
    files = csv_files(out, {"changes.csv": bridge.changes_table(base, new)})
    lines = []
    for name in names:
        comparison = bridge.compare(base, new, name)
        table, moves = comparison.table, comparison.trigger_moves
        passed += comparison.reconciles
        folder = inside(out, new.inputs.scenario_folder(name))
        files.update(csv_files(folder, {"bridge.csv": table, "trigger_moves.csv": moves}))
        first, last = table.iloc[0], table.iloc[-1]
        moved = last["cumulative_cash"] - first["cumulative_cash"]
        lines.append(
            f"{name}: cumulative cash spend {usd_cents(first['cumulative_cash'])} -> "
            f"{usd_cents(last['cumulative_cash'])}, a change of {usd_cents(moved)}"
        )
        for row in table.iloc[1:-1].itertuples():
            if row.delta_cumulative_cash or row.delta_cumulative_accrual:
                lines.append(f"  {row.description}: {usd_cents(row.delta_cumulative_cash)} cash, "
                             f"{usd_cents(row.delta_cumulative_accrual)} accrual")  # fmt: skip
        for row in moves.itertuples():
            was, now = (
                "not within the horizon" if pd.isna(m) else f"month {m}"
                for m in (row.base_month, row.new_month)
            )
            lines.append(f"  trigger {row.trigger_id} fires: {was} -> {now}")
    write_files_atomic(files)
    print(f"base {base.name}, new {display_path(args.data)}")
    print("\n".join(lines))
    print(f"checks: {passed}/{len(names)} pass (each bridge adds up to the cent)")
    print(f"wrote {display_path(out)}/")
    return 0


def scenario_summary(projection) -> str:
    """One line: when each trigger fired and the spend at the horizon."""
    fired = [
        f"{t.trigger_id} m{int(m)}"
        for t, m in zip(projection.model.triggers, projection.arrays.fired_month, strict=True)
        if m >= 0
    ]
    last = projection.table.iloc[-1]
    return (
        f"{projection.scenario.scenario}: {projection.horizon_months} months; "
        f"fired: {', '.join(fired) or 'none'}; "
        f"cumulative spend ${last['cumulative_accrual']:,.0f} accrual, "
        f"${last['cumulative_cash']:,.0f} cash"
    )


def cmd_audit(args) -> int:
    from secmodel.analysis import audit as audit_module
    from secmodel.inputs.loader import load_inputs
    from secmodel.output import write_csv_atomic

    inputs = load_inputs(args.data)
    audit = audit_module.run_audit(inputs)
    write_csv_atomic(args.out / "roadmap_audit.csv", audit)
    print(audit_module.format_audit(audit))
    print(f"wrote {display_path(args.out / 'roadmap_audit.csv')}")
    return 0


def cmd_explain(args) -> int:
    from secmodel.analysis.explain import explain
    from secmodel.inputs.loader import load_inputs
    from secmodel.model.projection import project_scenario, resolve_scenarios

    inputs = load_inputs(args.data)
    scenario = overridden(args, resolve_scenarios(inputs, [args.scenario])[0])
    projection = project_scenario(inputs, scenario, args.horizon)
    print(explain(projection, args.id))
    return 0


def one_scenario(args):
    """The inputs and the scenario named by --scenario, with --horizon checked."""
    from secmodel.inputs.loader import load_inputs
    from secmodel.model.projection import check_end, check_horizon, resolve_scenarios

    inputs = load_inputs(args.data)
    scenario = resolve_scenarios(inputs, [args.scenario])[0]
    check_horizon(args.horizon)
    check_end(scenario, args.horizon)
    return inputs, scenario


def cmd_montecarlo(args) -> int:
    from secmodel.analysis.montecarlo import LocalWorkers

    if args.workers < 1 or (args.chunk_paths is not None and args.chunk_paths < 1):
        raise UsageError("--workers and --chunk-paths must be at least 1")
    if args.workers == 1:
        return montecarlo_run(args, 1)
    with LocalWorkers(args.workers) as workers:  # started now: they start while inputs are read
        return montecarlo_run(args, workers)


def montecarlo_run(args, workers) -> int:
    """`montecarlo` on ``workers`` (1, or local workers started ahead)."""
    from tqdm import tqdm

    from secmodel.analysis.montecarlo import (
        BLOCK,
        SKETCH_RELATIVE_ERROR,
        MonteCarloSpec,
        check_size,
        check_spec,
        chunk_blocks,
        default_chunk_paths,
        run_montecarlo,
    )
    from secmodel.model.engine import compile_model
    from secmodel.output import csv_files, write_files_atomic

    inputs, scenario = one_scenario(args)
    settings = inputs.uncertainty.get(scenario.scenario)
    missing = [
        f"--{name}" for name in ("paths", "volatility", "seed") if getattr(args, name) is None
    ]
    if missing and settings is None:
        raise UsageError(
            f"uncertainty.csv has no row for scenario '{scenario.scenario}': give "
            f"{', '.join(missing)}, or add a row"
        )
    for name in ("paths", "volatility", "seed"):  # what the command line leaves to the data
        if getattr(args, name) is None:
            setattr(args, name, getattr(settings, name))
    check_spec(args.paths, args.volatility, args.seed)
    horizon_months = args.horizon or scenario.horizon_months
    actuals = actuals_for(args, inputs)
    if actuals is not None:
        from secmodel.inputs.actuals import scenario_actuals

        actuals = scenario_actuals(actuals, scenario, horizon_months)
    spec = MonteCarloSpec(
        scenario,
        horizon_months,
        args.paths,
        args.volatility,
        args.seed,
        inputs.settings.growth_floor,
        actuals,
    )
    args.chunk_paths = args.chunk_paths or default_chunk_paths(spec.horizon_months)
    check_size(compile_model(inputs), spec, args.chunk_paths)  # before the progress bar
    chunks = -(-args.paths // (chunk_blocks(args.chunk_paths) * BLOCK))  # whole chunks
    with (
        scheduler_for(args) as scheduler,
        tqdm(total=chunks, unit="chunk", desc="paths", file=sys.stderr) as bar,
    ):
        result = run_montecarlo(inputs, spec, workers, args.chunk_paths, bar.update, scheduler)
    folder = inside(args.out, inputs.scenario_folder(scenario.scenario), "montecarlo")
    tables = {
        "montecarlo_quantiles.csv": result.quantiles,
        "trigger_probability.csv": result.trigger_probability,
        "trigger_firing_quantiles.csv": result.firing_quantiles,
        "stage_probability.csv": result.stage_probability,
    }
    write_files_atomic(csv_files(folder, tables))  # the four together, or none of them
    method = "exact" if result.exact else f"sketch (relative error <= {SKETCH_RELATIVE_ERROR:.2%})"
    print(
        f"{args.paths:,} paths of {scenario.scenario}, volatility {args.volatility:g}, "
        f"seed {args.seed}; quantiles: {method}"
    )
    print(result.firing_quantiles.to_string(index=False))
    print(f"wrote {display_path(folder)}/")
    return 0


def cmd_sensitivity(args) -> int:
    from secmodel.analysis.sensitivity import sensitivity_table
    from secmodel.formatting import usd
    from secmodel.output import write_csv_atomic

    inputs, scenario = one_scenario(args)
    table = sensitivity_table(inputs, scenario, args.delta, args.horizon)
    path = inside(args.out, inputs.scenario_folder(scenario.scenario), "sensitivity.csv")
    write_csv_atomic(path, table)
    base = table["cumulative_spend_base"].iloc[0]
    print(
        f"{scenario.scenario}: cumulative spend ${base:,.0f}; each driver moved by "
        f"{args.delta:.0%} (months by at least 1). Largest effects:"
    )

    def signed(value: float) -> str:
        return ("+" if value > 0 else "") + usd(value)

    print(f"  {'driver':<36} {'moved down':>14} {'moved up':>14}")
    for row in table.head(10).itertuples():
        print(
            f"  {row.driver:<36} {signed(row.cumulative_spend_low - base):>14} "
            f"{signed(row.cumulative_spend_high - base):>14}"
        )
    print(f"wrote {display_path(path)}")
    return 0


def cmd_sweep(args) -> int:
    from tqdm import tqdm

    from secmodel.analysis.sweep import BATCH, check_sweep_size, parse_grid, run_sweep
    from secmodel.output import write_csv_atomic

    inputs, scenario = one_scenario(args)
    grid = parse_grid(args.grid)
    montecarlo = None
    if args.paths is not None:
        from secmodel.analysis.montecarlo import check_spec

        check_spec(args.paths, args.volatility, args.seed)
        montecarlo = {"paths": args.paths, "volatility": args.volatility, "seed": args.seed}
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    check_sweep_size(
        inputs, scenario, grid, args.horizon or scenario.horizon_months, montecarlo
    )  # before the progress bar
    points = math.prod(len(values) for values in grid.values())
    with (
        scheduler_for(args) as scheduler,
        tqdm(total=-(-points // BATCH), unit="batch", desc="sweep", file=sys.stderr) as bar,
    ):
        table = run_sweep(
            inputs, scenario, grid, args.horizon, montecarlo, args.workers, scheduler, bar.update
        )
    path = inside(args.out, inputs.scenario_folder(scenario.scenario), "sweep.csv")
    write_csv_atomic(path, table)
    print(f"{points:,} points of {scenario.scenario}; wrote {display_path(path)}")
    return 0


def cmd_report(args) -> int:
    from secmodel.report.build import ReportError, make_report  # heavy imports: only here

    actuals_file = actuals_path(args, args.data)
    try:
        request = make_report(
            args.data,
            args.scenario,
            args.as_of,
            args.company,
            args.paper,
            args.out,
            actuals_file,
            args.compare_to,
        )
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {display_path(request.pdf_path)} and {display_path(request.xlsx_path)}")
    return 0


def cmd_notebooks(args) -> int:
    from secmodel.report.runner import run_notebooks  # papermill is slow to import: only here

    parameters = list(args.parameter)
    actuals_file = actuals_path(args, dict(parameters).get("data_dir") or DEFAULT_DATA_DIR)
    if actuals_file is not None:  # the notebooks' actuals_file parameter
        parameters.append(("actuals_file", str(actuals_file)))
    return run_notebooks(args.scenario, parameters, args.out, args.in_place, args.notebook)


COMMANDS = {
    "project": cmd_project,
    "compare": cmd_compare,
    "audit": cmd_audit,
    "explain": cmd_explain,
    "notebooks": cmd_notebooks,
    "report": cmd_report,
    "montecarlo": cmd_montecarlo,
    "sensitivity": cmd_sensitivity,
    "sweep": cmd_sweep,
}
