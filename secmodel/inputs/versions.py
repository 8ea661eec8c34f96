"""A version of the inputs to compare with: a data folder, or ``git:REV``, the data folder as it
was at revision REV of its repository, read with git without touching the working tree."""

import contextlib
import dataclasses
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from secmodel.errors import EnvironmentFailure, InputError, UsageError
from secmodel.inputs.actuals import FILE_NAME, REQUIRED, Actuals, read_actuals
from secmodel.inputs.csvtable import Table, read_table
from secmodel.inputs.loader import ModelInputs, load_inputs
from secmodel.paths import display_path

GIT_PREFIX = "git:"
GIT_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Version:
    """One version of the inputs: what it is called, its inputs and its actuals (if any)."""

    name: str  # as the user gave it: a folder, or git:REV
    inputs: ModelInputs
    actuals: Actuals | None
    actuals_table: Table | None = None  # actuals.csv as written, for the list of changes


def read_version(spec: str, data_dir: Path) -> Version:
    """The inputs of ``spec``: a data folder, or ``git:REV`` (``data_dir`` at REV)."""
    if spec.startswith(GIT_PREFIX):
        revision = spec[len(GIT_PREFIX) :]
        if not revision or revision.startswith("-"):  # never read as one of git's options
            raise UsageError(
                f"--base {spec}: give a revision, e.g. git:HEAD~1, git:v1.0 or a commit"
            )
        with _checked_out(Path(data_dir), revision) as (folder, prefix):
            try:
                return folder_version(spec, folder)
            except InputError as exc:  # named as the revision's files, not the scratch copy
                where = f"{spec}:{prefix + '/' if prefix else ''}"
                raise InputError(
                    [dataclasses.replace(p, file=where + Path(p.file).name) for p in exc.problems]
                ) from None
    folder = Path(spec)
    if not folder.is_dir():
        raise EnvironmentFailure(
            f"the base version {display_path(folder)} is not a folder; give a data folder or "
            "git:REV"
        )
    return folder_version(spec, folder)


def folder_version(name: str, folder: Path) -> Version:
    """The inputs of a data folder and its actuals.csv, if it has one."""
    actuals_file = folder / FILE_NAME
    if not actuals_file.is_file():
        return Version(name, load_inputs(folder), None)
    return Version(
        name, load_inputs(folder), read_actuals(actuals_file), read_table(actuals_file, REQUIRED)
    )


def _git(args: list[str], cwd: Path) -> bytes:
    """The output of ``git ARGS`` run in ``cwd``; a git that cannot run is an environment
    failure, one that refuses the command raises CalledProcessError."""
    if shutil.which("git") is None:
        raise EnvironmentFailure("git is not installed here; give the base version as a folder")
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, check=True, timeout=GIT_TIMEOUT_SECONDS
    ).stdout


@contextlib.contextmanager
def _checked_out(data_dir: Path, revision: str):
    """A temporary folder holding the files of ``data_dir`` as they were at ``revision``."""
    data_dir = data_dir.resolve()
    try:
        top = Path(_git(["rev-parse", "--show-toplevel"], data_dir).decode().strip())
    except (subprocess.CalledProcessError, FileNotFoundError, NotADirectoryError):
        raise EnvironmentFailure(
            f"the data folder {display_path(data_dir)} is not in a git repository; give the "
            "base version as a folder"
        ) from None
    prefix = data_dir.relative_to(top.resolve()).as_posix()
    prefix = "" if prefix == "." else prefix
    tree = f"{revision}:{prefix}"
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], top)
    except subprocess.CalledProcessError:
        raise UsageError(
            f"--base git:{revision}: no such revision in {display_path(top)} "
            "(try git:HEAD~1, a tag or a commit)"
        ) from None
    try:
        listing = _git(["ls-tree", "-z", "--name-only", tree], top)
    except subprocess.CalledProcessError:
        listing = b""
    names = [n for n in listing.decode().split("\0") if n.endswith(".csv")]
    if not names:
        raise UsageError(
            f"--base git:{revision}: {prefix or 'the repository'}/ holds no CSV files at that "
            "revision"
        )
    with tempfile.TemporaryDirectory(prefix="secmodel-base-") as tmp:
        for name in names:
            content = _git(["show", f"{tree}/{name}" if prefix else f"{revision}:{name}"], top)
            (Path(tmp) / Path(name).name).write_bytes(content)
        yield Path(tmp), prefix
