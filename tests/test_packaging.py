"""Packaging as Python users expect it, and the analyst's accept loop, each on a copy.

- A wheel built from the repository carries its templates and stylesheet, and its ``secmodel``
  command writes the board report from a data folder outside any repository.
- On a copy of the repository: an amount changed in ``data/catalog.csv`` makes nbval fail and
  name the figure that moved; ``secmodel notebooks --in-place`` accepts it; the unit tests,
  which read their own frozen data, pass throughout.
"""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from pypdf import PdfReader

from secmodel.paths import REPO_ROOT
from tests.conftest import SEED_DATA
from tests.test_bad_input import set_cell


def run(*args, cwd, env=None, check=True):
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=check,
        timeout=600,  # a hang fails the test instead of the whole run
    )


def copy_of_repository(target: Path) -> Path:
    """The repository's files as they are (tracked and new, none ignored or built)."""
    listed = run(
        "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO_ROOT
    ).stdout.split("\0")
    for name in filter(None, listed):
        if (REPO_ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, target / name)
    return target


def test_wheel_runs_the_report_on_a_data_folder_outside_the_repository(tmp_path):
    source = copy_of_repository(tmp_path / "source")
    wheels = tmp_path / "wheels"
    python = sys.executable
    run(
        python,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        wheels,
        source,
        cwd=tmp_path,
    )
    (wheel,) = wheels.glob("secmodel-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for packaged in (
        "secmodel/report/report.css",
        "secmodel/report/templates/board_report.ipynb",
        "secmodel/report/templates/executive_summary.html.j2",
        "secmodel/report/templates/nbconvert/board_pdf/index.html.j2",
    ):
        assert packaged in names
    assert not any(n.startswith(("tests/", "data/", "notebooks/")) for n in names)

    site = tmp_path / "site"
    run(
        python,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--no-index",
        "--target",
        site,
        wheel,
        cwd=tmp_path,
    )
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(SEED_DATA, elsewhere / "figures")
    # the wheel's copy of the package before the repository's own (an editable install)
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = run(python, "-c", "import secmodel; print(secmodel.__file__)", cwd=elsewhere, env=env)
    assert where.stdout.startswith(str(site))
    result = run(
        site / "bin" / "secmodel",
        "report",
        "--data",
        "figures",
        "--scenario",
        "bear",
        "--as-of",
        "2026-11-25",
        cwd=elsewhere,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    pdf = elsewhere / "reports" / "board-report.pdf"  # the current folder's reports/
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Bear case" in text and "$90,000" in text  # five years of $1,500 a month
    assert (elsewhere / "reports" / "security-roadmap.xlsx").is_file()


def env_of(repo: Path) -> dict:
    """The environment that runs the copy's package, not this one."""
    return {**os.environ, "PYTHONPATH": str(repo)}


def test_accept_loop_on_a_copy_of_the_repository(tmp_path):
    repo = copy_of_repository(tmp_path / "repo")
    shutil.rmtree(repo / "data")
    shutil.copytree(SEED_DATA, repo / "data")  # the seed as committed, whatever data/ holds now
    for command in (("init", "-q"), ("add", "-A"), ("commit", "-qm", "copy")):
        run("git", "-c", "user.name=t", "-c", "user.email=t@t", *command, cwd=repo)
    run(sys.executable, "-m", "secmodel", "notebooks", "--in-place", cwd=repo, env=env_of(repo))
    run(
        "git",
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-qam",
        "seed",
        cwd=repo,
        check=False,
    )
    env = env_of(repo)
    nbval = (
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--nbval",
        "--nbval-current-env", "--nbval-sanitize-with", "notebooks/nbval_sanitize.cfg",
        "notebooks/scenario_comparison.ipynb",
    )  # fmt: skip
    assert run(*nbval, cwd=repo, env=env, check=False).returncode == 0

    # the analyst raises Splunk from $1,500 to $1,600 a month
    set_cell(repo / "data", "catalog.csv", "splunk_monitoring", "amount", "$1,600.00")
    failed = run(*nbval, cwd=repo, env=env, check=False)
    assert failed.returncode == 1
    # the figure that moved, old and new: base spends $13,455 -> $13,555 a month by month 60
    assert "mismatch" in failed.stdout
    assert "$13,455" in failed.stdout and "$13,555" in failed.stdout
    unit = (sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
            "tests/test_seed_values.py", "tests/test_audit.py")  # fmt: skip
    assert run(*unit, cwd=repo, env=env, check=False).returncode == 0  # their own data

    accepted = run(
        sys.executable, "-m", "secmodel", "notebooks", "--in-place", cwd=repo, env=env, check=False
    )
    assert accepted.returncode == 0, accepted.stderr
    assert run(*nbval, cwd=repo, env=env, check=False).returncode == 0
    changed = run("git", "diff", "--name-only", cwd=repo).stdout.split()
    assert "data/catalog.csv" in changed and "notebooks/scenario_comparison.ipynb" in changed
    assert Path(repo / "notebooks" / "scenario_comparison.ipynb").read_text().count("$13,555")
