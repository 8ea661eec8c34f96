"""Where the project's files are: the one place that knows.

Paths are resolved from the package, never from the current directory, because papermill and
nbval start kernels in other folders. In a checkout of the repository (an editable install), the
data and reports folders are the repository's; a package installed from a wheel has no
repository, so they are those of the folder the command is run in.
"""

import os
import re
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
IN_CHECKOUT = (REPO_ROOT / "pyproject.toml").is_file() and (REPO_ROOT / "data").is_dir()
PROJECT_DIR = REPO_ROOT if IN_CHECKOUT else Path.cwd()
DEFAULT_DATA_DIR = PROJECT_DIR / "data"
DEFAULT_OUT_DIR = PROJECT_DIR / "reports"
NOTEBOOK_DIR = REPO_ROOT / "notebooks"  # the analyst's notebooks (in a checkout only)
# an illustrative monthly close, outside data/ so the default projections stay the plan
EXAMPLE_ACTUALS = PROJECT_DIR / "examples" / "monthly_close" / "actuals.csv"
REPORT_TEMPLATE = PACKAGE_DIR / "report" / "templates" / "board_report.ipynb"


SAFE_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME = 80  # characters of a folder name made from an id


def safe_name(name: str) -> str:
    """A folder or file name for an id from the data: letters, digits, '.', '_' and '-' kept,
    every other run of characters one '_'; no leading dot (so never '.', '..' or hidden); at
    most MAX_NAME characters; '_' when nothing is left."""
    safe = SAFE_CHARACTERS.sub("_", name).lstrip(".")[:MAX_NAME]
    return safe or "_"


def safe_names(names) -> dict[str, str]:
    """Each name's :func:`safe_name`, made unique ignoring case (file systems that ignore case
    would merge 'Bear' and 'bear'): a later name that clashes gets '-2', '-3'... in input order."""
    taken: set[str] = set()
    found = {}
    for name in names:
        base = candidate = safe_name(name)
        n = 2
        while candidate.lower() in taken:
            candidate = f"{base[: MAX_NAME - len(str(n)) - 1]}-{n}"
            n += 1
        taken.add(candidate.lower())
        found[name] = candidate
    return found


def inside(folder: Path, *parts: str) -> Path:
    """``folder / parts``, refused (ValueError) unless it stays inside ``folder``."""
    path = Path(folder, *parts)
    if not path.resolve().is_relative_to(Path(folder).resolve()):
        raise ValueError(f"{path} is not inside {folder}")
    return path


def display_path(path: Path) -> str:
    """The path as a user would type it: relative to the current directory when under it.
    Links are not followed (a broken or looping one is named as it is)."""
    path = Path(path)
    try:
        return str(Path(os.path.abspath(path)).relative_to(os.path.abspath(Path.cwd())))
    except (ValueError, OSError):  # elsewhere, or the current folder is gone
        return str(path)
