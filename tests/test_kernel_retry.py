"""A cell that gets no answer from its kernel is run once more in a new kernel; a second stall
is a clear failure, never a hang (`secmodel notebooks` and `secmodel report` both go through
``runner.run_with_retry``)."""

import nbformat
import papermill
import pytest

from secmodel.report.runner import KernelStalled, run_with_retry


def notebook_that_stalls(path, marker, times: int) -> None:
    """A one-cell notebook whose cell sleeps far past the timeout on its first ``times`` runs
    (counted in ``marker``), then prints "done"."""
    source = (
        "import pathlib, time\n"
        f"marker = pathlib.Path({str(marker)!r})\n"
        "runs = int(marker.read_text()) if marker.exists() else 0\n"
        "marker.write_text(str(runs + 1))\n"
        f"if runs < {times}:\n"
        "    time.sleep(60)\n"
        "print('done')\n"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nbformat.write(nb, str(path))


def runner(source, output):
    def run(_fresh):
        papermill.execute_notebook(
            str(source), str(output), kernel_name="python3", progress_bar=False,
            execution_timeout=3,
        )  # fmt: skip

    return run


def test_a_stalled_cell_is_run_again_in_a_new_kernel(tmp_path, capsys):
    source, output, marker = tmp_path / "in.ipynb", tmp_path / "out.ipynb", tmp_path / "runs"
    notebook_that_stalls(source, marker, times=1)
    run_with_retry(runner(source, output), "in.ipynb")
    assert marker.read_text() == "2"
    cell = nbformat.read(str(output), as_version=4).cells[0]
    assert cell.outputs[0]["text"] == "done\n"
    assert "in.ipynb: a cell got no answer from its kernel" in capsys.readouterr().err


def test_a_second_stall_fails_with_the_notebooks_name(tmp_path):
    source, output, marker = tmp_path / "in.ipynb", tmp_path / "out.ipynb", tmp_path / "runs"
    notebook_that_stalls(source, marker, times=2)
    with pytest.raises(KernelStalled, match=r"in\.ipynb"):
        run_with_retry(runner(source, output), "in.ipynb")
    assert marker.read_text() == "2"  # two runs, then no more
