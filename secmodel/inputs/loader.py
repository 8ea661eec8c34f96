"""The model's inputs: every CSV file of a data folder, loaded, validated and cross-checked into
one :class:`ModelInputs`.

:data:`FILES` is the one list of input files. Every problem in every file is collected and raised
together as one :class:`InputError`, so an analyst fixes a file once rather than once per
mistake. The CSV contract is in the README.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from secmodel.errors import EnvironmentFailure, InputError
from secmodel.inputs import benchmarks, claims, settings, uncertainty
from secmodel.inputs.benchmarks import Benchmark
from secmodel.inputs.claims import Claim
from secmodel.inputs.condition import Condition, ConditionError, parse_condition
from secmodel.inputs.csvtable import Table, read_table
from secmodel.inputs.settings import Settings
from secmodel.inputs.uncertainty import UncertaintySettings
from secmodel.paths import DEFAULT_DATA_DIR, display_path, safe_names

CADENCES = ("monthly", "annual", "one_off")
BASES = ("fixed", "per_user", "pct_revenue")
MAX_HORIZON = 1200
# Calendar months a projection may cover: what a spreadsheet can show as a date.
FIRST_YEAR, LAST_YEAR = 1900, 9999
MAX_RANK = 1_000_000  # stage ranks only order the stages
# The columns read as fractions (0.15 or 15%), by file: shown as percentages to readers.
FRACTION_COLUMNS = {
    "scenarios": ("arpu_growth_annual",),
    "growth": ("user_growth_monthly",),
    "uncertainty": ("volatility", "sensitivity_delta"),
    "catalog": ("escalation_annual",),
}

FILES = {
    "scenarios": (
        "scenario",
        "description",
        "start_date",
        "start_users",
        "arpu_monthly",
        "arpu_growth_annual",
        "horizon_months",
    ),
    "growth": ("scenario", "from_month", "user_growth_monthly"),
    "triggers": ("trigger_id", "description", "condition"),
    "catalog": (
        "item_id",
        "name",
        "tier",
        "category",
        "vendor",
        "amount",
        "cadence",
        "basis",
        "trigger",
        "replaces",
        "source",
    ),
    "stages": ("stage", "rank", "trigger", "target_score", "budget_monthly", "focus"),
    "roadmap_claims": claims.REQUIRED,
    "benchmarks": benchmarks.REQUIRED,
    "uncertainty": uncertainty.REQUIRED,
    "settings": settings.REQUIRED,
}
# Files that may hold a header and no rows: no claims to audit, no benchmarks to show, no
# scenario to simulate.
MAY_BE_EMPTY = ("roadmap_claims", "benchmarks", "uncertainty")
_START_DATE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])(?:-01)?$")


@dataclass(frozen=True)
class GrowthSegment:
    """Net monthly user growth (fraction per month) from ``from_month`` until the next segment."""

    from_month: int
    user_growth_monthly: float
    line: int


@dataclass(frozen=True)
class Scenario:
    """A revenue-growth scenario: starting point, ARPU (USD/user/month) and growth segments."""

    scenario: str
    description: str
    start_year: int
    start_month: int
    start_users: float
    arpu_monthly: float
    arpu_growth_annual: float
    horizon_months: int
    growth: tuple[GrowthSegment, ...]
    line: int
    label: str = ""  # the name a reader sees (the optional label column, else from the id)

    @property
    def start_date(self) -> str:
        """Month 0 as YYYY-MM."""
        return f"{self.start_year:04d}-{self.start_month:02d}"


@dataclass(frozen=True)
class Trigger:
    """A 0/1 switch on the monthly axis: fires when ``condition`` has held ``sustain_months``
    months in a row; active ``lead_months`` later; latched triggers stay on."""

    trigger_id: str
    description: str
    condition: Condition
    sustain_months: int
    lead_months: int
    latch: bool
    line: int
    label: str = ""  # the name a reader sees (the optional label column, else the description)


@dataclass(frozen=True)
class CatalogItem:
    """A cost line: ``amount`` in USD per ``cadence`` (per user, or a fraction of MRR, by
    ``basis``), switched on by ``trigger`` and switched off while an item replacing it is on.
    ``escalation_annual`` (fraction per year) raises a fixed or per-user amount at each plan
    year: in month m it is amount x (1 + escalation) ^ floor(m / 12)."""

    item_id: str
    name: str
    tier: str
    category: str
    vendor: str
    amount: float
    cadence: str
    basis: str
    trigger: str
    replaces: tuple[str, ...]
    source: str
    line: int
    escalation_annual: float = 0.0


@dataclass(frozen=True)
class Stage:
    """A maturity stage: entered when its trigger is active; the highest rank active wins."""

    stage: str
    rank: int
    trigger: str
    target_score: float
    budget_monthly: float
    focus: str
    line: int
    label: str = ""  # the name a reader sees (the optional label column, else from the id)


@dataclass(frozen=True)
class ModelInputs:
    """Everything the model reads, validated: one object per data folder. Dicts keep file
    order."""

    data_dir: Path
    scenarios: dict[str, Scenario]
    triggers: dict[str, Trigger]
    catalog: dict[str, CatalogItem]
    stages: tuple[Stage, ...]  # by rank, lowest first
    claims: list[Claim]  # roadmap_claims.csv, for the audit
    benchmarks: list[Benchmark]  # published figures, shown beside the results
    uncertainty: dict[str, UncertaintySettings]  # Monte Carlo settings by scenario
    settings: Settings
    tables: dict[str, Table]  # the raw rows of every file, for the assumptions appendix

    def scenario_folder(self, scenario: str) -> str:
        """The folder name of a scenario's outputs: its name made safe as a file name and
        unique among this data's scenarios (:func:`secmodel.paths.safe_names`)."""
        return safe_names(self.scenarios)[scenario]

    @property
    def default_scenario(self) -> str:
        """The scenario shown when none is chosen: settings.csv's, else the first one."""
        return self.settings.default_scenario or next(iter(self.scenarios))


def files_failed(data_dir: Path, failed: list[Table]) -> str:
    """One sentence: the input files that could not be opened, and what to do."""
    if not data_dir.is_dir():
        what = "is a file, not a folder" if data_dir.exists() else "does not exist"
        return (
            f"the data folder {display_path(data_dir)} {what}; give the folder with the input "
            "CSV files as --data"
        )
    listed = "; ".join(f"{t.name} ({t.file_error})" for t in failed)
    return (
        f"cannot read {listed}: put the file{'s' if len(failed) > 1 else ''} back, or give the "
        "folder that has them as --data"
    )


def load_inputs(data_dir: Path | str | None = None) -> ModelInputs:
    """Read and validate every input file in ``data_dir``; raise :class:`InputError` listing
    every problem found in all files. None: the project's own data folder."""
    data_dir = Path(data_dir or DEFAULT_DATA_DIR)
    tables = {
        name: read_table(data_dir / f"{name}.csv", cols, allow_empty=name in MAY_BE_EMPTY)
        for name, cols in FILES.items()
    }
    failed = [t for t in tables.values() if t.file_error]
    if failed:
        raise EnvironmentFailure(files_failed(data_dir, failed))
    usable = {name: t for name, t in tables.items() if t.readable}
    # names other files refer to: every id in their file, valid row or not, so one bad trigger
    # row does not also make each catalog row that uses it "unknown"; read from any file that
    # has the id column, so references are checked in the same run as another column's
    # problems (None: the file has no such column, and references to it are not checked)
    names = {
        name: tables[name].ids(column)
        for name, column in (
            ("scenarios", "scenario"),
            ("triggers", "trigger_id"),
            ("stages", "stage"),
            ("catalog", "item_id"),
        )
    }

    triggers = _read_triggers(usable["triggers"]) if "triggers" in usable else None
    growth = _read_growth(usable["growth"]) if "growth" in usable else None
    scenarios = _read_scenarios(usable["scenarios"], growth) if "scenarios" in usable else None
    if "growth" in usable and names["scenarios"] is not None:
        _check_growth_scenarios(usable["growth"], names["scenarios"])
    catalog = _read_catalog(usable["catalog"], names["triggers"]) if "catalog" in usable else None
    stages = _read_stages(usable["stages"], names["triggers"]) if "stages" in usable else None
    optional = {
        "roadmap_claims": lambda t: claims.read_claims(
            t, names["scenarios"], names["triggers"], names["stages"], names["catalog"]
        ),
        "benchmarks": lambda t: benchmarks.read_benchmarks(t, names["catalog"]),
        "uncertainty": lambda t: uncertainty.read_uncertainty(t, names["scenarios"]),
        "settings": lambda t: settings.read_settings(t, names["scenarios"]),
    }
    read = {name: reader(usable[name]) for name, reader in optional.items() if name in usable}

    problems = [p for t in tables.values() for p in t.problems]
    if problems:
        raise InputError(problems)
    return ModelInputs(
        data_dir,
        scenarios,
        triggers,
        catalog,
        stages,
        read["roadmap_claims"],
        read["benchmarks"],
        read["uncertainty"],
        read["settings"],
        tables,
    )


def _read_triggers(table: Table) -> dict[str, Trigger]:
    triggers, seen = {}, {}
    for row in table.rows:
        trigger_id = row.unique_id("trigger_id", seen)
        condition = None
        text = row.raw("condition")
        try:
            condition = parse_condition(text)
        except ConditionError as exc:
            row.problem("condition", f"condition {exc}", text)
        sustain = row.number(
            "sustain_months",
            default=1,
            minimum=1,
            maximum=MAX_HORIZON + 1,
            integer=True,
            what="months",
        )
        lead = row.number(
            "lead_months", default=0, minimum=0, maximum=MAX_HORIZON, integer=True, what="months"
        )
        latch = row.boolean("latch", default=True)
        values = (trigger_id, condition, sustain, lead, latch)
        if all(v is not None for v in values):
            triggers[trigger_id] = Trigger(
                trigger_id,
                row.raw("description"),
                condition,
                sustain,
                lead,
                latch,
                row.line,
                row.raw("label") or row.raw("description") or trigger_id,
            )
    return triggers


def _read_growth(table: Table) -> dict[str, list[GrowthSegment]]:
    growth: dict[str, list[GrowthSegment]] = {}
    seen: dict[tuple[str, int], int] = {}
    for row in table.rows:
        scenario = row.text("scenario")
        from_month = row.number(
            "from_month", minimum=0, maximum=MAX_HORIZON, integer=True, what="a month number"
        )
        rate = row.fraction("user_growth_monthly", above=-1, per="month")
        if scenario is None or from_month is None or rate is None:
            continue
        key = (scenario, from_month)
        if key in seen:
            row.problem(
                "from_month",
                f"scenario '{scenario}' already has a segment from this month on line {seen[key]}",
                str(from_month),
            )
            continue
        seen[key] = row.line
        growth.setdefault(scenario, []).append(GrowthSegment(from_month, rate, row.line))
    return {name: sorted(segs, key=lambda s: s.from_month) for name, segs in growth.items()}


def _read_scenarios(table: Table, growth: dict[str, list[GrowthSegment]] | None):
    scenarios, seen = {}, {}
    for row in table.rows:
        name = row.unique_id("scenario", seen)
        start = row.raw("start_date")
        match = _START_DATE.match(start)
        if not match:
            row.problem("start_date", "must be a month written YYYY-MM", start)
        users = row.number("start_users", minimum=0, what="a number of users")
        arpu = row.money("arpu_monthly")
        arpu_growth = row.fraction("arpu_growth_annual", above=-1, per="year")
        horizon = row.number("horizon_months", integer=True, what="a number of months")
        if horizon is not None and not 1 <= horizon <= MAX_HORIZON:
            row.problem("horizon_months", f"must be between 1 and {MAX_HORIZON}", str(horizon))
            horizon = None
        if match and not int(match.group(1)) >= FIRST_YEAR:
            row.problem("start_date", f"must be {FIRST_YEAR}-01 or later", start)
            match = None
        if match and horizon is not None:
            most = longest_horizon(int(match.group(1)), int(match.group(2)))
            if horizon > most:
                row.problem(
                    "horizon_months",
                    f"ends after {LAST_YEAR}-12 (from {start}); at most {most} months",
                    str(horizon),
                )
                horizon = None
        segments = ()
        if name is not None and growth is not None:
            segments = tuple(growth.get(name, ()))
            if not segments or segments[0].from_month > 1:
                first = (
                    f"its first segment starts at month {segments[0].from_month}"
                    if segments
                    else "it has none"
                )
                row.problem(
                    "scenario",
                    f"no growth segment in growth.csv covers month 1 ({first})",
                    name,
                )
                segments = None
        values = (name, match, users, arpu, arpu_growth, horizon, segments)
        if all(v is not None for v in values):
            scenarios[name] = Scenario(
                name,
                row.raw("description"),
                int(match.group(1)),
                int(match.group(2)),
                users,
                arpu,
                arpu_growth,
                horizon,
                segments,
                row.line,
                row.raw("label") or humanised(name),
            )
    return scenarios


def humanised(identifier: str) -> str:
    """A name for a reader from an id without a label: 'seed_roadmap' -> 'Seed roadmap'."""
    words = identifier.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def longest_horizon(start_year: int, start_month: int) -> int:
    """The most months a projection from this start may run without passing LAST_YEAR-12."""
    return LAST_YEAR * 12 + 11 - (start_year * 12 + start_month - 1)


def _check_growth_scenarios(growth_table: Table, known: set[str]) -> None:
    """Growth rows must name a scenario listed in scenarios.csv."""
    for row in growth_table.rows:
        name = row.raw("scenario")
        if name and name not in known:
            row.problem("scenario", "unknown scenario; not in scenarios.csv", name)


def _read_catalog(table: Table, known_triggers: set[str] | None) -> dict[str, CatalogItem]:
    catalog, seen, rows = {}, {}, {}
    for row in table.rows:
        item_id = row.unique_id("item_id", seen)
        name = row.text("name")
        tier = row.text("tier")
        category = row.text("category")
        cadence = row.choice("cadence", CADENCES)
        basis = row.choice("basis", BASES, default="fixed")
        amount_text = row.raw("amount")
        amount = row.money("amount", percent=True)
        if amount is not None and amount_text.endswith("%") and basis != "pct_revenue":
            row.problem("amount", "a percentage needs basis pct_revenue", amount_text)
            amount = None
        if basis in ("per_user", "pct_revenue") and cadence not in (None, "monthly"):
            row.problem("cadence", f"basis {basis} needs cadence monthly", row.raw("cadence"))
            cadence = None
        trigger = row.text("trigger")
        if trigger is not None and known_triggers is not None and trigger not in known_triggers:
            row.problem("trigger", "unknown trigger; not in triggers.csv", trigger)
            trigger = None
        replaces = tuple(r.strip() for r in row.raw("replaces").split(";") if r.strip())
        escalation = row.fraction("escalation_annual", per="year", above=-1, default=0.0)
        if escalation and basis == "pct_revenue":
            row.problem(
                "escalation_annual",
                "a pct_revenue item grows with revenue: leave its escalation blank",
                row.raw("escalation_annual"),
            )
            escalation = None
        values = (item_id, name, tier, category, cadence, basis, amount, trigger, escalation)
        if all(v is not None for v in values):
            rows[item_id] = row
            catalog[item_id] = CatalogItem(
                item_id,
                name,
                tier,
                category,
                row.raw("vendor"),
                amount,
                cadence,
                basis,
                trigger,
                replaces,
                row.raw("source"),
                row.line,
                escalation,
            )
    defined = table.ids("item_id")  # valid rows or not
    for item in catalog.values():
        for target in item.replaces:
            if target not in defined:
                rows[item.item_id].problem("replaces", "unknown item; not in catalog.csv", target)
            elif target == item.item_id:
                rows[item.item_id].problem("replaces", "an item cannot replace itself", target)
    for cycle in _replace_cycles(catalog):
        if len(cycle) > 1:
            path = " -> ".join([*cycle, cycle[0]])
            rows[cycle[0]].problem("replaces", f"replaces cycle: {path}", cycle[1])
    return catalog


def _replace_cycles(catalog: dict[str, CatalogItem]) -> list[list[str]]:
    """Cycles in the 'replaces' graph, each once, starting from its first item in file order."""
    order = {item_id: n for n, item_id in enumerate(catalog)}
    done: set[str] = set()
    cycles: dict[tuple[str, ...], list[str]] = {}

    def visit(item_id: str, path: list[str]) -> None:
        if item_id in path:
            cycle = path[path.index(item_id) :]
            i = cycle.index(min(cycle, key=order.__getitem__))
            rotated = cycle[i:] + cycle[:i]
            cycles.setdefault(tuple(rotated), rotated)
            return
        if item_id in done or item_id not in catalog:
            return
        for target in catalog[item_id].replaces:
            visit(target, [*path, item_id])
        done.add(item_id)

    for item_id in catalog:
        visit(item_id, [])
    return list(cycles.values())


def _read_stages(table: Table, known_triggers: set[str] | None) -> tuple[Stage, ...]:
    stages, seen, ranks = [], {}, {}
    for row in table.rows:
        name = row.unique_id("stage", seen)
        rank = row.number(
            "rank", integer=True, minimum=-MAX_RANK, maximum=MAX_RANK, what="a whole number"
        )
        if rank is not None:
            if rank in ranks:
                row.problem("rank", f"duplicate rank; also used on line {ranks[rank]}", str(rank))
                rank = None
            else:
                ranks[rank] = row.line
        trigger = row.text("trigger")
        if trigger is not None and known_triggers is not None and trigger not in known_triggers:
            row.problem("trigger", "unknown trigger; not in triggers.csv", trigger)
            trigger = None
        score = row.number("target_score", minimum=0, what="a score")
        budget = row.money("budget_monthly")
        values = (name, rank, trigger, score, budget)
        if all(v is not None for v in values):
            stages.append(
                Stage(
                    name,
                    rank,
                    trigger,
                    score,
                    budget,
                    row.raw("focus"),
                    row.line,
                    row.raw("label") or humanised(name),
                )
            )
    return tuple(sorted(stages, key=lambda s: s.rank))
