"""Zero revenue (ARPU 0) is a valid case everywhere: shares of revenue are n/a, never a
traceback, a warning or 'nan'."""

import io
import re
import subprocess
import sys

import openpyxl
import pytest

from secmodel.inputs.loader import load_inputs
from secmodel.report.board import build_pack, pages
from secmodel.report.workbook import workbook_bytes
from tests.conftest import SEED_DATA
from tests.test_bad_input import set_cell


@pytest.fixture
def free_data(data_dir):
    """The seed with base and bear given away (ARPU 0); base has an uncertainty row."""
    for scenario in ("base", "bear"):
        set_cell(data_dir, "scenarios.csv", scenario, "arpu_monthly", "0")
    return data_dir


def test_board_pages_and_workbook(free_data):
    """Every chart and section is made (warnings are errors in the tests)."""
    pack = build_pack(load_inputs(free_data))
    shown = pages(pack, "2026-11-25", "")
    text = "".join(part.data for part in shown.parts["executive_summary"])
    assert "n/a" in text and "nan" not in text.lower()
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(pack)))
    summary = book["Summary"]
    header = [c.value for c in summary[1]]
    bear, bull = header.index("Bear case"), header.index("Bull case")
    rows = list(summary.iter_rows(min_row=2))
    first = [r[0].value for r in rows].index("Share of revenue")  # Year 1 .. Year 5, then total
    total = rows[first + 5]
    assert total[1].value.startswith("Five years")
    assert total[bear].value == "n/a"  # as the PDF says it, not NaN or 0
    assert total[bull].value > 0


def test_project_and_the_what_if_panel_at_arpu_0(free_data, tmp_path, run, capsys):
    code, out, err = run("project", "--data", free_data, "--out", tmp_path)
    assert code == 0, err
    assert "checks: 36/36 pass" in out
    from secmodel.present.widgets import what_if_panel

    panel = what_if_panel(load_inputs(free_data), "seed_roadmap")
    _, _, arpu, _, _ = panel.children[0].children
    capsys.readouterr()
    arpu.value = 0.0  # the slider's minimum
    shown = capsys.readouterr().out
    assert "checks: 9/9 pass" in shown and "Not possible" not in shown


def test_no_users_at_launch_is_a_pre_launch_case(data_dir, tmp_path, run, capsys):
    """start_users 0: no users ever (growth multiplies), no revenue, only the launch items:
    the seed's MVP baseline, $1,500 a month (the seed's Phase 1 total), for 61 months."""
    set_cell(data_dir, "scenarios.csv", "bear", "start_users", "0")
    code, out, err = run("project", "--data", data_dir, "--scenario", "bear", "--out", tmp_path)
    assert code == 0, err
    assert "fired: launch m0;" in out and "cumulative spend $91,500 accrual" in out
    pack = build_pack(load_inputs(data_dir))
    text = "".join(part.data for part in pages(pack, "2026-11-25", "").parts["executive_summary"])
    assert "n/a" in text and "nan" not in text.lower()
    from secmodel.present.widgets import what_if_panel

    panel = what_if_panel(load_inputs(SEED_DATA), "base")
    users = panel.children[0].children[3]
    capsys.readouterr()
    users.value = users.min
    assert users.min == 0
    shown = capsys.readouterr().out
    assert "checks: 9/9 pass" in shown and "Not possible" not in shown


def test_every_notebook_runs_with_no_revenue(tmp_path):
    """ARPU 0 and no users at launch: every notebook runs (no failed cell), shows n/a for the
    shares of revenue and never 'nan' or a warning."""
    args = ["-p", "data_dir", str(SEED_DATA), "-p", "arpu_monthly", "0", "-p", "start_users", "0"]
    args += ["--scenario", "base", "--out", str(tmp_path)]
    result = subprocess.run(  # its own process, as the command runs: kernels and threads
        [sys.executable, "-m", "secmodel", "notebooks", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in ("projection", "scenario_comparison", "what_if", "montecarlo", "roadmap_audit"):
        text = (tmp_path / "base" / f"{name}.ipynb").read_text()
        assert "Warning" not in text and not re.search(r"\bnan\b", text, re.I), name
        if name != "roadmap_audit":  # the audit reads the seed's own scenario, not base
            assert "n/a" in text, name
