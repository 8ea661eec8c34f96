"""Where the project's files are, resolved from the package, never from the current directory.

papermill and nbval start kernels in different folders, so a relative ``data/`` would point at
different places depending on who runs the code.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
DEFAULT_DATA_DIR = REPO_ROOT / "data"
DEFAULT_OUT_DIR = REPO_ROOT / "reports"
NOTEBOOK_DIR = REPO_ROOT / "notebooks"


def display_path(path: Path) -> str:
    """The path as a user would type it: relative to the current directory when under it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
