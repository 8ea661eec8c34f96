"""Draw charts in worker processes while the caller goes on with its own work.

The board report draws about two dozen figures; matplotlib holds the GIL while it draws, so
they are drawn in forked workers (:mod:`secmodel.analysis.executor`), in parallel with each
other and with the caller. A job's result is a picklable
:class:`~secmodel.present.charts.ChartImage` (or whatever
a job function returns), so nothing of matplotlib crosses a process boundary.
"""

from collections.abc import Callable
from concurrent.futures import Future

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from secmodel.analysis.executor import InlineExecutor, fork_executor
from secmodel.present.charts import ChartImage


def render_chart(build: Callable, *args, **kwargs) -> ChartImage:
    """Build a chart with ``build(*args, **kwargs)`` and render it to PNG (a worker's job)."""
    return build(*args, **kwargs).image()


def warm_up_drawing() -> None:
    """Draw a small figure with regular and bold text, so that the fonts and matplotlib's
    caches are loaded once here and inherited by every forked worker (each would otherwise
    load them again: about a quarter of a second each)."""
    figure = Figure(figsize=(2, 1))
    ax = figure.add_subplot()
    ax.plot([0, 1], [0, 1], label="line")
    ax.set_title("title", fontweight="bold")
    ax.set_xlabel("label")
    ax.legend(fontsize=8)
    FigureCanvasAgg(figure).draw()


class ChartPool:
    """Submit chart jobs now, collect the images later (in order of need)."""

    def __init__(self, workers: int | None = None):
        self._executor = fork_executor(workers)
        if not isinstance(self._executor, InlineExecutor):
            warm_up_drawing()  # the pool forks its workers at the first job, after this

    def chart(self, build: Callable, *args, **kwargs) -> "Future[ChartImage]":
        """Draw ``build(*args, **kwargs)`` in a worker; the future's result is its image."""
        return self._executor.submit(render_chart, build, *args, **kwargs)

    def call(self, fn: Callable, *args, **kwargs) -> Future:
        """Any other picklable job (a module-level function and picklable arguments)."""
        return self._executor.submit(fn, *args, **kwargs)

    def close(self) -> None:
        """No more jobs: the workers exit once the submitted ones are done."""
        self._executor.shutdown(wait=False)
