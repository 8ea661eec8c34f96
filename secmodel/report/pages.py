"""The board report's pages as its template notebook shows them: HTML sections and chart
images by template cell, nothing to compute.

``secmodel report`` builds them (:func:`secmodel.report.board.pages`) and hands them to the
template's kernel in a file of the run; opened in JupyterLab, the template builds them itself
(:func:`build`). This module imports nothing heavy, so the kernel starts quickly.
"""

import pickle
from pathlib import Path

from IPython.display import display


class Pages:
    """Displayable parts (IPython HTML, chart images) by template cell."""

    def __init__(self, parts: dict[str, list]):
        self.parts = parts

    def show(self, cell: str) -> None:
        """Display one cell's parts in order."""
        for part in self.parts[cell]:
            display(part)

    def save(self, path: Path) -> None:
        """Write the pages for the template's kernel (a file of this run only)."""
        Path(path).write_bytes(pickle.dumps(self.parts, protocol=pickle.HIGHEST_PROTOCOL))


def load(path: str | Path) -> Pages:
    """The pages :meth:`Pages.save` wrote."""
    return Pages(pickle.loads(Path(path).read_bytes()))


def build(
    data_dir: str | None, scenarios: list[str] | None, as_of: str | None, company: str
) -> Pages:
    """The pages computed here, from the data folder (for the template opened on its own)."""
    from secmodel.inputs.loader import load_inputs
    from secmodel.report import board

    pack = board.build_pack(load_inputs(data_dir), scenarios)
    return board.pages(pack, as_of, company)
