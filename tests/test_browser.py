"""The notebooks in a real browser: JupyterLab on a free local port with a token, Debian's
Chromium driven by Playwright (through ``executable_path``: ``playwright install`` downloads
browsers and is never used). Each notebook opens clean (not marked changed), runs top to bottom
with no error output, and the what-if panel's growth slider, moved by keyboard, gives the
figures the command line gives for that multiplier. The notebooks run on copies that read the
tests' seed data. Only the processes this test starts are stopped."""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from secmodel.formatting import usd, usd_short
from secmodel.report.runner import NOTEBOOK_DIR, NOTEBOOKS
from tests.conftest import SEED_DATA

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no browser: Debian's chromium is not installed (apt-get install chromium; "
    ".ci/run installs it)",
)
START_SECONDS = 60  # JupyterLab's server and page
RUN_SECONDS = 240  # one notebook, run all, on a loaded 2-core machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_notebooks(folder: Path) -> None:
    """The committed notebooks with ``data_dir`` set to the tests' seed data: the only change
    from the committed files."""
    folder.mkdir()
    for name in NOTEBOOKS:
        notebook = json.loads((NOTEBOOK_DIR / f"{name}.ipynb").read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            if "parameters" in cell["metadata"].get("tags", []):
                source = "".join(cell["source"])
                cell["source"] = source.replace(
                    "data_dir: Optional[str] = None", f'data_dir: Optional[str] = "{SEED_DATA}"'
                )
        (folder / f"{name}.ipynb").write_text(
            json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
            encoding="utf-8",
        )


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on the copies: (base URL, token, root folder)."""
    with jupyterlab(tmp_path_factory.mktemp("lab")) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@contextmanager
def jupyterlab(root: Path):
    """Start JupyterLab on copies of the notebooks in ``root``; stop it (and so its kernels)
    on leaving."""
    copy_notebooks(root / "notebooks")
    port, token = free_port(), secrets.token_hex(16)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: run commands, read state
    ]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(root / "config")}
    log = (root / "server.log").open("w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=root, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("JupyterLab did not start:\n" + (root / "server.log").read_text())
            time.sleep(0.5)
    try:
        yield base, token, root
    finally:
        server.terminate()  # the server shuts down the kernels it started
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@contextmanager
def chromium():
    """Debian's Chromium, headless, through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


CURRENT = "window.jupyterapp.shell.currentWidget"


def open_notebook(browser, lab, name: str):
    """A page with the notebook open and rendered, its kernel ready."""
    base, token, _ = lab
    page = browser.new_page(viewport={"width": 1400, "height": 4000})
    page.goto(f"{base}/lab/tree/notebooks/{name}.ipynb?reset&token={token}")
    page.wait_for_function(
        f"window.jupyterapp && {CURRENT} && {CURRENT}.context"
        f" && {CURRENT}.context.path.endsWith('{name}.ipynb')"
        f" && {CURRENT}.sessionContext.session && {CURRENT}.sessionContext.session.kernel",
        timeout=START_SECONDS * 1000,
    )
    page.wait_for_function(
        f"{CURRENT}.sessionContext.session.kernel.status === 'idle'",
        timeout=START_SECONDS * 1000,
    )
    return page


def is_dirty(page) -> bool:
    return page.evaluate(f"{CURRENT}.context.model.dirty")


def run_all(page) -> None:
    """Run every cell and wait until every code cell has run and the kernel is idle."""
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        f"""(() => {{
            const nb = {CURRENT}.content;
            const kernel = {CURRENT}.sessionContext.session.kernel;
            const cells = nb.widgets.filter(c => c.model.type === 'code');
            return kernel.status === 'idle'
                && cells.every(c => c.model.executionCount !== null && c.promptNode
                    && !c.promptNode.textContent.includes('*'));
        }})()""",
        timeout=RUN_SECONDS * 1000,
        polling=500,
    )


def error_outputs(page) -> list[str]:
    """The text of every error or stderr output on the page."""
    return page.eval_on_selector_all(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"],'
        " .jp-RenderedText[data-mime-type='application/vnd.jupyter.error']",
        "nodes => nodes.map(n => n.innerText)",
    )


def wider_than_the_output(page) -> list[str]:
    """The first words of every table wider than its output area (a scroll bar would hide
    its last columns)."""
    return page.eval_on_selector_all(
        ".jp-OutputArea-output .secmodel-table",
        """tables => tables.filter(t => {
            const area = t.closest('.jp-OutputArea-output');
            return area.scrollWidth > area.clientWidth + 1;
        }).map(t => t.innerText.slice(0, 60))""",
    )


def panel_figures(page) -> dict[str, list[str]]:
    """The key-figures table inside the what-if panel's output: row label -> cells."""
    rows = page.eval_on_selector_all(
        ".widget-output .secmodel-table tr",
        "rows => rows.map(r => Array.from(r.children).map(c => c.innerText))",
    )
    return {cells[0]: cells[1:] for cells in rows}


def cli_figures(tmp_path, run, multiplier: float) -> pd.Series:
    out = tmp_path / f"cli-{multiplier}"
    code, _, err = run(
        "project", "--scenario", "seed_roadmap", "--user-growth-multiplier", str(multiplier),
        "--out", out,
    )  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(out / "seed_roadmap" / "projection.csv")
    return table.set_index("month").loc[60]


@pytest.mark.parametrize("name", [n for n in NOTEBOOKS if n != "what_if"])
def test_each_notebook_opens_clean_and_runs_without_an_error(browser, lab, name, tmp_path):
    page = open_notebook(browser, lab, name)
    try:
        assert not is_dirty(page), f"{name} is marked changed as soon as it opens"
        run_all(page)
        assert error_outputs(page) == []
        assert wider_than_the_output(page) == []
        page.screenshot(path=str(tmp_path / f"{name}.png"))
    finally:
        page.close()


def test_the_growth_slider_moved_by_keyboard_gives_the_cli_figures(browser, lab, tmp_path, run):
    page = open_notebook(browser, lab, "what_if")
    try:
        assert not is_dirty(page)
        # before a run: the static figures show, the panel says how to start it
        assert page.locator(".secmodel-table").count() >= 1
        run_all(page)
        assert error_outputs(page) == []
        page.wait_for_selector(".widget-output .secmodel-table")
        before = panel_figures(page)
        expected = cli_figures(tmp_path, run, 1.0)
        assert before["MRR"][-1] == usd_short(expected["mrr"])
        handle = page.locator(".widget-slider .noUi-handle").first  # "User growth x"
        handle.focus()
        page.keyboard.press("ArrowRight")  # one step: 1.00 -> 1.05
        moved = cli_figures(tmp_path, run, 1.05)
        page.wait_for_function(
            """expected => {
                const rows = document.querySelectorAll(
                    '.widget-output .secmodel-table tr');
                return Array.from(rows).some(r => r.innerText.startsWith('MRR')
                    && r.innerText.trim().endsWith(expected));
            }""",
            arg=usd_short(moved["mrr"]),
            timeout=RUN_SECONDS * 1000,
        )
        after = panel_figures(page)
        assert after["MRR"][-1] == usd_short(moved["mrr"])
        assert after["Cumulative spend (accrual)"][-1] == usd(moved["cumulative_accrual"])
        assert after["Cumulative spend (accrual)"] != before["Cumulative spend (accrual)"]
        assert error_outputs(page) == []
        page.screenshot(path=str(tmp_path / "what_if.png"))
        # save, stop the kernel, open again: the panel shows as saved, not "model not found"
        page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
        page.wait_for_function(f"!{CURRENT}.context.model.dirty")
        page.evaluate(f"{CURRENT}.sessionContext.shutdown()")
    finally:
        page.close()
    page = open_notebook(browser, lab, "what_if")
    try:
        page.wait_for_selector(".widget-output .secmodel-table", timeout=START_SECONDS * 1000)
        assert "Error displaying widget" not in page.inner_text("body")
        assert panel_figures(page)["MRR"][-1] == usd_short(moved["mrr"])
        page.screenshot(path=str(tmp_path / "what_if_reopened.png"))
    finally:
        page.close()
