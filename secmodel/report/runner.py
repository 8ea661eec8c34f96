"""``python -m secmodel notebooks``: execute the parameterised notebooks with papermill.

Everything that can be checked is checked before any kernel starts: the inputs, the scenario
names, the parameter names and values. Notebooks then run through papermill's Python API in this
one process (imports paid once), two at a time on the machine's two cores, with a progress bar.
A failing cell stops the command with the notebook, cell and error, and the executed notebook is
kept for debugging.
"""

import ast
import dataclasses
import json
import re
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from secmodel.analysis.montecarlo import check_spec
from secmodel.analysis.runs import missing_uncertainty, uncertainty_scenario
from secmodel.errors import UsageError
from secmodel.inputs.loader import load_inputs
from secmodel.model.projection import check_end, check_horizon, resolve_scenarios
from secmodel.model.whatif import WhatIf
from secmodel.paths import (
    DEFAULT_DATA_DIR,
    DEFAULT_OUT_DIR,
    NOTEBOOK_DIR,
    REPORT_TEMPLATE,
    display_path,
    inside,
)
from secmodel.present.images import PRINT_DPI, SCREEN_DPI

NOTEBOOKS = (
    "projection",
    "scenario_comparison",
    "roadmap_audit",
    "what_if",
    "montecarlo",
    "plan_vs_actual",
)
# The board report's template runs through `secmodel report`, but is re-executed in place and
# checked by nbval like the others.
REPORT_NOTEBOOK = "board_report"
# A cell still running after this long is stuck: the heaviest cell (the board report computing
# every figure) takes seconds. Rarely, a kernel's reply is lost on its way back and the cell
# would wait forever although the kernel is idle; the notebook is then run once more in a new
# kernel, and a second stall fails with its notebook and cell, never a hang.
CELL_TIMEOUT_SECONDS = 180
COMMITTED = (*NOTEBOOKS, REPORT_NOTEBOOK)
# Papermill's bookkeeping: start and end times and durations change on every run.
VOLATILE_METADATA = ("papermill", "execution")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
PATH_PARAMETERS = ("data_dir", "output_dir", "actuals_file")
WHAT_IF_NAMES = tuple(field.name for field in dataclasses.fields(WhatIf))


@dataclass(frozen=True)
class Job:
    """One notebook to execute with its parameters into ``output``."""

    notebook: str
    parameters: dict
    output: Path


def notebook_path(name: str) -> Path:
    """A committed notebook: the analyst's in notebooks/, the board report's template in the
    package."""
    return REPORT_TEMPLATE if name == REPORT_NOTEBOOK else NOTEBOOK_DIR / f"{name}.ipynb"


def declared_parameters(name: str) -> dict[str, dict]:
    """The parameters cell's names with their default, type and help text (papermill's view)."""
    import papermill

    return papermill.inspect_notebook(str(notebook_path(name)))


def parse_value(text: str):
    """A -p value as papermill's CLI reads it: None, True/False, int, float, else the string;
    and, as everywhere in secmodel, a percentage (``5%``) as its fraction."""
    from secmodel.inputs.csvtable import parse_number

    if text.strip().endswith("%"):
        try:
            return parse_number(text, percent=True)
        except ValueError:
            return text
    if text in ("None", "none", "null"):
        return None
    if text in ("True", "true"):
        return True
    if text in ("False", "false"):
        return False
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else text


def check_parameters(values: dict, declared: dict[str, dict[str, dict]]) -> None:
    """Refuse unknown names and values of the wrong type (from the parameters cells' type
    annotations, e.g. ``horizon_months: int | None = None``), listing what is accepted."""
    types = {}
    for params in declared.values():
        for name, info in params.items():
            types[name] = info["inferred_type_name"]
    for name, value in values.items():
        if name not in types:
            known = ", ".join(sorted(types))
            raise UsageError(f"unknown parameter '{name}'; known parameters: {known}")
        kind = types[name]
        if value is None:
            if "None" not in kind and "Optional" not in kind:
                raise UsageError(f"parameter '{name}' cannot be None (type {kind})")
            continue
        wanted = [t for t in ("bool", "int", "float", "str") if t in kind]
        ok = {
            "bool": isinstance(value, bool),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "float": isinstance(value, (int, float)) and not isinstance(value, bool),
            "str": isinstance(value, str),
        }
        if wanted and not any(ok[t] for t in wanted):
            raise UsageError(f"parameter '{name}' must be {kind} (got '{value}')")
    check_horizon(values.get("horizon_months"), "parameter 'horizon_months'")
    montecarlo = {name: values.get(name) for name in ("paths", "volatility", "seed")}
    defaults = {"paths": 1, "volatility": 0.0, "seed": 0}  # stand-ins for values not given
    check_spec(**{k: defaults[k] if v is None else v for k, v in montecarlo.items()}, prefix="")
    delta = values.get("sensitivity_delta")
    if delta is not None and not 0 < delta < 1:
        raise UsageError(
            f"sensitivity_delta must be between 0 and 1 (got {delta:g}); write 0.2 or 20% for 20%"
        )


def plan_jobs(
    scenarios: list[str] | None,
    pairs: list[tuple[str, str]],
    out_dir: Path,
    notebooks: list[str] | None = None,
) -> tuple:
    """Validate everything and list the notebook runs, without starting a kernel: the inputs
    they read, the jobs, and notes on runs left out (the montecarlo notebook of a scenario
    with no uncertainty.csv row, unless it was asked for by name: then it is refused)."""
    unknown = [n for n in notebooks or [] if n not in NOTEBOOKS]
    if unknown:
        raise UsageError(
            f"unknown notebook {', '.join(repr(n) for n in unknown)}; "
            f"known notebooks: {', '.join(NOTEBOOKS)}"
        )
    chosen = [n for n in NOTEBOOKS if not notebooks or n in notebooks]
    values = {name: parse_value(text) for name, text in pairs}
    for name in PATH_PARAMETERS:  # kernels run in notebooks/: make the user's paths absolute
        if isinstance(values.get(name), str):
            values[name] = str(Path(values[name]).resolve())
    declared = {name: declared_parameters(name) for name in chosen}
    check_parameters(values, declared)
    data_dir = values.get("data_dir") or DEFAULT_DATA_DIR
    inputs = load_inputs(data_dir)
    names = [s.scenario for s in resolve_scenarios(inputs, scenarios)] if scenarios else None
    what_if = {name: values[name] for name in WHAT_IF_NAMES if values.get(name) is not None}
    for scenario in resolve_scenarios(inputs, names):
        WhatIf(**what_if).apply(scenario)
        check_end(scenario, values.get("horizon_months"), "parameter 'horizon_months'")
    jobs, notes = [], []
    for scenario in names or [None]:
        folder = inside(out_dir, inputs.scenario_folder(scenario) if scenario else "default")
        for name in chosen:
            missing = missing_uncertainty(inputs, scenario or values.get("scenario"), values)
            if name == "montecarlo" and missing:
                simulated = uncertainty_scenario(inputs, scenario or values.get("scenario"))
                why = (
                    f"uncertainty.csv has no row for scenario '{simulated}'"
                    if simulated
                    else "uncertainty.csv has no scenario to simulate"
                )
                if notebooks:  # asked for by name
                    raise UsageError(
                        f"the montecarlo notebook cannot run: {why}; add one, or give "
                        + ", ".join(f"-p {m} VALUE" for m in missing)
                    )
                notes.append(f"montecarlo notebook left out for {simulated or 'default'}: {why}")
                continue
            params = dict(values)
            if scenario is not None:
                params["scenario"] = scenario
            params = {k: v for k, v in params.items() if k in declared[name]}
            jobs.append(Job(name, params, folder / f"{name}.ipynb"))
    return inputs, jobs, notes


def installed_kernelspec() -> dict:
    """The ``python3`` kernelspec as ipykernel installs it ("Python 3 (ipykernel)"): a notebook
    that carries another display name is marked changed, and autosaved, as soon as JupyterLab
    opens it."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    return {"display_name": spec.display_name, "language": spec.language, "name": "python3"}


# Fonts render a little differently from machine to machine: a re-drawn chart that differs from
# the committed one in at most this share of its pixels, with every word around it the same,
# is the same chart, and the committed image is kept (a moved line or number changes far more).
ANTI_ALIASING_SHARE = 1e-4
PNG_DATA = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")


def only_anti_aliasing(committed: str, new: str) -> bool:
    """True when two outputs differ only in their PNGs, and those only in a few pixels."""
    if PNG_DATA.sub("", committed) != PNG_DATA.sub("", new):
        return False
    import base64
    import io

    import numpy as np
    from PIL import Image

    for old_png, new_png in zip(PNG_DATA.findall(committed), PNG_DATA.findall(new), strict=True):
        old = np.asarray(Image.open(io.BytesIO(base64.b64decode(old_png))).convert("RGB"))
        now = np.asarray(Image.open(io.BytesIO(base64.b64decode(new_png))).convert("RGB"))
        if old.shape != now.shape:
            return False
        if (old != now).any(axis=2).mean() > ANTI_ALIASING_SHARE:
            return False
    return True


def compact_png(png: bytes, scale: float = 1.0) -> bytes:
    """A chart's PNG as committed: scaled by ``scale``, in a palette of 256 colours (charts
    have few: flat fills, lines and their anti-aliased edges), compressed hard. Same input,
    same bytes."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    if scale != 1.0:
        size = (round(image.width * scale), round(image.height * scale))
        image = image.resize(size, Image.Resampling.LANCZOS)
    paletted = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    paletted.save(buffer, format="png", compress_level=9)
    return buffer.getvalue()


def compact_images(notebook: dict, scale: float = 1.0) -> None:
    """Every chart image in the notebook's outputs through :func:`compact_png`: committed
    notebooks stay small (their images are sanitized away by nbval, so only a reader sees
    them)."""
    import base64

    def compact(match: re.Match) -> str:
        png = compact_png(base64.b64decode(match.group(1)), scale)
        return "data:image/png;base64," + base64.b64encode(png).decode("ascii")

    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/html" in data:
                data["text/html"] = PNG_DATA.sub(compact, _joined(data["text/html"]))


def keep_committed_images(notebook: dict, committed: dict | None) -> None:
    """Where an output's new form differs from the committed one only by anti-aliasing (see
    ANTI_ALIASING_SHARE), put the committed form back: `make notebooks` on an unchanged model
    then leaves the repository as it was on any machine."""
    if committed is None or len(committed["cells"]) != len(notebook["cells"]):
        return
    for cell, before in zip(notebook["cells"], committed["cells"], strict=True):
        if len(cell.get("outputs", [])) != len(before.get("outputs", [])):
            continue
        for output, old in zip(cell.get("outputs", []), before.get("outputs", []), strict=True):
            data, old_data = output.get("data", {}), old.get("data", {})
            for mime, value in data.items():
                text, old_text = _joined(value), _joined(old_data.get(mime, ""))
                if text != old_text and only_anti_aliasing(old_text, text):
                    data[mime] = old_data[mime]


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def scrub(path: Path, committed: dict | None = None, image_scale: float | None = None) -> None:
    """Drop papermill's timestamps and durations so a re-run changes only what changed, give
    the notebook the kernelspec JupyterLab expects, and, for a committed notebook
    (``image_scale`` given), compact its images and keep the committed ones where only
    anti-aliasing moved."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    if image_scale is not None:
        compact_images(notebook, image_scale)
        keep_committed_images(notebook, committed)
    notebook["metadata"]["kernelspec"] = installed_kernelspec()
    for key in VOLATILE_METADATA:
        notebook["metadata"].pop(key, None)
    notebook["metadata"].pop("widgets", None)  # widget state: random ids, rebuilt on run
    for cell in notebook["cells"]:
        for key in VOLATILE_METADATA:
            cell["metadata"].pop(key, None)
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view:  # a random id per run; the widget is rebuilt when the cell runs
                view["model_id"] = ""
    text = json.dumps(notebook, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    from secmodel.output import write_bytes_atomic

    write_bytes_atomic(path, text.encode("utf-8"))


class KernelStalled(Exception):
    """A notebook's cell outlived CELL_TIMEOUT_SECONDS twice, in two kernels."""


def run_with_retry(run, name: str):
    """``run(fresh)`` once, and once more with ``fresh=True`` (a new kernel) when a cell gets
    no answer within CELL_TIMEOUT_SECONDS, saying so on stderr; :class:`KernelStalled` when the
    second run stalls too. This module is the one place that leans on nbclient."""
    from nbclient.exceptions import CellTimeoutError

    try:
        return run(False)
    except CellTimeoutError:
        print(
            f"{name}: a cell got no answer from its kernel within {CELL_TIMEOUT_SECONDS} s; "
            "running the notebook again in a new kernel",
            file=sys.stderr,
        )
    try:
        return run(True)
    except CellTimeoutError as exc:
        raise KernelStalled(f"{name}: {exc}".strip() + " (twice, in two kernels)") from None


def execute(job: Job) -> None:
    """Run one notebook; papermill writes the output notebook even when a cell fails."""
    import papermill

    job.output.parent.mkdir(parents=True, exist_ok=True)
    committed = None
    if job.output.resolve() == notebook_path(job.notebook).resolve():  # accepting in place
        committed = json.loads(job.output.read_text(encoding="utf-8"))

    def run(_fresh: bool) -> None:  # papermill starts a kernel of its own each time
        papermill.execute_notebook(
            str(notebook_path(job.notebook)),
            str(job.output),
            parameters=job.parameters,
            kernel_name="python3",
            progress_bar=False,
            # no cwd: papermill would change this process's folder, which the other
            # notebook's thread shares; every path a notebook gets is absolute
            # the kernel's own start-up and shut-down log lines are not the user's business
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            execution_timeout=CELL_TIMEOUT_SECONDS,
        )

    run_with_retry(run, f"{job.notebook}.ipynb")
    if committed is None:
        scrub(job.output)
    else:  # the board report's print-resolution charts committed at the notebooks' resolution
        scale = SCREEN_DPI / PRINT_DPI if job.notebook == REPORT_NOTEBOOK else 1.0
        scrub(job.output, committed, scale)


def run_jobs(jobs: list[Job], workers: int) -> int:
    """Execute the jobs with a progress bar; 0 when all pass, 1 with a message when one fails."""
    from papermill.exceptions import PapermillExecutionError
    from tqdm import tqdm

    failures = []
    with (
        ThreadPoolExecutor(max_workers=workers) as pool,
        tqdm(total=len(jobs), unit="notebook", desc="notebooks", file=sys.stderr) as bar,
    ):
        futures = {pool.submit(execute, job): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            try:
                future.result()
            except PapermillExecutionError as exc:
                failures.append(
                    f"{job.notebook} failed in cell [{exc.exec_count}]: {exc.ename}: {exc.evalue}\n"
                    f"  the executed notebook is kept at {display_path(job.output)}"
                )
            except KernelStalled as exc:
                failures.append(
                    f"{exc}\n  the notebook as far as it ran is kept at {display_path(job.output)}"
                )
            bar.update(1)
    for message in failures:
        print(message, file=sys.stderr)
    if failures:
        return 1
    folders = sorted({display_path(job.output.parent) for job in jobs})
    print(f"executed {len(jobs)} notebook(s) into {', '.join(folders)}")
    return 0


def run_notebooks(
    scenarios: list[str] | None,
    pairs: list[tuple[str, str]],
    out_dir: Path = DEFAULT_OUT_DIR / "notebooks",
    in_place: bool = False,
    notebooks: list[str] | None = None,
) -> int:
    """The ``notebooks`` command: plan (validating everything), then execute."""
    if in_place:
        if scenarios or pairs or notebooks:
            raise UsageError(
                "--in-place re-runs the committed notebooks with their defaults; "
                "it takes no --scenario or -p"
            )
        inputs = load_inputs(DEFAULT_DATA_DIR)
        jobs = [Job(name, {}, notebook_path(name)) for name in COMMITTED]
    else:
        inputs, jobs, notes = plan_jobs(scenarios, pairs, out_dir, notebooks)
        for note in notes:
            print(note, file=sys.stderr)
    return run_jobs(jobs, inputs.settings.notebook_workers)
