"""Where the project's files are: the one place that knows.

Paths are resolved from the package, never from the current directory, because papermill and
nbval start kernels in other folders. In a checkout of the repository (an editable install), the
data and reports folders are the repository's; a package installed from a wheel has no
repository, so they are those of the folder the command is run in.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
IN_CHECKOUT = (REPO_ROOT / "pyproject.toml").is_file() and (REPO_ROOT / "data").is_dir()
PROJECT_DIR = REPO_ROOT if IN_CHECKOUT else Path.cwd()
DEFAULT_DATA_DIR = PROJECT_DIR / "data"
DEFAULT_OUT_DIR = PROJECT_DIR / "reports"
NOTEBOOK_DIR = REPO_ROOT / "notebooks"  # the analyst's notebooks (in a checkout only)
REPORT_TEMPLATE = PACKAGE_DIR / "report" / "templates" / "board_report.ipynb"


def display_path(path: Path) -> str:
    """The path as a user would type it: relative to the current directory when under it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
