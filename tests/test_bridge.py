"""The variance bridge between two versions of the inputs.

By hand (tests/fixtures/seed): hosting $500 -> $650 a month is $150 x 61 months = $9,150 more
over the base case's 60-month horizon, accrual and cash, all in the prices step; the other
steps are zero. On generated pairs of versions the steps add up to the cent to new minus base,
the last total is the new version's own projection, and every group of inputs left alone has a
step of exactly zero.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secmodel import load_inputs, project_scenario
from secmodel.analysis import bridge
from secmodel.inputs.actuals import read_actuals
from secmodel.inputs.versions import read_version
from tests.conftest import SEED_DATA
from tests.test_bad_input import set_cell
from tests.test_engine_oracle import model_files
from tests.test_mutations import read_rows, write_rows

STEP_NAMES = [name for name, _ in bridge.STEPS]


def bridge_of(base_dir: Path, new_dir: Path, scenario: str):
    base, new = read_version(str(base_dir), base_dir), read_version(str(new_dir), new_dir)
    projections = [bridge.project_step(s) for s in bridge.steps(base, new, scenario)]
    return bridge.bridge_table(projections).set_index("step"), projections, base, new


def test_a_price_change_by_hand(data_dir):
    set_cell(data_dir, "catalog.csv", "hosting", "amount", "$650.00")
    table, _, base, new = bridge_of(SEED_DATA, data_dir, "base")
    for view in ("accrual", "cash"):
        assert table.loc["prices", f"delta_cumulative_{view}"] == 9150.0
        others = [s for s in STEP_NAMES if s != "prices"]
        assert (table.loc[others, f"delta_cumulative_{view}"] == 0).all()
    assert bridge.reconciles(table.reset_index())
    changes = bridge.changes_table(base, new)
    assert changes.values.tolist() == [["catalog.csv", "hosting", "amount", "$500.00", "$650.00"]]


def test_the_cli_writes_the_bridge(data_dir, tmp_path, run):
    set_cell(data_dir, "catalog.csv", "hosting", "amount", "$650.00")
    code, out, err = run("compare", "--data", data_dir, "--base", SEED_DATA, "--scenario",
                         "base", "--out", tmp_path)  # fmt: skip
    assert code == 0, err
    assert "checks: 1/1 pass" in out
    assert "Prices of items in both versions (amount, cadence, basis, escalation): $9,150.00" in out
    folder = tmp_path
    assert (folder / "base" / "bridge.csv").is_file() and (folder / "changes.csv").is_file()
    assert (folder / "base" / "trigger_moves.csv").read_text().startswith("trigger_id,")


def test_a_scenario_in_one_version_only_is_refused(tmp_path, run):
    code, _, err = run("compare", "--base", SEED_DATA, "--scenario", "moon", "--out", tmp_path)
    assert code == 2 and "not in both versions" in err


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_git_revision_as_the_base(tmp_path, run):
    """The committed data folder is the base; the working tree's edit is the new version; the
    working tree is left as it was."""
    repo = tmp_path / "repo"
    shutil.copytree(SEED_DATA, repo / "data")
    git(repo, "init", "-q")
    git(repo, "add", "data")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "plan")
    set_cell(repo / "data", "catalog.csv", "hosting", "amount", "$650.00")
    edited = (repo / "data" / "catalog.csv").read_bytes()
    code, out, err = run("compare", "--data", repo / "data", "--base", "git:HEAD", "--scenario",
                         "base", "--out", tmp_path / "out")  # fmt: skip
    assert code == 0, err
    assert "$9,150.00 cash" in out
    assert (repo / "data" / "catalog.csv").read_bytes() == edited  # untouched
    code, _, err = run("compare", "--data", repo / "data", "--base", "git:nosuchrev",
                       "--out", tmp_path / "out2")  # fmt: skip
    assert code == 2 and "no such revision" in err
    shutil.copytree(SEED_DATA, tmp_path / "loose")  # a data folder outside any repository
    code, _, err = run("compare", "--data", tmp_path / "loose", "--base", "git:HEAD",
                       "--out", tmp_path / "out3")  # fmt: skip
    assert code == 3 and "is not in a git repository" in err and err.count("\n") == 1


@st.composite
def version_pairs(draw):
    """A generated base version and a new one with some groups of inputs changed."""
    base = draw(model_files())
    other = draw(model_files())
    new = dict(base)
    changed = {name: draw(st.booleans()) for name in STEP_NAMES}
    if changed["revenue_drivers"]:
        new["scenarios"], new["growth"] = other["scenarios"], other["growth"]
    if changed["trigger_rules"]:
        rows = read_rows(new["triggers"])
        rows[1][3] = str(int(rows[1][3]) % 4 + 1)  # the first trigger's sustain moves
        rows[1][2] = draw(st.sampled_from(["users >= 50", "mrr > 900", rows[1][2]]))
        new["triggers"] = write_rows(rows)
    if changed["prices"]:
        rows = read_rows(new["catalog"])
        header = rows[0]
        row = rows[1 + draw(st.integers(0, len(rows) - 2))]
        row[header.index("amount")] = str(float(row[header.index("amount")]) * 2 + 1)
        new["catalog"] = write_rows(rows)
    if changed["scope"]:
        rows = read_rows(new["catalog"])
        if len(rows) > 2 and draw(st.booleans()):
            rows = rows[:-1]  # the last item: only later items replace earlier ones
        else:
            extra = list(rows[1])
            extra[0] = "added"
            extra[rows[0].index("replaces")] = ""
            rows.append(extra)
        new["catalog"] = write_rows(rows)
    actuals = None
    if changed["actuals"]:
        first = draw(st.integers(0, 3))
        actuals = [(first + m, draw(st.integers(1, 500)), draw(st.integers(0, 90_000)))
                   for m in range(draw(st.integers(1, 3)))]  # fmt: skip
    return base, new, changed, actuals


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(version_pairs())
def test_generated_bridges_reconcile_and_untouched_steps_are_zero(pair):
    base_files, new_files, changed, actuals = pair
    with tempfile.TemporaryDirectory() as tmp:
        folders = {}
        for name, files in (("base", base_files), ("new", new_files)):
            folder = Path(tmp, name)
            folder.mkdir()
            for file, text in files.items():
                (folder / f"{file}.csv").write_text(text, encoding="utf-8")
            folders[name] = folder
        new_inputs = load_inputs(folders["new"])
        scenario = new_inputs.scenarios["sc"]
        horizon = scenario.horizon_months
        if actuals:
            start = scenario.start_year * 12 + scenario.start_month - 1
            rows = [f"{(start + m) // 12}-{(start + m) % 12 + 1:02d},{u},{r},"
                    for m, u, r in actuals if m <= horizon]  # fmt: skip
            if rows:
                (folders["new"] / "actuals.csv").write_text(
                    "date,users,mrr,spend_cash\n" + "\n".join(rows)
                )
            else:
                changed["actuals"] = False
        table, _, _, new = bridge_of(folders["base"], folders["new"], "sc")
        own = project_scenario(new.inputs, "sc", actuals=new.actuals).table
    assert bridge.reconciles(table.reset_index())
    for name in STEP_NAMES:
        if not changed[name]:
            assert table.loc[name, "delta_cumulative_accrual"] == 0, name
            assert table.loc[name, "delta_cumulative_cash"] == 0, name
    for view in ("accrual", "cash"):
        assert (
            table.loc["new", f"cumulative_{view}"]
            == bridge.cents(own[f"cumulative_{view}"].iloc[-1]) / 100
        )
        steps = table.loc[STEP_NAMES, f"delta_cumulative_{view}"]
        moved = table.loc["new", f"cumulative_{view}"] - table.loc["base", f"cumulative_{view}"]
        assert sum(bridge.cents(v) for v in steps) == round(moved * 100)


def test_read_actuals_of_a_version(tmp_path):
    shutil.copytree(SEED_DATA, tmp_path / "data")
    fixture = Path(__file__).resolve().parent / "fixtures" / "actuals" / "actuals.csv"
    shutil.copy(fixture, tmp_path / "data" / "actuals.csv")
    version = read_version(str(tmp_path / "data"), tmp_path / "data")
    expected = read_actuals(fixture)
    assert version.actuals.months == expected.months
    assert (version.actuals.mrr == expected.mrr).all()


@pytest.mark.parametrize("revision", ["git:", "git:--output=/tmp/x"])
def test_a_revision_that_is_not_one_is_refused(revision, tmp_path, run):
    code, _, err = run("compare", "--base", revision, "--out", tmp_path)
    assert code == 2 and "give a revision" in err
