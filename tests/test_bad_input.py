"""Bad input: every class of mistake gives 'FILE:LINE: column: what (got 'value')', exit code 2,
no traceback, and nothing written."""

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from secmodel.paths import REPO_ROOT


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def set_cell(data: Path, file: str, row_id: str, column: str, value: str) -> None:
    """Set one cell, finding the row by its first column's value."""
    rows = read_rows(data / file)
    col = rows[0].index(column)
    for row in rows[1:]:
        if row[0] == row_id:
            row[col] = value
            break
    else:
        raise AssertionError(f"no row {row_id} in {file}")
    write_rows(data / file, rows)


def set_cell_at(data: Path, file: str, line: int, column: str, value: str) -> None:
    """Set one cell by line number (header = line 1; the files have no multi-line cells)."""
    rows = read_rows(data / file)
    rows[line - 1][rows[0].index(column)] = value
    write_rows(data / file, rows)


def drop_row(data: Path, file: str, row_id: str) -> None:
    """Remove the row whose first column is ``row_id``."""
    write_rows(data / file, [r for r in read_rows(data / file) if r[0] != row_id])


def add_column(data: Path, file: str, column: str, values: dict[str, str]) -> None:
    """Add ``column`` to a file, with ``values`` by row id (blank elsewhere)."""
    rows = read_rows(data / file)
    write_rows(data / file, [[*rows[0], column]] + [[*r, values.get(r[0], "")] for r in rows[1:]])


def drop_column(data: Path, file: str, column: str) -> None:
    rows = read_rows(data / file)
    col = rows[0].index(column)
    write_rows(data / file, [r[:col] + r[col + 1 :] for r in rows])


CASES = {
    "escalation on a pct_revenue item": (
        lambda d: (
            set_cell(d, "catalog.csv", "hosting", "basis", "pct_revenue"),
            set_cell(d, "catalog.csv", "hosting", "amount", "1%"),
            add_column(d, "catalog.csv", "escalation_annual", {"hosting": "5%"}),
        ),
        "catalog.csv:2: escalation_annual: a pct_revenue item grows with revenue: leave its "
        "escalation blank (got '5%')",
    ),
    "escalation typed without its percent sign": (
        lambda d: add_column(d, "catalog.csv", "escalation_annual", {"hosting": "11"}),
        "catalog.csv:2: escalation_annual: is more than 100% a year; write 0.15 or 15% for 15% "
        "(got '11')",
    ),
    "escalation not a number": (
        lambda d: add_column(d, "catalog.csv", "escalation_annual", {"datadog_monitoring": "CPI"}),
        "catalog.csv:8: escalation_annual: is not a fraction per year (got 'CPI')",
    ),
    "missing column": (
        lambda d: drop_column(d, "catalog.csv", "amount"),
        "catalog.csv:1: amount: required column is missing (got 'item_id,name,",
    ),
    "empty file": (
        lambda d: (d / "triggers.csv").write_text(""),
        "triggers.csv:1: (header): file is empty",
    ),
    "header only": (
        lambda d: (d / "stages.csv").write_text(
            "stage,rank,trigger,target_score,budget_monthly,focus\n"
        ),
        "stages.csv:1: (header): file has a header but no data rows",
    ),
    "non-numeric money": (
        lambda d: set_cell(d, "catalog.csv", "hosting", "amount", "five hundred"),
        "catalog.csv:2: amount: is not an amount in USD (got 'five hundred')",
    ),
    "negative money": (
        lambda d: set_cell(d, "catalog.csv", "hosting", "amount", "-$500.00"),
        "catalog.csv:2: amount: must not be negative (got '-$500.00')",
    ),
    "negative budget": (
        lambda d: set_cell(d, "stages.csv", "growth", "budget_monthly", "(5,000)"),
        "stages.csv:3: budget_monthly: must not be negative (got '(5,000)')",
    ),
    "non-numeric arpu": (
        lambda d: set_cell(d, "scenarios.csv", "base", "arpu_monthly", "ten"),
        "scenarios.csv:3: arpu_monthly: is not an amount in USD (got 'ten')",
    ),
    "unknown cadence": (
        lambda d: set_cell(d, "catalog.csv", "hosting", "cadence", "weekly"),
        "catalog.csv:2: cadence: must be one of monthly, annual, one_off (got 'weekly')",
    ),
    "unknown basis": (
        lambda d: set_cell(d, "catalog.csv", "hosting", "basis", "per_host"),
        "catalog.csv:2: basis: must be one of fixed, per_user, pct_revenue (got 'per_host')",
    ),
    "unknown trigger in catalog": (
        lambda d: set_cell(d, "catalog.csv", "snyk_security", "trigger", "mrr_5k"),
        "catalog.csv:9: trigger: unknown trigger; not in triggers.csv (got 'mrr_5k')",
    ),
    "unknown trigger in stages": (
        lambda d: set_cell(d, "stages.csv", "scale", "trigger", "mrr_100K"),
        "stages.csv:4: trigger: unknown trigger; not in triggers.csv (got 'mrr_100K')",
    ),
    "unknown replaces": (
        lambda d: set_cell(d, "catalog.csv", "splunk_monitoring", "replaces", "datadog"),
        "catalog.csv:14: replaces: unknown item; not in catalog.csv (got 'datadog')",
    ),
    "duplicate item id": (
        lambda d: set_cell_at(d, "catalog.csv", 3, "item_id", "hosting"),
        "catalog.csv:3: item_id: duplicate id; first defined on line 2 (got 'hosting')",
    ),
    "duplicate trigger id": (
        lambda d: set_cell(d, "triggers.csv", "users_10k", "trigger_id", "mrr_10k"),
        "triggers.csv:5: trigger_id: duplicate id; first defined on line 3 (got 'mrr_10k')",
    ),
    "duplicate scenario": (
        lambda d: set_cell(d, "scenarios.csv", "bull", "scenario", "base"),
        "scenarios.csv:4: scenario: duplicate id; first defined on line 3 (got 'base')",
    ),
    "replaces cycle": (
        lambda d: (
            set_cell(d, "catalog.csv", "datadog_monitoring", "replaces", "splunk_monitoring"),
            set_cell(d, "catalog.csv", "splunk_monitoring", "replaces", "datadog_monitoring"),
        ),
        "catalog.csv:8: replaces: replaces cycle: "
        "datadog_monitoring -> splunk_monitoring -> datadog_monitoring (got 'splunk_monitoring')",
    ),
    "replaces itself": (
        lambda d: set_cell(d, "catalog.csv", "hosting", "replaces", "hosting"),
        "catalog.csv:2: replaces: an item cannot replace itself (got 'hosting')",
    ),
    "per_user needs monthly": (
        lambda d: (set_cell(d, "catalog.csv", "security_audit", "basis", "per_user"),),
        "catalog.csv:12: cadence: basis per_user needs cadence monthly (got 'annual')",
    ),
    "pct_revenue needs monthly": (
        lambda d: (
            set_cell(d, "catalog.csv", "hosting", "basis", "pct_revenue"),
            set_cell(d, "catalog.csv", "hosting", "cadence", "one_off"),
        ),
        "catalog.csv:2: cadence: basis pct_revenue needs cadence monthly (got 'one_off')",
    ),
    "condition syntax": (
        lambda d: set_cell(d, "triggers.csv", "mrr_10k", "condition", "mrr >= $10,000"),
        "triggers.csv:3: condition: condition syntax error at character 8; write plain numbers "
        "without $ , or % (10_000 is allowed) (got 'mrr >= $10,000')",
    ),
    "condition function call": (
        lambda d: set_cell(
            d, "triggers.csv", "mrr_10k", "condition", "__import__('os').system('ls') > 0"
        ),
        "triggers.csv:3: condition: condition a function call is not allowed in a condition",
    ),
    "condition attribute": (
        lambda d: set_cell(d, "triggers.csv", "mrr_10k", "condition", "mrr.real >= 1"),
        "triggers.csv:3: condition: condition attribute access '.real' is not allowed",
    ),
    "condition unknown name": (
        lambda d: set_cell(d, "triggers.csv", "mrr_10k", "condition", "revenue >= 10_000"),
        "triggers.csv:3: condition: condition unknown name 'revenue'; "
        "use one of month, users, mrr, arr (got 'revenue >= 10_000')",
    ),
    "condition arithmetic": (
        lambda d: set_cell(d, "triggers.csv", "mrr_10k", "condition", "users * 10 >= 10_000"),
        "triggers.csv:3: condition: condition arithmetic is not allowed in a condition",
    ),
    "condition bare value": (
        lambda d: set_cell(d, "triggers.csv", "mrr_10k", "condition", "mrr"),
        "triggers.csv:3: condition: condition must be a comparison",
    ),
    "sustain below 1": (
        lambda d: set_cell(d, "triggers.csv", "mrr_10k", "sustain_months", "0"),
        "triggers.csv:3: sustain_months: must not be less than 1 (got '0')",
    ),
    "lead below 0": (
        lambda d: set_cell(d, "triggers.csv", "mrr_10k", "lead_months", "-1"),
        "triggers.csv:3: lead_months: must not be negative (got '-1')",
    ),
    "growth of -100%": (
        lambda d: set_cell_at(d, "growth.csv", 6, "user_growth_monthly", "-1"),
        "growth.csv:6: user_growth_monthly: must be greater than -1 (got '-1')",
    ),
    "growth below -100%": (
        lambda d: set_cell_at(d, "growth.csv", 6, "user_growth_monthly", "-150%"),
        "growth.csv:6: user_growth_monthly: must be greater than -1 (got '-150%')",
    ),
    "no growth for month 1": (
        lambda d: set_cell_at(d, "growth.csv", 6, "from_month", "2"),
        "scenarios.csv:3: scenario: no growth segment in growth.csv covers month 1 "
        "(its first segment starts at month 2) (got 'base')",
    ),
    "growth for an unknown scenario": (
        lambda d: set_cell_at(d, "growth.csv", 6, "scenario", "Base"),
        "growth.csv:6: scenario: unknown scenario; not in scenarios.csv (got 'Base')",
    ),
    "malformed start_date": (
        lambda d: set_cell(d, "scenarios.csv", "bear", "start_date", "2027/01"),
        "scenarios.csv:5: start_date: must be a month written YYYY-MM (got '2027/01')",
    ),
    "month 13": (
        lambda d: set_cell(d, "scenarios.csv", "bear", "start_date", "2027-13"),
        "scenarios.csv:5: start_date: must be a month written YYYY-MM (got '2027-13')",
    ),
    "duplicate stage rank": (
        lambda d: set_cell(d, "stages.csv", "scale", "rank", "2"),
        "stages.csv:4: rank: duplicate rank; also used on line 3 (got '2')",
    ),
    "horizon 0": (
        lambda d: set_cell(d, "scenarios.csv", "base", "horizon_months", "0"),
        "scenarios.csv:3: horizon_months: must be between 1 and 1200 (got '0')",
    ),
    "horizon 1201": (
        lambda d: set_cell(d, "scenarios.csv", "base", "horizon_months", "1201"),
        "scenarios.csv:3: horizon_months: must be between 1 and 1200 (got '1201')",
    ),
    "fractional horizon": (
        lambda d: set_cell(d, "scenarios.csv", "base", "horizon_months", "60.5"),
        "scenarios.csv:3: horizon_months: must be a whole number (got '60.5')",
    ),
    "negative start users": (
        lambda d: set_cell(d, "scenarios.csv", "base", "start_users", "-1"),
        "scenarios.csv:3: start_users: must not be negative (got '-1')",
    ),
    "bad latch": (
        lambda d: set_cell(d, "triggers.csv", "mrr_10k", "latch", "maybe"),
        "triggers.csv:3: latch: must be true or false (got 'maybe')",
    ),
    "milestone months not months": (
        lambda d: set_cell(d, "settings.csv", "milestone_months", "value", "12, 24, year 3"),
        "settings.csv:2: value: must be whole months separated by ';' (e.g. 12;24;36;60) "
        "(got '12, 24, year 3')",
    ),
    "milestone months out of order": (
        lambda d: set_cell(d, "settings.csv", "milestone_months", "value", "24;12"),
        "settings.csv:2: value: months must rise and not repeat (got '24;12')",
    ),
    "growth floor not a fall": (
        lambda d: set_cell(d, "settings.csv", "growth_floor", "value", "5%"),
        "settings.csv:3: value: must be below 0 (a fall in users) (got '5%')",
    ),
    "unknown setting": (
        lambda d: set_cell(d, "settings.csv", "notebook_workers", "setting", "workers"),
        "settings.csv:9: setting: unknown setting; known: milestone_months, growth_floor",
    ),
    "setting missing": (
        lambda d: drop_row(d, "settings.csv", "growth_floor"),
        "settings.csv:9: setting: missing: growth_floor",
    ),
    "default scenario unknown": (
        lambda d: set_cell(d, "settings.csv", "default_scenario", "value", "boom"),
        "settings.csv:8: value: unknown scenario; not in scenarios.csv (got 'boom')",
    ),
    "an amount too large for a number": (
        lambda d: set_cell(d, "catalog.csv", "hosting", "amount", "1e309"),
        "catalog.csv:2: amount: is too large; expected an amount in USD (got '1e309')",
    ),
    "a horizon too large for a number": (
        lambda d: set_cell(d, "scenarios.csv", "base", "horizon_months", "1e309"),
        "scenarios.csv:3: horizon_months: is too large; expected a number of months (got '1e309')",
    ),
    "a sustain beyond any horizon": (
        lambda d: set_cell(d, "triggers.csv", "mrr_10k", "sustain_months", "1e20"),
        "triggers.csv:3: sustain_months: must not be more than 1,201 (got '1e20')",
    ),
    "a 400-digit number in a condition": (
        lambda d: set_cell(d, "triggers.csv", "mrr_10k", "condition", "mrr >= 1" + "0" * 400),
        "triggers.csv:3: condition: condition number 10000000000000000000... is too large",
    ),
    "the year 0": (
        lambda d: set_cell(d, "scenarios.csv", "bear", "start_date", "0000-01"),
        "scenarios.csv:5: start_date: must be 1900-01 or later (got '0000-01')",
    ),
    "a horizon past the year 9999": (
        lambda d: set_cell(d, "scenarios.csv", "bear", "start_date", "9995-01"),
        "scenarios.csv:5: horizon_months: ends after 9999-12 (from 9995-01); at most 59 months "
        "(got '60')",
    ),
    "growth typed as a percentage without its sign": (
        lambda d: set_cell_at(d, "growth.csv", 6, "user_growth_monthly", "15"),
        "growth.csv:6: user_growth_monthly: is more than 100% a month; write 0.15 or 15% for 15% "
        "(got '15')",
    ),
    "ARPU growth typed as a percentage without its sign": (
        lambda d: set_cell(d, "scenarios.csv", "base", "arpu_growth_annual", "3"),
        "scenarios.csv:3: arpu_growth_annual: is more than 100% a year; write 0.15 or 15% for "
        "15% (got '3')",
    ),
    "volatility typed as a percentage without its sign": (
        lambda d: set_cell(d, "uncertainty.csv", "base", "volatility", "5"),
        "uncertainty.csv:2: volatility: is more than 100% a month; write 0.15 or 15% for 15% "
        "(got '5')",
    ),
    "benchmark without a figure": (
        lambda d: set_cell(d, "benchmarks.csv", "ians_2024_revenue", "value", ""),
        "benchmarks.csv:2: value: needs a value or a low and high",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_reported_with_file_line_column(case, data_dir, tmp_path, run):
    mutate, expected = CASES[case]
    mutate(data_dir)
    out = tmp_path / "out"
    code, _, stderr = run("project", "--data", data_dir, "--out", out)
    assert code == 2
    assert expected in stderr, stderr
    assert f"{data_dir}" in stderr or "data/" in stderr  # the file is named
    assert "Traceback" not in stderr
    assert not out.exists()  # nothing written


def test_every_problem_in_every_file_is_reported_at_once(data_dir, tmp_path, run):
    set_cell(data_dir, "catalog.csv", "hosting", "amount", "lots")
    set_cell(data_dir, "catalog.csv", "datadog_monitoring", "cadence", "weekly")
    set_cell(data_dir, "triggers.csv", "mrr_10k", "sustain_months", "0")
    set_cell(data_dir, "scenarios.csv", "bear", "start_date", "soon")
    code, _, stderr = run("project", "--data", data_dir, "--out", tmp_path / "out")
    assert code == 2
    problems = [line for line in stderr.splitlines() if ".csv:" in line]
    assert len(problems) == 4
    assert stderr.strip().endswith("4 input problems; nothing written.")


def test_audit_reports_claims_problems_with_the_model_inputs(data_dir, tmp_path, run):
    set_cell(data_dir, "catalog.csv", "hosting", "amount", "lots")
    set_cell(data_dir, "roadmap_claims.csv", "phase2_start", "check", "month_of")
    code, _, stderr = run("audit", "--data", data_dir, "--out", tmp_path / "out")
    assert code == 2
    assert "catalog.csv:2: amount:" in stderr
    assert "roadmap_claims.csv:20: check: must be one of" in stderr
    assert not (tmp_path / "out").exists()


def test_claims_referencing_unknown_names(data_dir, tmp_path, run):
    set_cell(data_dir, "roadmap_claims.csv", "phase2_start", "subject", "mrr_20k")
    set_cell(data_dir, "roadmap_claims.csv", "mvp_score", "subject", "startup")
    code, _, stderr = run("audit", "--data", data_dir, "--out", tmp_path / "out")
    assert code == 2
    assert "roadmap_claims.csv:20: subject: unknown trigger; not in triggers.csv" in stderr
    assert "roadmap_claims.csv:25: subject: unknown stage; not in stages.csv" in stderr


def test_unknown_scenario_on_the_command_line_lists_the_known_ones(tmp_path, run):
    code, _, stderr = run("project", "--scenario", "bulll", "--out", tmp_path / "out")
    assert code == 2
    assert "unknown scenario 'bulll'; known scenarios: seed_roadmap, base, bull, bear" in stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("horizon", ["0", "1201", "-5"])
def test_horizon_override_out_of_range(horizon, tmp_path, run):
    code, _, stderr = run("project", "--horizon", horizon, "--out", tmp_path / "out")
    assert code == 2
    assert "--horizon must be between 1 and 1200 months" in stderr


def test_a_real_process_exits_2_without_traceback(data_dir, tmp_path):
    set_cell(data_dir, "catalog.csv", "hosting", "cadence", "fortnightly")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "secmodel",
            "project",
            "--data",
            str(data_dir),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=False,
    )
    assert result.returncode == 2
    assert "catalog.csv:2: cadence: must be one of monthly, annual, one_off" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_not_utf8_is_reported(data_dir, tmp_path, run):
    (data_dir / "stages.csv").write_bytes("stage,rank\nm\xe9,1\n".encode("latin-1"))
    code, _, stderr = run("project", "--data", data_dir, "--out", tmp_path / "out")
    assert code == 2
    assert "stages.csv:1: (file): is not UTF-8 text" in stderr


def test_references_are_checked_in_the_same_run_as_other_files_structural_problems(
    data_dir, tmp_path, run
):
    # triggers.csv and scenarios.csv each lose a column, stages.csv gets a row with too many
    # cells: their ids are still known, so the references into them are checked at once
    drop_column(data_dir, "triggers.csv", "condition")
    drop_column(data_dir, "scenarios.csv", "start_users")
    set_cell(data_dir, "catalog.csv", "hosting", "trigger", "no_such_trigger")
    rows = read_rows(data_dir / "growth.csv")
    write_rows(data_dir / "growth.csv", [*rows, ["no_such_scenario", "1", "0.1"]])
    rows = read_rows(data_dir / "stages.csv")
    write_rows(data_dir / "stages.csv", [*rows, [*rows[1], "extra", "cells", "here"]])
    code, _, stderr = run("project", "--data", data_dir, "--out", tmp_path / "out")
    assert code == 2
    lines = [line for line in stderr.splitlines() if ".csv:" in line]
    assert "triggers.csv:1: condition: required column is missing" in lines[2]
    assert "scenarios.csv:1: start_users: required column is missing" in lines[0]
    growth_line = len(read_rows(data_dir / "growth.csv"))
    assert f"growth.csv:{growth_line}: scenario: unknown scenario; not in scenarios.csv" in stderr
    assert (
        "catalog.csv:2: trigger: unknown trigger; not in triggers.csv (got 'no_such_trigger')"
        in stderr
    )
    assert f"stages.csv:{len(rows) + 1}: (row): has" in stderr
    # the other stage rows, and the catalog rows using real triggers, raise nothing
    assert len(lines) == 5, stderr


def set_growth(data: Path, scenario: str, rate: str) -> None:
    rows = read_rows(data / "growth.csv")
    write_rows(data / "growth.csv", [[r[0], r[1], rate] if r[0] == scenario else r for r in rows])


OVERFLOWS = {
    # base: 200 users doubling each month pass 1.797e308 when 2^m > 8.99e305, m = 1,017;
    # the segment in force then is base's last (from month 37), line 9
    "users": (
        lambda d: set_growth(d, "base", "100%"),
        ["--horizon", "1200"],
        "growth.csv:9: user_growth_monthly: the users of scenario 'base' pass 1.8e308, the "
        "largest number the model can hold, in month 1017 of 1200; lower this value or the "
        "horizon (got '100%')",
    ),
    # 200 users x 1e307 USD = 2e309 in month 0
    "MRR": (
        lambda d: set_cell(d, "scenarios.csv", "base", "arpu_monthly", "1e307"),
        [],
        "scenarios.csv:3: arpu_monthly: the MRR of scenario 'base' pass 1.8e308, the largest "
        "number the model can hold, in month 0 of 60",
    ),
    # two launch items of 1e308 a month: each finite, their sum 2e308 is not
    "spend": (
        lambda d: [
            set_cell(d, "catalog.csv", item, "amount", "1e308")
            for item in ("hosting", "ssl_certificates")
        ],
        [],
        "catalog.csv:2: amount: the spend of scenario 'base' pass 1.8e308, the largest number "
        "the model can hold, in month 0 of 60; lower this value or the horizon (got '1e308')",
    ),
    # 1e307 a month from launch: the 18th month's running total is 1.8e308
    "cumulative spend": (
        lambda d: set_cell(d, "catalog.csv", "hosting", "amount", "1e307"),
        [],
        "catalog.csv:2: amount: the cumulative spend of scenario 'base' pass 1.8e308, the "
        "largest number the model can hold, in month 17 of 60",
    ),
}


@pytest.mark.parametrize("figure", sorted(OVERFLOWS))
def test_outputs_that_would_overflow_name_their_input(figure, data_dir, tmp_path, run):
    mutate, args, expected = OVERFLOWS[figure]
    mutate(data_dir)
    out = tmp_path / "out"
    code, _, stderr = run("project", "--data", data_dir, "--scenario", "base", *args, "--out", out)
    assert code == 2
    assert expected in stderr, stderr
    assert "CHECK" not in stderr and "Warning" not in stderr and "Traceback" not in stderr
    assert not out.exists()


def test_a_horizon_override_may_not_pass_the_year_9999(data_dir, tmp_path, run):
    # from 9990-01, month 119 is 9999-12: the last month a spreadsheet can show
    set_cell(data_dir, "scenarios.csv", "base", "start_date", "9990-01")
    args = ["--data", data_dir, "--scenario", "base", "--out", tmp_path / "out"]
    for command in ("project", "montecarlo", "sensitivity"):
        code, _, err = run(command, *args, "--horizon", "120")
        assert code == 2
        assert err.strip() == (
            "error: --horizon 120 carries scenario 'base' (from 9990-01) past 9999-12; "
            "at most 119 months"
        )
    code, _, err = run("project", *args, "--horizon", "119")
    assert code == 0, err
    last = (tmp_path / "out" / "base" / "projection.csv").read_text().splitlines()[-1]
    assert last.startswith("119,9999-12,")


def make_folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def make_loop(path: Path) -> None:
    path.unlink()
    path.symlink_to(path)


def make_broken_link(path: Path) -> None:
    path.unlink()
    path.symlink_to(path.parent / "nowhere.csv")


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (Path.unlink, "no such file"),
        (make_folder, "a folder, not a file"),
        (make_loop, "a link that leads nowhere or to itself"),
        (make_broken_link, "a link that leads nowhere or to itself"),
    ],
    ids=["missing", "folder", "link loop", "broken link"],
)
def test_an_input_file_that_cannot_be_opened_is_one_sentence(damage, why, data_dir, tmp_path, run):
    damage(data_dir / "stages.csv")
    code, _, err = run("project", "--data", data_dir, "--out", tmp_path / "out")
    assert code == 3
    assert err.strip() == (
        f"error: cannot read {data_dir / 'stages.csv'} ({why}): put the file back, or give the "
        "folder that has them as --data"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("exists", [False, True], ids=["missing", "a file"])
def test_a_data_folder_that_is_not_one_is_one_sentence(exists, tmp_path, run):
    data = tmp_path / "data"
    if exists:
        data.write_text("not a folder")
    code, _, err = run("audit", "--data", data, "--out", tmp_path / "out")
    assert code == 3
    what = "is a file, not a folder" if exists else "does not exist"
    assert err.strip() == (
        f"error: the data folder {data} {what}; give the folder with the input CSV files as --data"
    )
