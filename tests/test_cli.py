"""The command line: files written, same bytes on every run, spreadsheet-style CSVs accepted,
explain, and model checks that stop the run when they fail."""

import csv
import io
import re

import pandas as pd
import pytest

import secmodel.model.projection
from tests.conftest import PROJECTION_COLUMNS, SEED_DATA
from tests.test_bad_input import read_rows, write_rows


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_project_writes_every_scenario(tmp_path, run):
    code, out, err = run("project", "--out", tmp_path)
    assert code == 0, err
    assert out.strip().splitlines()[-2] == "checks: 36/36 pass"
    for scenario in ("seed_roadmap", "base", "bull", "bear"):
        folder = tmp_path / scenario
        table = pd.read_csv(folder / "projection.csv")
        assert set(PROJECTION_COLUMNS) <= set(table.columns)
        assert table["month"].tolist() == list(range(61))
        events = pd.read_csv(folder / "events.csv")
        assert list(events.columns) == ["month", "date", "kind", "id", "detail"]
        assert set(events["kind"]) <= {
            "trigger_fired",
            "item_started",
            "item_stopped",
            "stage_changed",
        }
        by_item = pd.read_csv(folder / "spend_by_item.csv")
        assert {"month", "item_id", "tier", "category", "accrual", "cash"} <= set(by_item.columns)
    assert not list(tmp_path.rglob("*.tmp"))  # no temp files left


def test_same_inputs_same_bytes(tmp_path, run):
    assert run("project", "--out", tmp_path / "a")[0] == 0
    assert run("project", "--out", tmp_path / "b")[0] == 0
    assert run("audit", "--out", tmp_path / "a")[0] == 0
    assert run("audit", "--out", tmp_path / "b")[0] == 0
    a, b = snapshot(tmp_path / "a"), snapshot(tmp_path / "b")
    assert a == b and len(a) == 13
    text = b"".join(a.values()).decode()
    assert str(tmp_path) not in text and "\r" not in text


def test_full_precision_and_empty_where_no_revenue(data_dir, tmp_path, run):
    rows = read_rows(data_dir / "scenarios.csv")
    col = rows[0].index("arpu_monthly")
    for row in rows[1:]:
        row[col] = "0"
    write_rows(data_dir / "scenarios.csv", rows)
    assert run("project", "--data", data_dir, "--scenario", "bear", "--out", tmp_path)[0] == 0
    text = (tmp_path / "bear" / "projection.csv").read_text()
    first = dict(zip(text.splitlines()[0].split(","), text.splitlines()[1].split(","), strict=True))
    assert first["pct_of_revenue"] == "" and first["pct_of_revenue_ttm"] == ""
    seed_run = run("project", "--scenario", "seed_roadmap", "--out", tmp_path / "seed")
    assert seed_run[0] == 0
    month_6 = (tmp_path / "seed" / "seed_roadmap" / "projection.csv").read_text().splitlines()[7]
    assert "2321.6666666666665" in month_6  # 1,500 + 655 + 2,000/12, unrounded


def spreadsheet_style(data_dir):
    """Rewrite every input as a spreadsheet might: BOM, CRLF, columns reversed, an extra column,
    a blank row, and money as $1,500.00."""
    for path in data_dir.glob("*.csv"):
        rows = read_rows(path)
        rows = [[*reversed(r), "x"] for r in rows]
        rows[0][-1] = "analyst comment"
        rows.insert(2, [""] * len(rows[0]))
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))


def test_spreadsheet_style_files_give_the_same_projection(data_dir, tmp_path, run):
    assert run("project", "--out", tmp_path / "plain")[0] == 0
    rows = read_rows(data_dir / "catalog.csv")
    col = rows[0].index("amount")
    for row in rows[1:]:
        row[col] = f"{float(row[col].replace('$', '').replace(',', '')):,.0f}"  # 1,500
    write_rows(data_dir / "catalog.csv", rows)
    spreadsheet_style(data_dir)
    code, _, err = run("project", "--data", data_dir, "--out", tmp_path / "excel")
    assert code == 0, err
    assert snapshot(tmp_path / "plain") == snapshot(tmp_path / "excel")


def test_horizon_override(tmp_path, run):
    code, _, _ = run("project", "--scenario", "base", "--horizon", "120", "--out", tmp_path)
    assert code == 0
    table = pd.read_csv(tmp_path / "base" / "projection.csv")
    assert table["month"].iloc[-1] == 120
    assert not (tmp_path / "bull").exists()


def test_explain_item(run):
    code, out, _ = run("explain", "--scenario", "seed_roadmap", "penetration_testing")
    assert code == 0
    assert "condition: mrr >= 100_000" in out
    assert "fired: month 18 (2028-07)" in out
    assert "item active: months 18-60 (2028-07 to 2032-01)" in out
    # accrual 43 months x 10,000/12; cash paid in months 18, 30, 42, 54
    assert f"${43 * 10000 / 12:,.2f} accrual, $40,000.00 cash" in out


def test_explain_trigger_and_unknown(run):
    code, out, _ = run("explain", "--scenario", "bear", "mrr_10k")
    assert code == 0
    assert "fired: not within the horizon" in out
    assert "active: never within the horizon" in out
    code, _, err = run("explain", "--scenario", "bear", "datadog")
    assert code == 2
    assert "did you mean datadog_monitoring" in err


def test_failing_model_check_stops_the_run(tmp_path, run, monkeypatch):
    original = secmodel.model.projection.spend_by_item_table

    def drop_an_item(model, arrays, dates):
        table = original(model, arrays, dates)
        return table[table["item_id"] != "hosting"]

    monkeypatch.setattr(secmodel.model.projection, "spend_by_item_table", drop_an_item)
    code, out, err = run("project", "--scenario", "bear", "--out", tmp_path / "out")
    assert code == 1
    assert "checks: 7/9 pass" in out
    assert "CHECK FAILED: sum of items' accrual = spend_accrual: fails in month(s) 0, 1" in err
    assert "CHECK FAILED: sum of items' cash = spend_cash" in err
    assert "model checks failed; nothing written." in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["project", "audit", "explain"])
def test_help(command, run):
    with pytest.raises(SystemExit) as exc:
        run(command, "--help")
    assert exc.value.code == 0


@pytest.mark.parametrize(
    ("volatility", "message"),
    [
        ("5", "'5' is not between 0 and 100%; write 0.05 or 5% for 5%"),
        ("nan", "not a fraction: 'nan'"),
        ("inf", "not a fraction: 'inf'"),
        ("150%", "'150%' is not between 0 and 100%"),
        ("-0.1", "'-0.1' is not between 0 and 100%"),
    ],
)
def test_volatility_is_a_fraction(volatility, message, tmp_path, capsys):
    from secmodel.cli import main

    args = ["montecarlo", "--data", str(SEED_DATA), "--scenario", "base", "--paths", "10"]
    with pytest.raises(SystemExit) as exc:
        main([*args, "--volatility", volatility, "--seed", "1", "--out", str(tmp_path / "out")])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_volatility_as_a_percentage(run, tmp_path):
    """5% and 0.05 are the same setting: the same files."""
    for name, volatility in (("percent", "5%"), ("fraction", "0.05")):
        code, _, err = run(
            "montecarlo", "--scenario", "base", "--paths", "200", "--volatility", volatility,
            "--seed", "3", "--out", tmp_path / name,
        )  # fmt: skip
        assert code == 0, err
    for path in (tmp_path / "percent").rglob("*.csv"):
        assert (
            path.read_bytes()
            == (tmp_path / "fraction" / path.relative_to(tmp_path / "percent")).read_bytes()
        )


def test_montecarlo_on_two_workers_writes_the_same_files(run, tmp_path, data_dir):
    """--workers 2 starts the workers before the inputs are read: the same files as one
    process, and bad input is still refused with exit 2 and nothing written."""
    for workers in ("1", "2"):
        code, _, err = run(
            "montecarlo", "--scenario", "base", "--paths", "6000", "--volatility", "0.05",
            "--seed", "3", "--workers", workers, "--out", tmp_path / workers,
        )  # fmt: skip
        assert code == 0, err
    files = sorted(p.relative_to(tmp_path / "1") for p in (tmp_path / "1").rglob("*.csv"))
    assert len(files) == 4
    for path in files:
        assert (tmp_path / "1" / path).read_bytes() == (tmp_path / "2" / path).read_bytes()
    catalog = data_dir / "catalog.csv"
    catalog.write_text(catalog.read_text().replace(",$500.00,", ",lots,", 1))
    code, _, err = run(
        "montecarlo", "--data", data_dir, "--scenario", "base", "--paths", "6000",
        "--workers", "2", "--out", tmp_path / "bad",
    )  # fmt: skip
    assert code == 2 and "catalog.csv:" in err and "Traceback" not in err
    assert not (tmp_path / "bad").exists()


def test_output_piped_into_head_still_writes_every_file(tmp_path):
    """`secmodel project | head -1`: the printing stops early, the writing does not."""
    import subprocess
    import sys

    out = tmp_path / "out"
    command = (
        f"set -o pipefail; {sys.executable} -m secmodel project --data {SEED_DATA} "
        f"--out {out} | head -1"
    )
    result = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1
    assert len(list(out.rglob("*.csv"))) == 12  # 4 scenarios x 3 files


def test_an_output_folder_that_is_a_file_is_one_sentence(tmp_path, run):
    blocker = tmp_path / "out"
    blocker.write_text("not a folder")
    code, _, err = run("project", "--out", blocker)
    assert code == 3
    assert err.startswith("error: cannot use ") and str(blocker) in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert blocker.read_text() == "not a folder"


@pytest.mark.parametrize(
    ("typed", "hint"),
    [("Bull", "; did you mean bull?"), ("bulll", "; did you mean bull?"), ("zzz", "")],
)
def test_unknown_scenario_names_the_one_meant(typed, hint, tmp_path, run):
    code, _, err = run("project", "--scenario", typed, "--out", tmp_path / "out")
    assert code == 2
    assert err.strip().endswith(f"known scenarios: seed_roadmap, base, bull, bear{hint}")


@pytest.mark.parametrize(
    ("command", "blocked"),
    [
        (("project", "--all"), "bear/spend_by_item.csv"),  # the last file of the last scenario
        (
            ("montecarlo", "--scenario", "base", "--paths", "50", "--seed", "1"),
            "base/montecarlo/stage_probability.csv",
        ),
    ],
)
def test_a_run_that_cannot_write_one_file_leaves_the_previous_outputs(
    command, blocked, tmp_path, run
):
    """All or nothing: a folder where the last file should go fails the run, and every file of
    the previous run is as it was."""
    out = tmp_path / "out"
    code, _, err = run(*command, "--out", out)
    assert code == 0, err
    before = {p: p.read_bytes() for p in out.rglob("*.csv")}
    for path in before:
        path.write_bytes(b"last month's file\n")
    (out / blocked).unlink()
    (out / blocked).mkdir()
    code, _, err = run(*command, "--out", out)
    assert code == 3
    assert "Traceback" not in err and str(out / blocked) in err
    assert all(p.read_bytes() == b"last month's file\n" for p in before if p != out / blocked)
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    ("option", "value"),
    [("--start-users", "-5"), ("--arpu-monthly", "-1"), ("--user-growth-multiplier", "-2")],
)
def test_what_if_errors_name_the_option_as_typed(option, value, tmp_path, run):
    code, _, err = run("project", option, value, "--out", tmp_path / "out")
    assert code == 2
    assert err.strip() == f"error: {option} must be a number from 0 (got {value})"


def test_sensitivity_delta_as_a_percentage(tmp_path, run):
    code, out, err = run("sensitivity", "--scenario", "base", "--delta", "20%", "--out", tmp_path)
    assert code == 0, err
    assert "each driver moved by 20%" in out


def test_a_full_disk_leaves_the_previous_outputs(tmp_path):
    """Writing stops part way (a file-size limit stands in for a full disk): one sentence
    naming the file, exit 3, the previous run's files untouched and no temporary files."""
    import resource
    import signal
    import subprocess
    import sys

    out = tmp_path / "out"
    command = [sys.executable, "-m", "secmodel", "project", "--data", str(SEED_DATA)]
    command += ["--out", str(out)]
    subprocess.run(command, check=True, capture_output=True)
    for path in out.rglob("*.csv"):
        path.write_bytes(b"last month's file\n")

    def small_files():  # files may not grow past 16 KB; spend_by_item.csv is larger
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (16_384, 16_384))

    result = subprocess.run(
        command, capture_output=True, text=True, preexec_fn=small_files, check=False
    )
    assert result.returncode == 3
    assert re.fullmatch(
        r"error: cannot use \S+/spend_by_item\.csv: file too large; check that the folder "
        r"exists, is writable and has free space\n",
        result.stderr,
    ), result.stderr
    assert {p.read_bytes() for p in out.rglob("*.csv")} == {b"last month's file\n"}
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_a_stray_argument_gets_the_sub_commands_usage(capsys):
    from secmodel.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["project", "--scenario", "base", "bull"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: secmodel project ")
    assert err.strip().endswith(
        "secmodel project: error: unrecognized arguments: bull; --scenario takes one name: "
        "repeat it (--scenario base --scenario bull)"
    )


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_stops_a_run_in_one_line(workers, tmp_path):
    """Ctrl-C (SIGINT to the terminal's process group: this process and its workers) while a
    Monte Carlo runs: exit code 130, one line, no traceback from it or its workers, nothing
    written, no file left in shared memory."""
    import glob
    import os
    import signal
    import subprocess
    import sys

    out = tmp_path / "out"
    command = [
        sys.executable, "-m", "secmodel", "montecarlo", "--data", str(SEED_DATA), "--scenario",
        "seed_roadmap", "--paths", "400000", "--volatility", "0.05", "--seed", "1",
        "--horizon", "120", "--workers", workers, "--out", str(out),
    ]  # fmt: skip
    with subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                          start_new_session=True) as process:  # fmt: skip
        seen = b""
        while b"chunk/s" not in seen:  # the progress bar: the run is under way
            byte = process.stderr.read(1)
            assert byte, seen.decode()
            seen += byte
        os.killpg(process.pid, signal.SIGINT)
        rest = process.stderr.read()
        assert process.wait(timeout=60) == 130
    lines = [line for line in (seen + rest).decode().replace("\r", "\n").splitlines() if line]
    assert lines[-1] == "interrupted"
    assert not any("Traceback" in line or "Error" in line for line in lines)
    assert not out.exists()
    assert glob.glob(f"/dev/shm/secmodel-values-{process.pid}-*") == []
