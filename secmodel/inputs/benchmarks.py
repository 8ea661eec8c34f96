"""``benchmarks.csv``: published reference figures, labelled outside data, with source, year and
grade (P = publisher's own page, S = reported by a third party, L = vendor estimate), shown beside
the model's results and never mixed into them."""

from dataclasses import dataclass

from secmodel.formatting import pct_tick, usd
from secmodel.inputs.csvtable import Table

GRADES = ("p", "s", "l")
REQUIRED = (
    "benchmark_id",
    "figure",
    "metric",
    "value",
    "low",
    "high",
    "unit",
    "year",
    "source",
    "grade",
)


@dataclass(frozen=True)
class Benchmark:
    """One published figure: a value and/or a low-high range, in ``unit``."""

    benchmark_id: str
    figure: str
    metric: str
    value: float | None
    low: float | None
    high: float | None
    unit: str
    year: int
    source: str
    grade: str
    note: str
    item_id: str = ""  # the catalog line the figure prices (the optional item_id column)

    def value_text(self) -> str:
        """The figure as published, in its unit: '0.69%', '$15/month', '$1,500/year to
        $2,000/year', '38% (range 38% to 39%)'."""
        fmt = {
            "fraction": pct_tick,  # to the precision published: 0.69%, 38%
            "usd_month": lambda v: f"{usd(v)}/month",
            "usd_year": lambda v: f"{usd(v)}/year",
            "usd": usd,
        }.get(self.unit, lambda v: f"{v:g}")
        if self.value is not None and self.low is None:
            return fmt(self.value)
        text = f"{fmt(self.low)} to {fmt(self.high)}"
        return f"{fmt(self.value)} (range {text})" if self.value is not None else text

    @property
    def label(self) -> str:
        """Short legend text: 'IANS Research + Artico Search (2024, grade P)'."""
        return f"{self.source.split(',')[0]} ({self.year}, grade {self.grade})"


def read_benchmarks(table: Table, items: set[str] | None = None) -> list[Benchmark]:
    """The benchmarks of a read table, in file order; an ``item_id`` is checked against the
    catalog's ``items`` (None: the catalog could not be read)."""
    found, seen = [], {}
    for row, ok in table.valid_rows():
        bench_id = row.unique_id("benchmark_id", seen)
        value, low, high = (
            row.number(col, currency=True, percent=True, minimum=0, optional=True)
            for col in ("value", "low", "high")
        )
        if not any(row.raw(col) for col in ("value", "low", "high")):
            row.problem("value", "needs a value or a low and high")
        year = row.number("year", integer=True, minimum=1900, maximum=9999, what="a year")
        grade = row.choice("grade", GRADES)
        figure, metric, unit, source = (row.text(c) for c in ("figure", "metric", "unit", "source"))
        item_id = row.raw("item_id")
        if item_id and items is not None and item_id not in items:
            row.problem("item_id", "unknown item; not in catalog.csv", item_id)
        if ok():
            found.append(
                Benchmark(
                    bench_id,
                    figure,
                    metric,
                    value,
                    low,
                    high,
                    unit,
                    year,
                    source,
                    grade.upper(),
                    row.raw("note"),
                    item_id,
                )
            )
    return found
