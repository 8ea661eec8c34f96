"""Charts and display formatting: units on the axes, alt text from the numbers, same bytes on
every run, and formats an analyst reads ($1.2M, $83,455, 4.1%)."""

import pytest

from secmodel import load_inputs, project_scenario
from secmodel.analysis.audit import stage_pct_targets
from secmodel.formatting import count, pct, pct_tick, usd, usd_short, usd_tick
from secmodel.present import charts
from tests.conftest import SEED_DATA


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1_234_567, "$1.2M"),
        (83_455, "$83.5k"),
        (999_950, "$1.0M"),
        (950, "$950"),
        (-2_500, "($2.5k)"),
        (3.4e9, "$3.4B"),
        (float("nan"), "-"),
    ],
)
def test_usd_short(value, text):
    assert usd_short(value) == text


def test_other_formats():
    assert usd(83455) == "$83,455"
    assert usd(2321.666, 2) == "$2,321.67"
    assert usd(-500) == "($500)" and usd(-0.4) == "$0"  # no "($0)"
    assert pct(-0.025) == "(2.5%)"
    assert pct(0.041) == "4.1%"
    assert pct(1.5) == "150.0%"
    assert count(1139.0625) == "1,139"
    assert pct_tick(0.01) == "1%" and pct_tick(0.005) == "0.5%"
    assert usd_tick(10_000) == "$10k" and usd_tick(1_500_000) == "$1.5M"


@pytest.mark.parametrize(
    ("value", "tick"),
    [(1_250, "$1.25k"), (1_750, "$1.75k"), (1_250_000, "$1.25M"), (500, "$500"), (0, "$0")],
)
def test_a_tick_names_its_gridline_exactly(value, tick):
    assert usd_tick(value) == tick


@pytest.mark.parametrize(
    ("value", "steps", "below"),
    [
        (0.03, (1, 2, 5), 0.02),
        (700, (1, 2, 5), 500),
        (1000, (1, 2, 5), 1000),
        (0.0049, (1,), 0.001),
    ],
)
def test_a_log_axis_starts_on_the_round_step_under_its_lowest_value(value, steps, below):
    assert charts.step_below(value, steps) == pytest.approx(below)


@pytest.fixture(scope="module")
def seed():
    inputs = load_inputs(SEED_DATA)
    return project_scenario(inputs, "seed_roadmap"), inputs


def all_charts(seed):
    projection, inputs = seed
    targets = stage_pct_targets(inputs.claims)
    others = [project_scenario(inputs, s) for s in ("base", "bear")]
    return [
        charts.users_and_mrr_chart(projection),
        charts.users_and_mrr_chart(projection, log_scale=False),
        charts.spend_by_category_chart(projection),
        charts.cumulative_spend_chart(projection),
        charts.pct_of_revenue_chart(projection, targets, inputs.benchmarks),
        charts.comparison_chart([projection, *others], "cumulative_accrual", focus="base"),
        charts.comparison_chart([projection, *others], "pct_of_revenue_ttm"),
    ]


def test_every_chart_has_title_units_alt_text_and_caption(seed):
    for chart in all_charts(seed):
        assert chart.title and chart.caption and len(chart.alt) > 80
        axes = chart.figure.get_axes()
        for ax in axes:
            label = ax.get_ylabel()
            assert any(unit in label for unit in ("USD", "Users", "revenue")), label
        html = chart.html()
        assert html.startswith('<figure class="secmodel-chart tex2jax_ignore mathjax_ignore">')
        assert '<img src="data:image/png;base64,' in html
        assert 'alt="' in html and "<figcaption>" in html
        assert chart._repr_mimebundle_()["text/plain"] == f"Chart: {chart.title}"


def test_charts_are_the_same_bytes_every_time(seed):
    first = [c.png() for c in all_charts(seed)]
    second = [c.png() for c in all_charts(seed)]
    assert first == second
    assert all(png.startswith(b"\x89PNG") for png in first)


def test_alt_text_carries_the_figures(seed):
    projection, _ = seed
    users = charts.users_and_mrr_chart(projection)
    assert "MRR reaches $10k in month 6" in users.alt and "MRR reaches $1M in month 36" in users.alt
    spend = charts.spend_by_category_chart(projection)
    # from month 36 every tier: $83,455 a month against the $50,000 enterprise budget
    assert "to $83,455 a month against a final stage budget of $50,000" in spend.alt
    assert "25 of 61 months, first in month 36" in spend.alt
    share = charts.pct_of_revenue_chart(projection)
    assert "highest 150.0% in month 0" in share.alt  # $1,500 on $1,000 MRR


def test_trigger_markers_and_stage_bands(seed):
    projection, _ = seed
    chart = charts.users_and_mrr_chart(projection)
    mrr_axes, users_axes = chart.figure.get_axes()
    markers = [
        line for ax in (mrr_axes, users_axes) for line in ax.lines if line.get_marker() == "o"
    ]
    assert len(markers) == 6  # six triggers fire in the seed_roadmap scenario
    labels = {t.get_text() for t in mrr_axes.texts}
    assert {"MVP", "Growth", "Scale", "Enterprise"} <= labels  # stages by their labels
    assert charts.stage_runs(projection.table) == [
        ("mvp", 0, 5),
        ("growth", 6, 17),
        ("scale", 18, 35),
        ("enterprise", 36, 60),
    ]


def test_palette_is_colour_blind_safe():
    assert charts.PALETTE[:3] == ["#0072B2", "#E69F00", "#009E73"]  # Okabe-Ito


def test_fan_and_probability_charts():
    import secmodel.analysis.montecarlo as mc

    inputs = load_inputs(SEED_DATA)
    spec = mc.MonteCarloSpec(
        inputs.scenarios["base"], 60, 1500, 0.05, 4, inputs.settings.growth_floor
    )
    result = mc.run_montecarlo(inputs, spec)
    q = result.quantiles
    last = q[(q["metric"] == "cumulative_cash") & (q["month"] == 60)].iloc[0]
    fan = charts.fan_chart(q, "cumulative_cash", "base", 1500)
    assert f"the median is {usd(last['p50'])}" in fan.alt
    assert f"between {usd(last['p10'])} and {usd(last['p90'])}" in fan.alt
    assert "USD" in fan.figure.axes[0].get_ylabel()
    assert fan.figure.legends  # in the notebook: a key under the plot
    bare = charts.fan_chart(q, "cumulative_cash", "base", 1500, legend=False)
    assert not bare.figure.legends and bare.figure.get_figheight() == charts.FAN_HEIGHT
    probability = charts.trigger_probability_chart(result.trigger_probability, "base", 1500)
    assert "launch 100%" in probability.alt
    # one line per distinct curve: triggers that fire together on every path share a line and
    # its legend entry ("MRR reaches $1M = 100,000 users"), so no line hides under another
    lines = probability.figure.axes[0].lines
    named = [name for line in lines for name in line.get_label().split(" = ")]
    assert sorted(named) == sorted(t.trigger_id for t in inputs.triggers.values())
    curves = {tuple(line.get_ydata()) for line in lines}
    assert len(curves) == len(lines)


def test_triggers_with_the_same_curve_share_one_line():
    import pandas as pd

    wide = pd.DataFrame({"a": [0, 0.5, 1], "b": [0, 0.2, 1], "c": [0, 0.5, 1], "d": [1, 1, 1]})
    assert charts.same_lines(wide, ["a", "b", "c", "d"]) == [["a", "c"], ["b"], ["d"]]


def test_a_category_has_one_colour_in_every_scenario():
    """bear buys only the launch items, seed_roadmap every tier: a category they share is
    drawn in the same colour and hatch in both."""
    inputs = load_inputs(SEED_DATA)
    styles = {}
    for name in ("seed_roadmap", "bear"):
        ax = charts.spend_by_category_chart(project_scenario(inputs, name)).figure.axes[0]
        styles[name] = {
            band.get_label(): (tuple(band.get_facecolor()[0]), band.get_hatch())
            for band in ax.collections
            if not band.get_label().startswith("_")
        }
    shared = set(styles["bear"]) & set(styles["seed_roadmap"])
    assert len(shared) >= 3 and len(styles["seed_roadmap"]) > len(styles["bear"])
    assert all(styles["bear"][c] == styles["seed_roadmap"][c] for c in shared)


def tick_value(label: str) -> float:
    """The number a tick label names: $1.25k -> 1250, (2.5%) -> -0.025, 10k -> 10000."""
    text = label.replace("\u2212", "-")
    negative = text.startswith("(") or text.startswith("-")
    text = text.strip("()-").replace("$", "").replace(",", "")
    scale = 1.0
    if text.endswith("%"):
        text, scale = text[:-1], 0.01
    for suffix, size in (("k", 1e3), ("M", 1e6), ("B", 1e9)):
        if text.endswith(suffix):
            text, scale = text[: -len(suffix)], size
    return (-1 if negative else 1) * float(text) * scale


def test_every_money_share_and_count_tick_names_its_gridline(seed):
    """A label on the $1,250 gridline says $1.25k, never $1.2k: every y tick of every chart,
    read back as a number, is the gridline's value."""
    checked = 0
    bear = project_scenario(seed[1], "bear")  # $1,500 a month: gridlines every $250
    extra = [charts.spend_by_category_chart(bear), charts.users_and_mrr_chart(bear, False)]
    for chart in [*all_charts(seed), *extra]:
        for ax in chart.figure.axes:
            low, high = sorted(ax.get_ylim())
            where_all = [w for w in ax.yaxis.get_majorticklocs() if low <= w <= high]
            labels = ax.yaxis.get_major_formatter().format_ticks(where_all)
            for where, label in zip(where_all, labels, strict=True):
                if not label:
                    continue
                assert tick_value(label) == pytest.approx(where, rel=1e-9, abs=1e-12), label
                checked += 1
    assert checked > 30


def drawn_texts(figure) -> list:
    """Every text the drawn figure shows (titles, axis and tick labels, legends, notes), each
    with its box on the canvas: tick labels only of the ticks drawn, none empty or hidden."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    canvas = FigureCanvasAgg(figure)
    with charts.matplotlib.rc_context(charts.PLAIN_TEXT):
        canvas.draw()
    renderer = canvas.get_renderer()
    cached, drawn = set(), set()
    for ax in figure.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            span = (high - low) * 1e-9
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                cached |= {id(tick.label1), id(tick.label2)}
                if low - span <= tick.get_loc() <= high + span:  # only ticks in view are drawn
                    drawn |= {id(tick.label1), id(tick.label2)}
    shown = []
    for text in figure.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        if id(text) in cached and id(text) not in drawn:
            continue
        shown.append((text, text.get_window_extent(renderer)))
    return shown


def collisions(figure) -> list[str]:
    """Texts that overprint one another, leave the figure or (a point's label) its plot, and
    legends over a plot."""
    from matplotlib.text import Annotation

    problems = []
    shown = drawn_texts(figure)
    inside = figure.bbox.padded(1)
    for n, (text, box) in enumerate(shown):
        if not (inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1)):
            problems.append(f"{text.get_text()!r} leaves the figure")
        for other, other_box in shown[n + 1 :]:
            if box.padded(-1).overlaps(other_box.padded(-1)):
                problems.append(f"{text.get_text()!r} overprints {other.get_text()!r}")
    renderer = figure.canvas.get_renderer()
    for ax in figure.axes:  # a point's label stays inside its plot, off the ticks
        frame = ax.get_window_extent(renderer).padded(1)
        for note in ax.texts:
            box = note.get_window_extent(renderer)
            if (
                note.get_text()
                and isinstance(note, Annotation)
                and not (frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1))
            ):
                problems.append(f"{note.get_text()!r} leaves its plot")
    for legend in figure.legends + [ax.get_legend() for ax in figure.axes if ax.get_legend()]:
        frame = legend.get_window_extent(renderer)
        for ax in figure.axes:
            if frame.overlaps(ax.get_window_extent(renderer)):
                problems.append("a legend lies over the plot")
    return problems


def every_chart(seed) -> list:
    """Every chart kind of every scenario of the seed fixture, the Monte Carlo and
    sensitivity ones too, with and without their legends."""
    import secmodel.analysis.montecarlo as mc
    from secmodel.analysis.sensitivity import sensitivity_table

    inputs = seed[1]
    spec = mc.MonteCarloSpec(
        inputs.scenarios["base"], 60, 400, 0.05, 4, inputs.settings.growth_floor
    )
    result = mc.run_montecarlo(inputs, spec)
    table = sensitivity_table(inputs, inputs.scenarios["base"], 0.2)
    labels = {t.trigger_id: t.label for t in inputs.triggers.values()}
    start = inputs.scenarios["base"].start_date
    targets = stage_pct_targets(inputs.claims)
    per_scenario = [
        chart
        for name in inputs.scenarios
        for p in [project_scenario(inputs, name)]
        for chart in (
            charts.users_and_mrr_chart(p),
            charts.users_and_mrr_chart(p, log_scale=False),
            charts.spend_by_category_chart(p),
            charts.cumulative_spend_chart(p),
            charts.pct_of_revenue_chart(p, targets, inputs.benchmarks),
        )
    ]
    return [
        *per_scenario,
        *all_charts(seed)[-2:],  # the comparisons
        *(
            charts.fan_chart(result.quantiles, m, "Base", 400, start, legend)
            for m in charts.FAN_METRICS
            for legend in (True, False)
        ),
        charts.trigger_probability_chart(result.trigger_probability, "Base", 400, labels, start),
        charts.tornado_chart(table, "Base"),
    ]


@pytest.fixture(scope="module")
def drawn(seed):
    """every_chart, built once for the tests that read the drawn figures."""
    return every_chart(seed)


def test_no_label_collides_with_another_or_lies_over_the_plot(drawn):
    """Tested on the drawn figure: no two texts' boxes overlap (the launch label and the tick
    labels, stage names and titles), none leaves the figure, no legend covers a plot."""
    for chart in drawn:
        assert collisions(chart.figure) == [], chart.title


def test_charts_print_at_7_points_or_more_and_200_ppi(drawn):
    """A chart is drawn at its printed width (the report's stylesheet prints it at that
    width), so its type sizes are the printed sizes."""
    from datetime import date

    from secmodel.present.images import PRINT_DPI, PRINT_WIDTH_IN
    from secmodel.report.build import ReportRequest, page_css

    request = ReportRequest(SEED_DATA, [], date(2026, 12, 1), "", "A4", SEED_DATA)
    css = page_css(request)
    assert f"figure.secmodel-chart img {{ width: {PRINT_WIDTH_IN}in; }}" in css
    for chart in drawn:
        figure = chart.figure
        assert figure.get_figwidth() == PRINT_WIDTH_IN and figure.dpi == PRINT_DPI >= 200
        texts = drawn_texts(figure)
        small = [(t.get_text(), t.get_fontsize()) for t, _ in texts if t.get_fontsize() < 7]
        assert len(texts) > 10 and small == [], chart.title
