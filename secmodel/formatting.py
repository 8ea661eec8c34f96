"""Numbers as an analyst reads them: $1.2M, $83,455, 12.3%. For words only (events.csv's
details, the audit's notes, tables, charts); the model and its CSV outputs keep full precision.
A base module: every layer that writes words uses these, none writes its own."""

import math


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def usd(value: float, decimals: int = 0) -> str:
    """$83,455 (or $1,500.00 with decimals=2); '-' when missing."""
    if _missing(value):
        return "-"
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.{decimals}f}"


def usd_cents(value: float) -> str:
    """$1,500.00: an amount to the cent."""
    return usd(value, 2)


def usd_short(value: float) -> str:
    """$950, $83.5k, $1.2M, $3.4B; '-' when missing."""
    if _missing(value):
        return "-"
    sign = "-" if value < 0 else ""
    size = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        # 999,950 would round to "$1000.0k": show it as $1.0M instead
        if size >= limit * 0.99995:
            return f"{sign}${size / limit:,.1f}{suffix}"
    return f"{sign}${size:,.0f}"


def pct(value: float, decimals: int = 1) -> str:
    """12.3% from the fraction 0.123; 'n/a' when missing (a share of no revenue)."""
    if _missing(value):
        return "n/a"
    return f"{value * 100:,.{decimals}f}%"


def count(value: float) -> str:
    """1,139 (whole units); '-' when missing."""
    if _missing(value):
        return "-"
    return f"{value:,.0f}"


def pct_tick(value: float) -> str:
    """An axis label: 0.5%, 1%, 10%, 150% (no trailing .0)."""
    text = pct(value, 1)
    return text[:-3] + "%" if text.endswith(".0%") else text


def usd_tick(value: float) -> str:
    """An axis label: $500, $10k, $1.5M (no trailing .0)."""
    return usd_short(value).replace(".0", "")


def count_tick(value: float) -> str:
    """An axis label for counts: 100, 1k, 10k, 1.2M."""
    return usd_tick(value).replace("$", "")
