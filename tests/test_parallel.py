"""Work done in forked workers gives what the same work gives in this process: chart images,
and the cut of the board report into parts that are rendered side by side."""

import gc

import nbformat

from secmodel import load_inputs, project_scenario
from secmodel.analysis.executor import InlineExecutor, fork_executor
from secmodel.model.projection import resolve_scenarios
from secmodel.paths import DEFAULT_DATA_DIR
from secmodel.present import charts
from secmodel.report.build import PART_TAG, notebook_parts
from secmodel.report.chartpool import ChartPool

REMEMBERED = None


def square(x):
    return x * x


def test_fork_executor_and_inline_agree():
    with fork_executor(2) as pool:
        forked = list(pool.map(square, range(5)))
    with fork_executor(1) as pool:
        assert isinstance(pool, InlineExecutor)
        inline = list(pool.map(square, range(5)))
    assert forked == inline == [0, 1, 4, 9, 16]


def frozen_objects(_):
    return gc.get_freeze_count()


def remember(value):
    global REMEMBERED
    REMEMBERED = value


def remembered(_):
    return REMEMBERED


def test_workers_leave_inherited_objects_out_of_collection_and_run_the_initializer():
    """A forked worker freezes what it inherited (a collection would copy the parent's pages);
    this process's own collector is left alone; the pool's initializer still runs."""
    before = gc.get_freeze_count()
    with fork_executor(2, remember, ("set up",)) as pool:
        assert all(count > 1000 for count in pool.map(frozen_objects, range(2)))
        assert list(pool.map(remembered, range(2))) == ["set up", "set up"]
    assert gc.get_freeze_count() == before


def test_charts_drawn_in_workers_are_the_charts_drawn_here():
    inputs = load_inputs(DEFAULT_DATA_DIR)
    projection = project_scenario(inputs, resolve_scenarios(inputs, ["base"])[0])
    builds = [charts.users_and_mrr_chart, charts.cumulative_spend_chart]
    here = [build(projection).image() for build in builds]
    pool = ChartPool(workers=2)
    futures = [pool.chart(build, projection) for build in builds]
    pool.close()
    assert [future.result() for future in futures] == here


def test_a_tagged_cell_starts_a_part():
    def notebook(*tags):
        nb = nbformat.v4.new_notebook()
        nb.cells = [
            nbformat.v4.new_code_cell(str(n), metadata={"tags": t}) for n, t in enumerate(tags)
        ]
        return nb

    parts = notebook_parts(notebook([], [PART_TAG], []))
    assert [[c.source for c in part["cells"]] for part in parts] == [["0"], ["1", "2"]]
    assert len(notebook_parts(notebook([], [], []))) == 1
    assert len(notebook_parts(notebook([PART_TAG], []))) == 1  # nothing before it: no empty part
