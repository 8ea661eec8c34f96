"""``roadmap_claims.csv``: the seed roadmap's numeric claims, each with the check that computes
the figure to set beside it (:mod:`secmodel.analysis.audit` runs them)."""

from dataclasses import dataclass

from secmodel.inputs.csvtable import Table

UNITS = ("usd_month", "fraction", "month", "score")
REQUIRED = ("claim_id", "section", "claim", "check", "stated", "unit")
# Each check and the reference columns it reads.
CHECK_NEEDS = {
    "tier_monthly_total": ("subject",),
    "stage_investment": ("subject",),
    "tier_total_vs_budget": ("subject",),
    "pct_of_revenue_band": ("subject", "revenue_low"),
    "pct_of_revenue_min": ("scenario",),
    "pct_of_revenue_max": ("scenario",),
    "trigger_month": ("scenario", "subject"),
    "stage_score": ("subject",),
    "stage_budget_at_users": ("scenario", "users"),
    "stage_score_at_users": ("scenario", "users"),
    "stage_targets_min": (),
    "stage_targets_max": (),
}
# How a claim's figures were arrived at (the optional basis column): blank, tested against the
# model; "by construction", the scenario was calibrated to the claim, so it cannot fail.
BASES = ("", "by construction")
# Checks whose subject is a stage (the others' subject is a trigger, or they have none).
STAGE_SUBJECT = (
    "tier_monthly_total",
    "stage_investment",
    "tier_total_vs_budget",
    "pct_of_revenue_band",
    "stage_score",
)


@dataclass(frozen=True)
class Claim:
    """One numeric statement of the seed and how to check it. Revenue edges in USD/month,
    users in users, ``stated`` in ``unit``; None where the row leaves a cell blank."""

    claim_id: str
    section: str
    claim: str
    check: str
    scenario: str
    subject: str
    revenue_low: float | None
    revenue_high: float | None
    users: float | None
    stated: float
    unit: str
    line: int
    items: tuple[str, ...] = ()  # catalog items the claim names (the optional items column)
    basis: str = ""  # "by construction" where the scenario was calibrated to the claim


def read_claims(
    table: Table,
    scenarios: set[str] | None,
    triggers: set[str] | None,
    stages: set[str] | None,
    items: set[str] | None = None,
) -> list[Claim]:
    """The claims of a read table; references are checked against the names given (None: that
    file could not be read, so they are not checked). ``items`` and ``basis`` are optional
    columns: the catalog items a claim names, separated by ';', and how it was arrived at."""
    claims, seen = [], {}
    for row, ok in table.valid_rows():
        claim_id = row.unique_id("claim_id", seen)
        check = row.choice("check", tuple(CHECK_NEEDS))
        unit = row.choice("unit", UNITS)
        stated = row.number("stated", currency=True, percent=True)
        low = row.number("revenue_low", currency=True, minimum=0, optional=True)
        high = row.number("revenue_high", currency=True, minimum=0, optional=True)
        users = row.number("users", minimum=0, optional=True)
        for column in CHECK_NEEDS.get(check, ()):
            if not row.raw(column):
                row.problem(column, f"is empty; check {check} needs it")
        scenario, subject = row.raw("scenario"), row.raw("subject")
        named = tuple(filter(None, (i.strip() for i in row.raw("items").split(";"))))
        unknown = [i for i in named if items is not None and i not in items]
        if unknown:
            row.problem("items", "unknown item; not in catalog.csv", ";".join(unknown))
        basis = row.raw("basis")
        if basis not in BASES:
            row.problem("basis", "must be blank or 'by construction'", basis)
        if scenario and scenarios is not None and scenario not in scenarios:
            row.problem("scenario", "unknown scenario; not in scenarios.csv", scenario)
        is_trigger = check == "trigger_month"
        if is_trigger and subject and triggers is not None and subject not in triggers:
            row.problem("subject", "unknown trigger; not in triggers.csv", subject)
        if check in STAGE_SUBJECT and subject and stages is not None and subject not in stages:
            row.problem("subject", "unknown stage; not in stages.csv", subject)
        if ok():
            claims.append(
                Claim(
                    claim_id,
                    row.raw("section"),
                    row.raw("claim"),
                    check,
                    scenario,
                    subject,
                    low,
                    high,
                    users,
                    stated,
                    unit,
                    row.line,
                    named,
                    basis,
                )
            )
    return claims
