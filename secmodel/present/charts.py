"""Charts of a projection, for the notebooks and the board report.

Each function returns a :class:`Chart`: a matplotlib figure with a title and axis labels that say
what and in which unit, a colour-blind-safe palette (Okabe-Ito), and an alt text generated from the
numbers. Figures are built without pyplot, so nothing is drawn twice in a notebook and no global
state leaks between charts. In Jupyter a Chart shows as an ``<img>`` with its alt text and a
caption; its plain-text form is its title, which is what nbval compares.
"""

import functools
import io
import math
import textwrap
from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter, YearLocator
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator
from matplotlib.transforms import Bbox

from secmodel.formatting import (
    count_tick,
    month_year,
    pct,
    pct_tick,
    usd,
    usd_short,
    usd_tick,
)
from secmodel.inputs.benchmarks import Benchmark
from secmodel.model.projection import Projection
from secmodel.present.images import PRINT_DPI, PRINT_WIDTH_IN, SCREEN_DPI, ChartImage

# Okabe & Ito (2008), distinguishable with the common colour-vision deficiencies.
PALETTE = [
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
]
HATCHES = ["", "//", "..", "xx"]
STAGE_SHADES = ["#f2f2f2", "#e0e0e0"]
# inches, pixels per inch: two charts and their captions to an A4 or Letter page
WIDTH, HEIGHT, DPI = PRINT_WIDTH_IN, 2.9, PRINT_DPI
# Notebooks show charts at a screen's resolution, compressed lightly (a what-if redraw is then
# quicker; `secmodel notebooks --in-place` compacts the images it commits).
SCREEN_COMPRESSION = 1
# Type sizes in printed points (figures print at their own size): nothing below 7 pt.
TYPE_SIZES = {
    "font.size": 8,
    "axes.labelsize": 8,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
}
FAN_HEIGHT = 2.3  # a fan chart without its legend: three and a heading to a page of Letter
SMALL_TEXT = 7.5  # stage names and trigger labels inside the axes
DRIVER_NAME_CHARS = 50  # a tornado bar's name wraps after this many characters
TITLE_STYLE = {"fontsize": 10, "fontweight": "bold"}
# An axes title at a fixed height: matplotlib otherwise lays out the y axis's tick labels once
# more on every draw to check that nothing above the axes pushes the title up (nothing does:
# no ticks or offset text on top).
AXES_TITLE_STYLE = {**TITLE_STYLE, "loc": "left", "y": 1.0}
# Fixed margins (inches) rather than a layout engine, which redraws each figure several times.
MARGINS = {"left": 0.75, "right": 0.15, "top": 0.45, "bottom": 0.45, "between": 0.3}
# A legend goes under the axes, never over the lines: at most this many columns, and the
# space above it (inches).
LEGEND_COLUMNS, LEGEND_GAP_IN = 4, 0.04


# A log axis of up to about two decades (shares of revenue, simulated MRR) is labelled in
# 1-2-5 steps, so that it has more than one label; a wider one at each power of ten.
STEPS_1_2_5_UP_TO = 160.0  # highest / lowest value: about two decades, at most ten labels


def _log_axis(ax, values, floor: bool = False) -> None:
    """A log y axis with labelled ticks on round values for ``values`` (> 0 where shown) and
    no minor ticks; with ``floor`` it starts at the tick under the lowest value."""
    shown = np.asarray(values, dtype=float)
    shown = shown[np.isfinite(shown) & (shown > 0)]
    ax.set_yscale("log")
    wide = shown.size and shown.max() / shown.min() > STEPS_1_2_5_UP_TO
    steps = (1.0,) if wide else (1.0, 2.0, 5.0)
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=steps))
    ax.yaxis.set_minor_locator(NullLocator())
    if floor and shown.size:
        ax.set_ylim(bottom=step_below(shown.min(), steps))


def step_below(value: float, steps=(1.0, 2.0, 5.0)) -> float:
    """The largest ``step`` x 10^k (k whole) at or below ``value`` (> 0): with 1-2-5 steps
    0.03 -> 0.02, 700 -> 500, 1000 -> 1000."""
    decade = 10.0 ** math.floor(math.log10(value) + 1e-12)
    return max(step * decade for step in steps if step * decade <= value * (1 + 1e-12))


usd_axis = FuncFormatter(lambda value, _pos: usd_tick(value))
pct_axis = FuncFormatter(lambda value, _pos: pct_tick(value))
count_axis = FuncFormatter(lambda value, _pos: count_tick(value))


@dataclass
class Chart:
    """A finished figure with the words that go with it."""

    figure: Figure
    title: str
    alt: str  # what the chart shows, in numbers, for readers who cannot see it
    caption: str  # one sentence for under the figure

    def png(self, dpi: float = DPI, compress_level: int = 1) -> bytes:
        """The figure as an RGB PNG at ``dpi`` pixels per inch: no alpha channel (the
        background is opaque; the PDF renderer would otherwise split out and re-encode a mask)
        and no timestamp or software tag, so the same chart gives the same bytes. The lowest
        compression by default: the PDF renderer compresses the pixels again anyway."""
        drawn_at = self.figure.get_dpi()
        self.figure.set_dpi(dpi)
        try:
            canvas = FigureCanvasAgg(self.figure)
            # Hinting snaps glyphs to a screen's pixel grid; these images are scaled into
            # pages and slides, where it gains nothing but drawing time.
            with matplotlib.rc_context({"text.hinting": "no_hinting", **PLAIN_TEXT}):
                canvas.draw()
            rgb = np.asarray(canvas.buffer_rgba())[..., :3]
        finally:
            self.figure.set_dpi(drawn_at)
        buffer = io.BytesIO()
        PIL.Image.fromarray(rgb).save(buffer, format="png", compress_level=compress_level)
        return buffer.getvalue()

    def image(self) -> ChartImage:
        """Render the figure once, at print resolution; the result no longer needs
        matplotlib."""
        return ChartImage(self.title, self.alt, self.caption, self.png())

    def screen_image(self) -> ChartImage:
        """The figure at screen resolution (SCREEN_DPI), for notebooks: the same layout and
        type sizes in points as printed, in fewer pixels, so a committed notebook stays small
        and a what-if redraw is quick."""
        png = self.png(SCREEN_DPI, compress_level=SCREEN_COMPRESSION)
        return ChartImage(self.title, self.alt, self.caption, png)

    def html(self) -> str:
        return self.image().html()

    def _repr_mimebundle_(self, include=None, exclude=None):
        return self.screen_image()._repr_mimebundle_(include, exclude)


def full_windows(table: pd.DataFrame, column: str = "pct_of_revenue_ttm") -> pd.Series:
    """A trailing-12-month column from month 11 on, where the window is a full 12 months (the
    first months' shorter windows are not what the line's name says)."""
    return table[column].where(table["month"] >= 11)


def _dates(table: pd.DataFrame) -> np.ndarray:
    """The first day of each month, for a date axis."""
    return pd.PeriodIndex(table["date"], freq="M").to_timestamp().to_numpy()


def _new_figure(rows: int = 1, height: float = HEIGHT, sharex: bool = True, ratios=None):
    """A figure ``height`` inches tall (before any legend) with ``rows`` axes, one above the
    other (their heights in ``ratios``, else equal), in fixed margins."""
    figure = Figure(figsize=(WIDTH, height), dpi=DPI)
    figure.subplots_adjust(
        left=MARGINS["left"] / WIDTH,
        right=1 - MARGINS["right"] / WIDTH,
        top=1 - MARGINS["top"] / height,
        bottom=MARGINS["bottom"] / height,
        hspace=MARGINS["between"] * rows / (height - MARGINS["top"] - MARGINS["bottom"]),
    )
    axes = figure.subplots(
        rows, 1, sharex=sharex, squeeze=False, gridspec_kw={"height_ratios": ratios}
    )[:, 0]
    for ax in axes:
        ax.grid(True, axis="y", color="#d9d9d9", linewidth=0.6)
        ax.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _legend_below(ax) -> None:
    """The axes' legend under the figure's plot area (below the x axis's labels), in as many
    columns as fit its width (measured, at most LEGEND_COLUMNS); the figure grows by the
    legend's height, so the plot keeps its size."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    figure = ax.figure
    renderer = FigureCanvasAgg(figure).get_renderer()
    room = (WIDTH - MARGINS["left"] - MARGINS["right"]) * DPI
    for columns in range(min(len(labels), LEGEND_COLUMNS), 0, -1):  # as many as fit, measured
        legend = figure.legend(
            handles,
            labels,
            loc="lower left",
            ncols=columns,
            frameon=False,
            borderaxespad=0,
            handlelength=2.2,
            columnspacing=1.2,
        )
        drawn = legend.get_window_extent(renderer)
        if drawn.width <= room or columns == 1:
            break
        legend.remove()
    extra = round(drawn.height / DPI + LEGEND_GAP_IN, 2)  # the legend's own height, measured
    params = figure.subplotpars
    old = figure.get_figheight()
    top_in, bottom_in = (1 - params.top) * old, params.bottom * old
    height = old + extra
    figure.set_figheight(height)
    figure.subplots_adjust(top=1 - top_in / height, bottom=(bottom_in + extra) / height)
    legend.set_bbox_to_anchor((MARGINS["left"] / WIDTH, 0.04 / height))


# Texts from the data (names of scenarios, stages, items) are words, never TeX: "$5k-$10k" in a
# stage name would otherwise be typeset as mathematics. Type in printed sizes.
PLAIN_TEXT = {"text.parse_math": False, **TYPE_SIZES}


def plain_text(build):
    """A chart function whose texts are made with mathtext off."""

    @functools.wraps(build)
    def plain(*args, **kwargs):
        with matplotlib.rc_context(PLAIN_TEXT):
            return build(*args, **kwargs)

    return plain


def has_positive(values) -> bool:
    """Whether a log axis can show ``values``: at least one finite value above 0."""
    values = np.asarray(values, dtype=float)
    return bool(np.any(np.isfinite(values) & (values > 0)))


def _nothing_to_show(ax, text: str) -> None:
    """A note across an empty axes (a share of revenue without revenue, say)."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="#555555")
    ax.set_ylim(0, 1)


def _month_dates(start_date: str, months) -> np.ndarray:
    """The first day of month ``m`` after a YYYY-MM start, for each m of ``months``."""
    months = np.asarray(months, dtype=int)
    calendar = pd.period_range(start_date, periods=int(months.max(initial=0)) + 1, freq="M")
    return calendar[months].to_timestamp().to_numpy()


def _date_axis(ax, months: int) -> None:
    """Years on the x axis, labelled Month, at most about eight year labels (cheaper than an
    automatic locator)."""
    ax.set_xlabel("Month")
    ax.xaxis.set_major_locator(YearLocator(base=max(1, math.ceil(months / 12 / 8))))
    ax.xaxis.set_major_formatter(DateFormatter("%Y"))


def stage_labels(projection: Projection) -> dict[str, str]:
    """Stage id -> the name a reader sees."""
    return {s.stage: s.label for s in projection.model.stages}


def stage_runs(table: pd.DataFrame, labels: dict[str, str] | None = None):
    """(stage, first month, last month) for each stretch of one stage; the stage by its label
    where ``labels`` has one."""
    labels = labels or {}
    stage = table["stage"].fillna("").to_numpy()
    change = np.r_[True, stage[1:] != stage[:-1]]
    starts = np.nonzero(change)[0]
    ends = np.r_[starts[1:] - 1, len(stage) - 1]
    return [
        (labels.get(stage[a], stage[a]), int(a), int(b))
        for a, b in zip(starts, ends, strict=True)
        if stage[a]
    ]


def _shade_stages(ax, table: pd.DataFrame, dates: np.ndarray, label: bool, labels=None) -> None:
    """Grey bands for the stages, named (by ``labels``) at the top of the axes."""
    step = np.timedelta64(15, "D")
    for n, (stage, first, last) in enumerate(stage_runs(table, labels)):
        left, right = dates[first] - step, dates[last] + step
        ax.axvspan(left, right, color=STAGE_SHADES[n % 2], zorder=0, linewidth=0)
        if label:
            ax.text(
                left + (right - left) / 2,
                1.0,
                stage,
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="bottom",
                fontsize=SMALL_TEXT,
                color="#555555",
            )


# Where a point's label may go, tried in this order: (dx, dy) in points, and the alignment
LABEL_SIDES = (
    (6, -4, "left", "top"),
    (-6, 4, "right", "bottom"),
    (6, 4, "left", "bottom"),
    (-6, -4, "right", "top"),
    *((dx, dy, ha, "bottom") for dy in (16, 28, 40) for dx, ha in ((6, "left"), (-6, "right"))),
)


def _label_points(ax, points) -> None:
    """Label each (x, y, text) beside its point, on the first side (LABEL_SIDES) where the
    label lies inside the axes (clear of the tick labels), off the lines and the points, and
    clear of the labels already placed; where no side is clear, on the side that overlaps
    least. Call it once the axes' limits and scales are final."""
    renderer = FigureCanvasAgg(ax.figure).get_renderer()
    frame = ax.get_window_extent(renderer)
    lines = [
        line.get_transform().transform_path(line.get_path())
        for line in ax.lines
        if line.get_linestyle() not in ("None", "none", "")
    ]
    dots = [
        Bbox.from_bounds(*ax.transData.transform((ax.xaxis.convert_units(x), y)) - 5, 10, 10)
        for x, y, _ in points
    ]
    placed = list(dots)
    for x, y, text in points:
        tried = []
        for dx, dy, ha, va in LABEL_SIDES:
            label = ax.annotate(
                text,
                (x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=SMALL_TEXT,
                color="#333333",
            )
            box = label.get_window_extent(renderer)
            overprint = (  # never, where a side allows: it outweighs crossing a line
                box.width * box.height
                - _area(Bbox.intersection(box, frame))
                + sum(_area(Bbox.intersection(box, other)) for other in placed)
            )
            crossed = sum(line.intersects_bbox(box) for line in lines)
            clash = 100 * overprint + crossed * box.width * box.height / 4
            tried.append((clash, label, box))
            if clash <= 0:
                break
        _, kept, box = min(tried, key=lambda t: t[0])
        for _, label, _ in tried:
            if label is not kept:
                label.remove()
        placed.append(box)


def _area(box) -> float:
    """A box's area in pixels; 0 for no box (the intersection of boxes apart)."""
    return 0.0 if box is None else box.width * box.height


def _fired(projection: Projection) -> list[tuple[str, int, tuple[str, ...]]]:
    """(trigger label, fire month, metrics its condition reads) for triggers fired in the
    horizon."""
    return [
        (t.label, int(m), t.condition.metrics)
        for t, m in zip(projection.model.triggers, projection.arrays.fired_month, strict=True)
        if m >= 0
    ]


@plain_text
def users_and_mrr_chart(projection: Projection, log_scale: bool = True) -> Chart:
    """MRR (USD/month) and users over time, triggers marked where they fire, stages shaded."""
    table, name = projection.table, projection.scenario.label
    dates = _dates(table)
    figure, (ax_mrr, ax_users) = _new_figure(2, height=4.0)
    panels = (
        (ax_mrr, "mrr", "MRR (USD/month)", usd_axis, PALETTE[0]),
        (ax_users, "users", "Users", count_axis, PALETTE[2]),
    )
    logged = []
    for ax, column, label, formatter, colour in panels:
        _shade_stages(ax, table, dates, label=ax is ax_mrr, labels=stage_labels(projection))
        ax.plot(dates, table[column], color=colour, linewidth=2)
        log = log_scale and has_positive(table[column])  # no log axis for a line at 0
        logged.append(log)
        ax.set_ylabel(label + (", log scale" if log else ""))
        top = float(table[column].max())
        if log:
            ax.set_yscale("log")
            ax.yaxis.set_minor_locator(NullLocator())
            ax.set_ylim(top=top * 4)  # room for the trigger labels
        elif top > 0:
            ax.set_ylim(0, top * 1.15)
        else:  # zero throughout: one tick, at 0
            ax.set_ylim(-0.05, 1)
            ax.set_yticks([0])
        ax.yaxis.set_major_formatter(formatter)
        ax.yaxis.set_minor_formatter(formatter if not log else "")
    _date_axis(ax_users, len(table))
    points = {ax_mrr: [], ax_users: []}
    for trigger_label, month, metrics in _fired(projection):
        on_users = "users" in metrics and "mrr" not in metrics and "arr" not in metrics
        ax, column = (ax_users, "users") if on_users else (ax_mrr, "mrr")
        y = table[column].iloc[month]
        ax.plot(dates[month], y, marker="o", color=PALETTE[5], markersize=5, zorder=3)
        points[ax].append((dates[month], y, f"{trigger_label}\nmonth {month}"))
    for ax, labelled in points.items():
        _label_points(ax, labelled)
    title = f"Revenue and users, {name}"
    figure.suptitle(title, **TITLE_STYLE)
    fired = _fired(projection)
    last = table.iloc[-1]
    fired_text = "; ".join(f"{t} in month {m}" for t, m, _ in fired) or "no trigger fires"
    alt = (
        f"Two line charts over months 0 to {int(last['month'])} for scenario {name}. "
        f"MRR grows from {usd_short(table['mrr'].iloc[0])} to {usd_short(last['mrr'])} a month "
        f"and users from {table['users'].iloc[0]:,.0f} to {last['users']:,.0f}. "
        f"Triggers: {fired_text}. Shaded bands mark the stages "
        f"{', '.join(s for s, _, _ in stage_runs(table, stage_labels(projection)))}."
    )
    caption = (
        f"MRR and users in {name}; dots mark the month each trigger fires, bands the stage in "
        "force"
        + (" (log scales)." if all(logged) else " (users on a log scale)." if any(logged) else ".")
    )
    return Chart(figure, title, alt, caption)


def category_styles(items) -> dict[str, tuple[str, str]]:
    """One (colour, hatch) per catalog category, in catalog order: the same category looks the
    same in every chart of every scenario, whichever categories a scenario buys."""
    categories = list(dict.fromkeys(item.category for item in items))
    return {
        c: (PALETTE[n % len(PALETTE)], HATCHES[n // len(PALETTE) % len(HATCHES)])
        for n, c in enumerate(categories)
    }


@plain_text
def spend_by_category_chart(projection: Projection) -> Chart:
    """Monthly security spend (accrual, USD/month) stacked by category, with the stage budget."""
    table, name = projection.table, projection.scenario.label
    dates = _dates(table)
    by_item = projection.spend_by_item
    wide = by_item.pivot_table(
        index="month", columns="category", values="accrual", aggfunc="sum", fill_value=0.0
    ).reindex(table["month"], fill_value=0.0)
    styles = category_styles(projection.model.items)
    categories = [c for c in styles if c in wide.columns and wide[c].sum() > 0]
    figure, (ax,) = _new_figure()
    # one stepped band per category: a month's spend is flat within the month
    ax.stackplot(
        dates,
        [wide[c].to_numpy() for c in categories],
        labels=[c.replace("_", " ") for c in categories],
        colors=[styles[c][0] for c in categories],
        hatch=[styles[c][1] for c in categories],
        step="mid",
        edgecolor="white",
        linewidth=0.3,
    )
    ax.step(
        dates,
        table["budget"],
        where="mid",
        color="#000000",
        linewidth=1.5,
        linestyle="--",
        label="stage budget",
    )
    ax.yaxis.set_major_formatter(usd_axis)
    ax.set_ylabel("Security spend (USD/month, accrual)")
    _date_axis(ax, len(table))
    _legend_below(ax)
    title = f"Monthly security spend by category, {name}"
    ax.set_title(title, **AXES_TITLE_STYLE)
    last = table.iloc[-1]
    over = table[table["budget_gap"] < 0]
    over_text = (
        f"Spend exceeds the stage budget in {len(over)} of {len(table)} months, first in month "
        f"{int(over['month'].iloc[0])}."
        if len(over)
        else "Spend stays within the stage budget."
    )
    alt = (
        f"Stacked area chart of monthly security spend by category for {name}, months 0 to "
        f"{int(last['month'])}. Spend rises from {usd(table['spend_accrual'].iloc[0])} to "
        f"{usd(last['spend_accrual'])} a month against a final stage budget of "
        f"{usd(last['budget'])}. {over_text}"
    )
    caption = f"Accrual spend per month by category in {name}; the dashed line is the stage budget."
    return Chart(figure, title, alt, caption)


@plain_text
def cumulative_spend_chart(projection: Projection) -> Chart:
    """Cumulative security spend (USD), cash and accrual, and under it how far cash runs ahead
    of accrual (USD: annual items paid before they are used)."""
    table, name = projection.table, projection.scenario.label
    dates = _dates(table)
    figure, (ax, ax_ahead) = _new_figure(2, height=3.8, ratios=(3, 1))
    ax.plot(dates, table["cumulative_accrual"], color=PALETTE[0], linewidth=2, label="accrual")
    ax.step(
        dates,
        table["cumulative_cash"],
        where="post",
        color=PALETTE[1],
        linewidth=1.5,
        linestyle="--",
        label="cash",
    )
    ax.yaxis.set_major_formatter(usd_axis)
    ax.set_ylabel("Cumulative spend (USD)")
    closed = projection.actuals
    if closed is not None:  # the closed months, grey behind the lines
        for axes in (ax, ax_ahead):
            axes.axvspan(dates[closed.first], dates[closed.last], color=STAGE_SHADES[0], zorder=0)
        where = {"xycoords": ("data", "axes fraction"), "textcoords": "offset points"}
        ax.annotate(f"actuals to {month_year(closed.last_date)}", (dates[closed.last], 1),
                    xytext=(-3, -3), ha="right", va="top", fontsize=SMALL_TEXT,
                    **where)  # fmt: skip
    ahead = table["cumulative_cash"] - table["cumulative_accrual"]
    ax_ahead.fill_between(dates, ahead, step="post", color=PALETTE[1], alpha=0.5, linewidth=0)
    ax_ahead.step(dates, ahead, where="post", color=PALETTE[1], linewidth=1)
    ax_ahead.yaxis.set_major_formatter(usd_axis)
    ax_ahead.yaxis.set_major_locator(MaxNLocator(3))
    if not ahead.abs().max() > 0.005:  # cash = accrual every month: one tick, at $0
        ax_ahead.set_ylim(-0.05, 1)
        ax_ahead.set_yticks([0])
    ax_ahead.set_ylabel("Cash ahead (USD)")
    _date_axis(ax_ahead, len(table))
    _legend_below(ax)
    title = f"Cumulative security spend, {name}"
    ax.set_title(title, **AXES_TITLE_STYLE)
    last = table.iloc[-1]
    alt = (
        f"Line chart of cumulative security spend for {name}: by month {int(last['month'])} "
        f"{usd(last['cumulative_accrual'])} accrued and {usd(last['cumulative_cash'])} paid in "
        f"cash. Cash runs ahead of accrual by up to {usd(ahead.max())} in the months annual "
        "items are paid (lower panel)."
    )
    caption = (
        f"Cumulative spend in {name}: accrual spreads annual items over 12 months, cash books "
        "them when paid; the lower panel is cash paid ahead of accrual."
    )
    if closed is not None:
        alt += f" Months to {month_year(closed.last_date)} are actuals (shaded); the rest is "
        alt += "re-forecast from them."
        caption += " The shaded months are closed: users and MRR as they happened."
    return Chart(figure, title, alt, caption)


@plain_text
def pct_of_revenue_chart(
    projection: Projection,
    stage_targets: dict[str, float] | None = None,
    benchmarks: list[Benchmark] | None = None,
) -> Chart:
    """Security spend as a share of revenue (fraction, log scale), monthly and trailing 12
    months, against the seed's stage targets and published benchmarks."""
    table, name = projection.table, projection.scenario.label
    dates = _dates(table)
    figure, (ax,) = _new_figure(height=3.2)
    _shade_stages(ax, table, dates, label=True, labels=stage_labels(projection))
    ax.plot(dates, table["pct_of_revenue"], color=PALETTE[0], linewidth=1.2, label="monthly")
    ax.plot(
        dates,
        full_windows(table),
        color=PALETTE[0],
        linewidth=2.4,
        linestyle="-",
        alpha=0.55,
        label="trailing 12 months",
    )
    if stage_targets:
        target = table["stage"].map(stage_targets).astype(float)
        ax.step(
            dates,
            target,
            where="mid",
            color=PALETTE[5],
            linewidth=1.5,
            linestyle="--",
            label="seed's stage target",
        )
    styles = iter([":", "-.", (0, (5, 2)), (0, (1, 3))])
    for bench in [b for b in benchmarks or [] if b.metric == "security_pct_of_revenue"]:
        if bench.value is not None:
            ax.axhline(
                bench.value,
                color=PALETTE[2],
                linewidth=1.2,
                linestyle=next(styles),
                label=f"{bench.label}: {pct(bench.value, 2)}",
            )
        else:
            ax.axhspan(
                bench.low,
                bench.high,
                color=PALETTE[2],
                alpha=0.12,
                linewidth=0,
                label=f"{bench.label}: {pct(bench.low)}-{pct(bench.high)}",
            )
    monthly = table["pct_of_revenue"]
    if has_positive(monthly):
        _log_axis(ax, monthly)
        ax.set_ylabel("Security spend / revenue (log scale)")
    else:
        _nothing_to_show(ax, "No revenue in any month: the share of revenue is n/a")
        ax.set_ylabel("Security spend / revenue")
    ax.yaxis.set_major_formatter(pct_axis)
    _date_axis(ax, len(table))
    _legend_below(ax)
    title = f"Security spend as a share of revenue, {name}"
    figure.suptitle(title, **TITLE_STYLE)
    shown = benchmark_range(benchmarks or [])
    last = table.iloc[-1]
    if monthly.notna().any():
        hi, lo = int(monthly.idxmax()), int(monthly.idxmin())
        extremes = (
            f"Line chart, log scale, of security spend as a share of revenue for {name}: "
            f"highest {pct(monthly[hi])} in month {hi}, lowest {pct(monthly[lo])} in month {lo}, "
            f"{pct(last['pct_of_revenue_ttm'])} over the last 12 months of the horizon. "
        )
    else:
        extremes = (
            f"Chart of security spend as a share of revenue for {name}: there is no revenue in "
            "any month, so the share is n/a. "
        )
    alt = (
        extremes
        + "Dashed: the seed's target for the stage in force"
        + (f"; green: published benchmarks of {shown}." if shown else ".")
    )
    caption = (
        f"Spend / revenue in {name}, monthly and over the trailing 12 months, with the seed's "
        "stage targets and published benchmarks (grade P = publisher, S = secondary)."
    )
    return Chart(figure, title, alt, caption)


def benchmark_range(benchmarks: list[Benchmark]) -> str:
    """The span of the published shares of revenue, from their values and ranges: '0.2-0.9% of
    revenue' ('' when there are none)."""
    shares = [
        v
        for b in benchmarks
        if b.metric == "security_pct_of_revenue"
        for v in (b.value, b.low, b.high)
        if v is not None
    ]
    if not shares:
        return ""
    low, high = pct_tick(min(shares)), pct_tick(max(shares))
    return f"{low} of revenue" if low == high else f"{low[:-1]}-{high} of revenue"


@plain_text
def comparison_chart(projections: list[Projection], column: str, focus: str | None = None) -> Chart:
    """One line per scenario for ``column``: ``cumulative_accrual`` (USD) or
    ``pct_of_revenue_ttm`` (fraction, log scale)."""
    is_pct = column.startswith("pct")
    figure, (ax,) = _new_figure()
    # calendar months, as every other chart, when the scenarios start together
    calendar = len({p.scenario.start_date for p in projections}) == 1
    for n, p in enumerate(projections):
        name = p.scenario.label
        emphasis = focus is None or p.scenario.scenario == focus
        ax.plot(
            _dates(p.table) if calendar else p.table["month"],
            full_windows(p.table, column) if column.endswith("_ttm") else p.table[column],
            color=PALETTE[n % len(PALETTE)],
            linewidth=2.4 if emphasis else 1.2,
            alpha=1.0 if emphasis else 0.6,
            label=name,
        )
    what = "Trailing-12-month spend / revenue" if is_pct else "Cumulative security spend"
    if is_pct and not any(has_positive(p.table[column]) for p in projections):
        _nothing_to_show(ax, "No revenue in any scenario: the share of revenue is n/a")
        ax.set_ylabel(what)
        ax.yaxis.set_major_formatter(pct_axis)
    elif is_pct:
        _log_axis(ax, np.concatenate([p.table[column].to_numpy() for p in projections]))
        ax.yaxis.set_major_formatter(pct_axis)
        ax.set_ylabel(f"{what} (log scale)")
    else:
        ax.yaxis.set_major_formatter(usd_axis)
        ax.set_ylabel(f"{what} (USD, accrual)")
    if calendar:
        _date_axis(ax, max(len(p.table) for p in projections))
    else:
        ax.set_xlabel("Months since launch")
    _legend_below(ax)
    title = f"{what} by scenario"
    ax.set_title(title, **AXES_TITLE_STYLE)
    fmt = pct if is_pct else usd_short
    ends = "; ".join(
        f"{p.scenario.label} {fmt(p.table[column].iloc[-1])} at month {p.horizon_months}"
        for p in projections
    )
    alt = f"Line chart of {what.lower()} for {len(projections)} scenarios: {ends}."
    caption = f"{what} in each scenario" + (f"; {focus} highlighted." if focus else ".")
    return Chart(figure, title, alt, caption)


@plain_text
def tornado_chart(table: pd.DataFrame, scenario: str, top: int = 10) -> Chart:
    """The ``top`` drivers by swing in cumulative spend: bars from the base answer to the answer
    with the driver moved down (blue) and up (orange), in USD."""
    shown = table.head(top).iloc[::-1]  # largest at the top
    base = float(shown["cumulative_spend_base"].iloc[0]) if len(shown) else 0.0
    figure, (ax,) = _new_figure(height=max(2.2, 0.26 * len(shown) + 0.9), sharex=False)
    y = np.arange(len(shown))
    low = shown["cumulative_spend_low"].to_numpy() - base
    high = shown["cumulative_spend_high"].to_numpy() - base
    ax.barh(y, low, color=PALETTE[0], label="driver moved down")
    ax.barh(y, high, color=PALETTE[1], label="driver moved up")
    ax.axvline(0, color="#000000", linewidth=0.8)
    # the drivers' names on the left, wrapped beyond half the width; the axes start after them
    names = [textwrap.fill(d, DRIVER_NAME_CHARS) for d in shown["driver"]]
    ax.set_yticks(y, names)
    renderer = FigureCanvasAgg(figure).get_renderer()
    widest = max((t.get_window_extent(renderer).width for t in ax.get_yticklabels()), default=0)
    figure.subplots_adjust(left=(widest / DPI + 0.15) / WIDTH)
    ax.xaxis.set_major_formatter(usd_axis)
    ax.grid(True, axis="x", color="#d9d9d9", linewidth=0.6)
    ax.grid(False, axis="y")
    ax.set_axisbelow(True)  # grid lines behind the bars
    ax.set_xlabel("Change in cumulative spend by the horizon (USD)")
    _legend_below(ax)
    title = f"What moves cumulative security spend most, {scenario}"
    # over the drivers' names too: the axes start right of them
    figure.suptitle(title, x=0.02, ha="left", **TITLE_STYLE)
    lead = shown.iloc[::-1].head(3)
    biggest = "; ".join(
        f"{r.driver} {usd(r.cumulative_spend_low - base)} / {usd(r.cumulative_spend_high - base)}"
        for r in lead.itertuples()
    )
    alt = (
        f"Tornado chart of the {len(shown)} assumptions that move cumulative security spend most "
        f"in {scenario} (base {usd(base)}). Largest effects, down / up: {biggest}."
    )
    caption = (
        f"One-at-a-time sensitivity of cumulative spend in {scenario}: each bar moves one "
        "assumption down (blue) or up (orange) with all others as in the inputs."
    )
    return Chart(figure, title, alt, caption)


FAN_METRICS = {
    "mrr": ("MRR (USD/month)", usd_axis, True),
    "cumulative_cash": ("Cumulative security spend, cash (USD)", usd_axis, False),
    "pct_of_revenue": ("Security spend / revenue", pct_axis, True),
}


@plain_text
def fan_chart(
    quantiles: pd.DataFrame,
    metric: str,
    scenario: str,
    paths: int,
    start_date: str | None = None,
    legend: bool = True,
) -> Chart:
    """Monte Carlo bands of one metric by month: P5-P95 (light), P10-P90 (darker), median line;
    on the calendar from ``start_date`` (YYYY-MM, month 0), else by months since launch.
    Without ``legend`` (three to a page in the report) the caption alone explains the bands."""
    label, formatter, log = FAN_METRICS[metric]
    q = quantiles[quantiles["metric"] == metric].sort_values("month")
    figure, (ax,) = _new_figure(height=HEIGHT if legend else FAN_HEIGHT, sharex=False)
    months = q["month"].to_numpy()
    if start_date:
        months = _month_dates(start_date, months)
    ax.fill_between(
        months, q["p5"], q["p95"], color=PALETTE[0], alpha=0.18, linewidth=0, label="P5-P95"
    )
    ax.fill_between(
        months, q["p10"], q["p90"], color=PALETTE[0], alpha=0.35, linewidth=0, label="P10-P90"
    )
    ax.plot(months, q["p50"], color=PALETTE[0], linewidth=2, label="median")
    if log and not has_positive(q[["p5", "p95"]]):
        log = False  # nothing a log axis can show: revenue is 0 on every path
        if metric == "pct_of_revenue":
            _nothing_to_show(ax, "No revenue on any path: the share of revenue is n/a")
    if log:
        _log_axis(ax, q[["p5", "p95"]].to_numpy().ravel(), floor=True)
    ax.yaxis.set_major_formatter(formatter)
    ax.set_ylabel(f"{label}, log scale" if log else label)
    if start_date:
        _date_axis(ax, len(q))
    else:
        ax.set_xlabel("Months since launch")
    if legend:
        _legend_below(ax)
    title = f"{label.split(' (')[0]}: range of outcomes, {scenario}"
    ax.set_title(title, **AXES_TITLE_STYLE)
    last = q.iloc[-1]
    fmt = pct if metric == "pct_of_revenue" else usd
    alt = (
        f"Fan chart of {label.split(' (')[0].lower()} in {scenario} over {paths:,} simulated "
        f"growth paths: in month {int(last['month'])} the median is {fmt(last['p50'])}, "
        f"with 80% of paths between {fmt(last['p10'])} and {fmt(last['p90'])}."
    )
    caption = (
        f"{label.split(' (')[0]} in {scenario}: the line is the median path; the dark band holds "
        "80% of simulated paths (P10-P90), the light band 90% (P5-P95)."
    )
    return Chart(figure, title, alt, caption)


def same_lines(wide: pd.DataFrame, order: list[str]) -> list[list[str]]:
    """``order``'s columns grouped where their values are equal in every row, in first-seen
    order: lines that would be drawn one over the other."""
    groups: dict[bytes, list[str]] = {}
    for column in order:
        groups.setdefault(wide[column].to_numpy().tobytes(), []).append(column)
    return list(groups.values())


@plain_text
def trigger_probability_chart(
    probability: pd.DataFrame,
    scenario: str,
    paths: int,
    labels: dict[str, str] | None = None,
    start_date: str | None = None,
) -> Chart:
    """The probability (fraction of paths) that each trigger has fired by each month;
    ``scenario`` and ``labels`` (trigger id -> label) are the names a reader sees. Triggers
    whose lines are the same in every month share one line and one legend entry, so no line
    hides under another. On the calendar from ``start_date`` (YYYY-MM), else by months."""
    labels = labels or {}
    wide = probability.pivot(index="month", columns="trigger_id", values="probability")
    order = list(dict.fromkeys(probability["trigger_id"]))
    figure, (ax,) = _new_figure(sharex=False)
    x = _month_dates(start_date, wide.index) if start_date else wide.index
    styles = ["-", "--", "-.", ":"]
    for n, group in enumerate(same_lines(wide, order)):
        ax.plot(
            x,
            wide[group[0]],
            color=PALETTE[n % len(PALETTE)],
            linestyle=styles[n // len(PALETTE) % len(styles)],
            # each line narrower than the one before, which shows at its edges where they meet
            linewidth=max(1.0, 3.6 - 0.5 * n),
            label=" = ".join(labels.get(t, t) for t in group),
        )
    ax.set_ylim(-0.02, 1.02)
    ax.yaxis.set_major_formatter(pct_axis)
    ax.set_ylabel("Probability the trigger has fired")
    if start_date:
        _date_axis(ax, len(wide))
    else:
        ax.set_xlabel("Months since launch")
    _legend_below(ax)
    title = f"When each upgrade is needed: probability by month, {scenario}"
    ax.set_title(title, **AXES_TITLE_STYLE)
    end = wide.iloc[-1]
    alt = (
        f"Line chart of the probability that each trigger has fired, over {paths:,} simulated "
        f"paths of {scenario}; by month {int(wide.index[-1])}: "
        + "; ".join(f"{labels.get(t, t)} {pct(end[t], 0)}" for t in order)
        + "."
    )
    caption = (
        f"Share of simulated {scenario} paths in which each trigger has fired by each month: "
        "read 60% at month 18 as a 60% chance that upgrade must be funded by month 18."
    )
    return Chart(figure, title, alt, caption)


# the bridge's steps as a reader names them (bridge.csv's step column holds the ids)
BRIDGE_LABELS = {
    "base": "Last version",
    "revenue_drivers": "Revenue drivers",
    "trigger_rules": "Trigger rules",
    "prices": "Prices",
    "scope": "Scope",
    "actuals": "Actuals",
    "new": "This version",
}


@plain_text
def waterfall_chart(bridge: pd.DataFrame, scenario: str, view: str = "cash") -> Chart:
    """The variance bridge (bridge.csv) as a waterfall: the last version's cumulative spend
    over the horizon, each step's change floating from the total before it (vermillion up,
    blue down), and this version's total, in USD."""
    totals = bridge[f"cumulative_{view}"].to_numpy(dtype=float)
    deltas = bridge[f"delta_cumulative_{view}"].to_numpy(dtype=float)
    figure, (ax,) = _new_figure(sharex=False)
    x = np.arange(len(bridge))
    for n, step in enumerate(bridge["step"]):
        if step in ("base", "new"):
            bottom, height, color = 0.0, totals[n], "#7f7f7f"
        else:
            bottom = totals[n - 1] if deltas[n] >= 0 else totals[n]
            height = abs(deltas[n])
            color = PALETTE[5] if deltas[n] > 0 else PALETTE[0]
        ax.bar(x[n], height, bottom=bottom, color=color, width=0.6)
        shown = totals[n] if step in ("base", "new") else deltas[n]
        label = usd_short(shown) if step in ("base", "new") or shown else "no change"
        ax.annotate(label, (x[n], bottom + height), xytext=(0, 2), textcoords="offset points",
                    ha="center", va="bottom", fontsize=SMALL_TEXT)  # fmt: skip
        if 0 < n < len(bridge) - 1:  # a thin connector from the total before
            ax.plot([x[n] - 0.7, x[n] + 0.3], [totals[n - 1]] * 2, color="#bfbfbf", lw=0.6)
    names = [textwrap.fill(BRIDGE_LABELS.get(s, s), 10) for s in bridge["step"]]
    ax.set_xticks(x, names)
    ax.set_axisbelow(True)  # grid lines behind the bars
    ax.yaxis.set_major_formatter(usd_axis)
    ax.set_ylabel(f"Cumulative spend, {view} (USD)")
    ax.set_ylim(0, max(totals.max(), 1) * 1.12)
    title = f"What changed since the last version, {scenario}"
    ax.set_title(title, **AXES_TITLE_STYLE)
    steps = bridge.iloc[1:-1]
    moved = [
        f"{BRIDGE_LABELS.get(step, step)} {usd(delta)}"
        for step, delta in zip(steps["step"], steps[f"delta_cumulative_{view}"], strict=True)
        if delta
    ]
    alt = (
        f"Waterfall of cumulative {view} security spend over the horizon in {scenario}: "
        f"last version {usd(totals[0])}, this version {usd(totals[-1])}; "
        + ("; ".join(moved) if moved else "no step changed it")
        + "."
    )
    caption = (
        f"Each bar changes one group of inputs to this version's, in order (revenue drivers, "
        f"trigger rules, prices, scope, actuals); the steps add up to the change in {scenario}'s "
        f"cumulative {view} spend."
    )
    return Chart(figure, title, alt, caption)
