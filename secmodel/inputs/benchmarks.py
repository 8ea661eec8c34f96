"""Published reference figures (``data/benchmarks.csv``): labelled outside data, with source, year
and grade (P = publisher's own page, S = reported by a third party, L = vendor estimate), shown
beside the model's results and never mixed into them."""

from dataclasses import dataclass
from pathlib import Path

from secmodel.errors import InputError
from secmodel.inputs.csvtable import read_table
from secmodel.paths import DEFAULT_DATA_DIR

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

    @property
    def label(self) -> str:
        """Short legend text: 'IANS Research + Artico Search (2024, grade P)'."""
        return f"{self.source.split(',')[0]} ({self.year}, grade {self.grade})"


def load_benchmarks(data_dir: Path | str = DEFAULT_DATA_DIR) -> list[Benchmark]:
    """Read and validate benchmarks.csv; problems are raised together as an InputError."""
    table = read_table(Path(data_dir) / "benchmarks.csv", REQUIRED)
    found, seen = [], {}
    for row in table.rows if not table.problems else []:
        bench_id = row.unique_id("benchmark_id", seen)
        numbers = {
            col: row.number(col, currency=True, percent=True, minimum=0, default=-1.0)
            for col in ("value", "low", "high")
        }
        if all(v == -1.0 for v in numbers.values()):
            row.problem("value", "needs a value or a low and high")
        year = row.number("year", integer=True, minimum=1900, what="a year")
        grade = row.choice("grade", GRADES)
        texts = [row.text(c) for c in ("figure", "metric", "unit", "source")]
        if None not in (bench_id, year, grade, *texts, *numbers.values()):
            value, low, high = (None if v == -1.0 else v for v in numbers.values())
            found.append(
                Benchmark(
                    bench_id,
                    texts[0],
                    texts[1],
                    value,
                    low,
                    high,
                    texts[2],
                    year,
                    texts[3],
                    grade.upper(),
                    row.raw("note"),
                )
            )
    if table.problems:
        raise InputError(table.problems)
    return found
