"""Every command the README shows runs as written: the examples as they are, the synopses in
their shortest form with the placeholders filled in, on the tests' own data."""

import re
import shutil

import pytest

from secmodel.cli import build_parser
from secmodel.paths import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
ACTUALS = REPO_ROOT / "tests" / "fixtures" / "actuals" / "actuals.csv"
# what a reader puts for each placeholder of a synopsis
PLACEHOLDERS = {"NAME": "base", "ITEM_OR_TRIGGER": "security_analyst"}
# long runs, tested elsewhere: here only their command line is checked
PARSED_ONLY = ("report",)


def readme_commands() -> list[str]:
    """Every `secmodel ...` line of the code blocks and every inline `secmodel ...`."""
    blocks = re.findall(r"^```\n(.*?)^```", README, flags=re.S | re.M)
    lines = [line for block in blocks for line in block.splitlines()]
    commands = [line.split("  #")[0].strip() for line in lines if line.startswith("secmodel ")]
    commands += re.findall(r"`(secmodel [^`]+)`", README)
    return list(dict.fromkeys(commands))


def shortest_form(command: str) -> str:
    """A synopsis without its optional parts ([...], nested too) and repeat marks."""
    previous = None
    while previous != command:
        previous, command = command, re.sub(r"\[[^\[\]]*\]", "", command)
    return " ".join(command.replace("...", "").split())


COMMANDS = readme_commands()


def test_the_readme_shows_every_command():
    shown = {c.split()[1] for c in COMMANDS}
    assert shown == {
        "report",
        "project",
        "audit",
        "explain",
        "montecarlo",
        "sensitivity",
        "sweep",
        "notebooks",
        "compare",
    }


def add_the_readme_cost_line(data_dir) -> None:
    """The two rows of "How to add a cost line", appended to the files they name."""
    block = README.split("### How to add a cost line")[1].split("```")[1]
    for line in block.strip().splitlines():
        file, row = line.split(":", 1)
        with (data_dir / file).open("a", encoding="utf-8") as f:
            f.write(row.strip() + "\n")


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_runs_as_written(command, data_dir, tmp_path, run, monkeypatch):
    args = shortest_form(command).split()[1:]
    args = [PLACEHOLDERS.get(a, a) for a in args]
    if args[0] in PARSED_ONLY or any(a.startswith("git:") for a in args):
        build_parser().parse_args(args)  # a git revision: tests/test_bridge.py, on its own repo
        return
    if "DIR" in args:  # --data DIR: the tests' copy of the seed
        args[args.index("DIR")] = str(data_dir)
    if "DIR_OR_GIT_REVISION" in args:  # the base version: the same copy, before the cost line
        base = tmp_path / "base"
        shutil.copytree(data_dir, base)
        args[args.index("DIR_OR_GIT_REVISION")] = str(base)
    if "--actuals" in args:  # the data folder's actuals.csv, or the example's path as written
        shutil.copy(ACTUALS, data_dir / "actuals.csv")
        args = [str(REPO_ROOT / a) if a.startswith("examples/") else a for a in args]
    add_the_readme_cost_line(data_dir)
    if args[0] == "notebooks":
        from secmodel.report import runner

        planned = []
        monkeypatch.setattr(runner, "run_jobs", lambda jobs, workers: planned.extend(jobs) or 0)
        args += ["-p", "data_dir", str(data_dir)]
    elif "--data" not in args:
        args[1:1] = ["--data", str(data_dir)]
    out = ["--out", str(tmp_path / "out")] if args[0] != "explain" else []
    code, _, stderr = run(*args, *out)
    assert code == 0, f"{command}\n{stderr}"
    assert "Traceback" not in stderr
    if args[0] == "notebooks":
        assert planned


def test_the_analysts_ci_workflow_runs_the_readmes_test_command():
    """The GitHub Actions workflow parses, runs on push and pull request, runs `make test`
    (the README's command) on Python 3.11, and keeps the output when it fails."""
    import yaml

    path = REPO_ROOT / ".github" / "workflows" / "secmodel.yml"
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert {"push", "pull_request"} <= set(triggers)
    steps = workflow["jobs"]["test"]["steps"]
    runs = " ".join(step.get("run", "") for step in steps)
    assert "make test" in runs and "make test" in README
    python = next(s["with"]["python-version"] for s in steps if "setup-python" in s.get("uses", ""))
    assert python == "3.11"
    kept = next(s for s in steps if "upload-artifact" in s.get("uses", ""))
    assert kept["if"] == "failure()" and kept["with"]["path"] in runs
    assert ".github/workflows/secmodel.yml" in README
