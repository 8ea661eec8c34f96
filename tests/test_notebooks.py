"""The notebooks: parameters cells papermill can read, committed outputs that nbval can trust, the
runner's checks before any kernel starts, and figures that equal the CLI's."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import papermill
import pytest

from secmodel.paths import REPO_ROOT
from secmodel.report.runner import COMMITTED, NOTEBOOK_DIR, NOTEBOOKS, notebook_path
from tests.conftest import SEED_DATA
from tests.test_bad_input import set_cell

COMMON = {
    "data_dir",
    "scenario",
    "horizon_months",
    "user_growth_multiplier",
    "arpu_monthly",
    "start_users",
}
PATHS = [notebook_path(name) for name in COMMITTED]


def test_every_notebook_is_known_to_the_runner():
    assert sorted(p.stem for p in NOTEBOOK_DIR.glob("*.ipynb")) == sorted(NOTEBOOKS)
    assert all(path.is_file() for path in PATHS)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_one_parameters_cell_with_help_on_every_line(path):
    notebook = json.loads(path.read_text())
    tagged = [c for c in notebook["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    lines = [line for line in "".join(tagged[0]["source"]).splitlines() if line.strip()]
    assert all(re.search(r"\S\s+# \S", line) for line in lines), lines
    params = papermill.inspect_notebook(str(path))
    if path.stem in NOTEBOOKS:  # the analysis notebooks share these; the report has its own
        assert set(params) >= COMMON
    assert all(p["help"] for p in params.values())


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_committed_outputs_are_stable(path):
    text = path.read_text()
    notebook = json.loads(text)
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert sum(bool(c["outputs"]) for c in code) >= 2  # nbval has something to compare
    assert all(c["execution_count"] for c in code)  # executed top to bottom
    outputs = json.dumps([c["outputs"] for c in code])
    assert str(REPO_ROOT) not in outputs and "/tmp/" not in outputs
    assert not re.search(r"0x[0-9a-f]{6,}", outputs)  # memory addresses
    assert not re.search(r"20\d\d-\d\d-\d\dT\d\d:\d\d", text)  # timestamps
    assert "Traceback" not in outputs and '"ename"' not in outputs
    assert "papermill" not in notebook["metadata"]


def run_cli(*args, cwd=REPO_ROOT):
    return subprocess.run(
        [sys.executable, "-m", "secmodel", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_projection_notebook_equals_the_cli(tmp_path):
    """-p scenario bull and -p user_growth_multiplier 1.2 give different figures, each equal to
    the CLI's projection.csv for the same inputs."""
    cases = {
        "bull": (["-p", "scenario", "bull"], ["--scenario", "bull"]),
        "growth_1_2": (
            ["-p", "user_growth_multiplier", "1.2"],
            ["--scenario", "seed_roadmap", "--user-growth-multiplier", "1.2"],
        ),
    }
    tables = {}
    for name, (nb_args, cli_args) in cases.items():
        nb_out = tmp_path / name / "notebook"
        result = run_cli(  # relative paths are the caller's, not the kernel's
            "notebooks",
            "--notebook",
            "projection",
            *nb_args,
            "-p",
            "data_dir",
            SEED_DATA,
            "-p",
            "output_dir",
            f"{name}/notebook/csv",
            "--out",
            f"{name}/notebook/runs",
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr
        cli_out = tmp_path / name / "cli"
        cli = run_cli("project", "--data", SEED_DATA, *cli_args, "--out", cli_out)
        assert cli.returncode == 0
        scenario = cli_args[1]
        expected = (cli_out / scenario / "projection.csv").read_bytes()
        assert (nb_out / "csv" / "projection.csv").read_bytes() == expected
        tables[name] = pd.read_csv(nb_out / "csv" / "projection.csv")
        assert len(list((nb_out / "runs").rglob("*.ipynb"))) == 1
    bull, faster = tables["bull"], tables["growth_1_2"]
    assert bull["mrr"].iloc[-1] != faster["mrr"].iloc[-1]
    # by hand: seed_roadmap at 1.2x growth has 100 x (1 + 0.5 x 1.2)^6 users in month 6
    assert faster["users"].iloc[6] == pytest.approx(100 * 1.6**6)
    # bull: 300 users at launch, +25%/month: 300 x 1.25 users in month 1
    assert bull["users"].iloc[1] == pytest.approx(375.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scenario", "bulll"], "unknown scenario 'bulll'; known scenarios: seed_roadmap, base"),
        (["-p", "growth", "2"], "unknown parameter 'growth'; known parameters: actuals_file,"),
        (["-p", "user_growth_multiplier", "fast"], "'user_growth_multiplier' must be float"),
        (["-p", "horizon_months", "12.5"], "'horizon_months' must be Optional[int]"),
        (
            ["-p", "horizon_months", "2000"],
            "parameter 'horizon_months' must be between 1 and 1200 months (got 2000)",
        ),
        (["-p", "log_scale", "maybe"], "'log_scale' must be bool"),
        (["-p", "start_users", "-5"], "start_users must be a number from 0 (got -5)"),
        (
            ["-p", "volatility", "5"],
            "volatility must be a fraction from 0 to 1 (got 5); write 0.15",
        ),
        (["-p", "sensitivity_delta", "20"], "sensitivity_delta must be between 0 and 1 (got 20)"),
        (
            ["--notebook", "montecarlo", "--scenario", "bull"],
            "the montecarlo notebook cannot run: uncertainty.csv has no row for scenario 'bull'; "
            "add one, or give -p volatility VALUE, -p paths VALUE, -p seed VALUE, "
            "-p sensitivity_delta VALUE",
        ),
        (["--in-place", "-p", "scenario", "bull"], "--in-place re-runs the committed notebooks"),
        (["--notebook", "projections"], "unknown notebook 'projections'; known notebooks:"),
    ],
)
def test_refused_before_any_kernel_starts(args, message, tmp_path, run):
    args = [*args, "-p", "data_dir", SEED_DATA] if "--in-place" not in args else args
    code, _, err = run("notebooks", *args, "--out", tmp_path / "out")
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_a_failing_cell_is_reported_and_its_notebook_kept(tmp_path):
    result = run_cli(
        "notebooks",
        "--notebook",
        "projection",
        "-p",
        "output_dir",
        "/proc/not-writable",
        "--out",
        tmp_path / "out",
    )
    assert result.returncode == 1
    assert re.search(r"projection failed in cell \[\d+\]: FileNotFoundError", result.stderr)
    kept = tmp_path / "out" / "default" / "projection.ipynb"
    assert f"the executed notebook is kept at {kept}" in result.stderr
    assert kept.exists()


def test_nbval_catches_a_changed_number(tmp_path):
    """The regression net: the projection notebook executed on a copy of the seed data, then
    one catalog amount changed in that copy, makes nbval fail, while the unchanged data
    passes."""
    data = tmp_path / "data"
    shutil.copytree(SEED_DATA, data)
    notebook = json.loads((NOTEBOOK_DIR / "projection.ipynb").read_text())
    for cell in notebook["cells"]:
        if "parameters" in cell["metadata"].get("tags", []):
            source = "".join(cell["source"])
            cell["source"] = source.replace(
                "data_dir: Optional[str] = None", f'data_dir = "{data}"'
            )
    template = tmp_path / "template.ipynb"
    template.write_text(json.dumps(notebook))
    copies = {}
    for variant in ("same", "changed"):
        folder = tmp_path / variant
        folder.mkdir()
        papermill.execute_notebook(
            str(template),
            str(folder / "projection.ipynb"),
            kernel_name="python3",
            progress_bar=False,
        )
        copies[variant] = folder

    assert run_nbval(copies["same"], tmp_path).returncode == 0
    set_cell(data, "catalog.csv", "splunk_monitoring", "amount", "$1,600.00")
    result = run_nbval(copies["changed"], tmp_path)
    assert result.returncode == 1
    assert "mismatch" in result.stdout
    assert "$13,555" in result.stdout  # 13,455 + 100 in the key figures
    # the diff names the row: the new line ('-') and the committed one ('+'), with their label
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert any(
        line.startswith("- Spend that month (accrual)") and "$13,555" in line for line in lines
    )
    assert any(
        line.startswith("+ Spend that month (accrual)") and "$13,455" in line for line in lines
    )


def test_regression_net_sees_the_data_folder_not_the_cwd(tmp_path):
    """Paths resolve from the package: the notebooks run the same from any folder."""
    result = run_nbval(NOTEBOOK_DIR / "what_if.ipynb", tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]


def run_nbval(target, cwd):
    """pytest --nbval on a notebook or folder, as make test runs it, from ``cwd``."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--nbval",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            str(NOTEBOOK_DIR / "nbval_sanitize.cfg"),
            str(target),
            "-q",
        ],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_notebooks_folder_holds_only_what_is_committed():
    tracked = subprocess.run(
        ["git", "ls-files", "notebooks"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=True,
    ).stdout.split()
    assert {Path(p).name for p in tracked} >= {f"{n}.ipynb" for n in NOTEBOOKS}


def test_the_montecarlo_notebook_is_left_out_for_a_scenario_without_uncertainty(tmp_path):
    """bull has no uncertainty.csv row: its other notebooks run, and a note says why the
    montecarlo one does not; with the four settings given it runs."""
    from secmodel.report.runner import plan_jobs

    data = [("data_dir", str(SEED_DATA))]
    _, jobs, notes = plan_jobs(["bull", "base"], data, tmp_path)
    assert [(j.output.parent.name, j.notebook) for j in jobs if j.notebook == "montecarlo"] == [
        ("base", "montecarlo")
    ]
    assert len(jobs) == 2 * len(NOTEBOOKS) - 1  # every notebook for both but one
    assert notes == [
        "montecarlo notebook left out for bull: uncertainty.csv has no row for scenario 'bull'"
    ]
    given = [("volatility", "0.05"), ("paths", "100"), ("seed", "1"), ("sensitivity_delta", "0.2")]
    _, jobs, notes = plan_jobs(["bull"], data + given, tmp_path)
    assert "montecarlo" in [j.notebook for j in jobs] and notes == []


def test_percentages_are_fractions_in_parameters(tmp_path):
    from secmodel.report.runner import plan_jobs

    pairs = [("data_dir", str(SEED_DATA)), ("volatility", "5%"), ("sensitivity_delta", "20%")]
    _, jobs, _ = plan_jobs(["base"], pairs, tmp_path, ["montecarlo"])
    assert jobs[0].parameters["volatility"] == 0.05
    assert jobs[0].parameters["sensitivity_delta"] == 0.2


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_committed_notebooks_carry_the_kernelspec_ipykernel_installs(path):
    """JupyterLab marks a notebook changed, and autosaves it, when its kernelspec's display
    name is not the installed one ("Python 3 (ipykernel)", not "Python 3")."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    kernelspec = json.loads(path.read_text(encoding="utf-8"))["metadata"]["kernelspec"]
    assert kernelspec == {
        "display_name": spec.display_name,
        "language": "python",
        "name": "python3",
    }


def test_jupyterlab_checkpoints_are_not_tracked():
    checkpoint = "notebooks/.ipynb_checkpoints/what_if-checkpoint.ipynb"
    ignored = subprocess.run(["git", "check-ignore", "-q", checkpoint], cwd=REPO_ROOT, check=False)
    assert ignored.returncode == 0


def test_jupyterlab_in_this_venv_saves_widget_state():
    """make installs notebooks/jupyterlab-overrides.json as JupyterLab's settings for .venv:
    the what-if panel's state is saved with the notebook (else a reopen with a new kernel
    shows 'Error displaying widget: model not found')."""
    wanted = json.loads((NOTEBOOK_DIR / "jupyterlab-overrides.json").read_text())
    assert wanted["@jupyter-widgets/jupyterlab-manager:plugin"]["saveState"] is True
    installed = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert json.loads(installed.read_text()) == wanted
