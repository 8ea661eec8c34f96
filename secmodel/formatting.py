"""Numbers as an analyst reads them: $1.2M, $83,455, ($33,455), 12.3%. For words only
(events.csv's details, the audit's notes, tables, charts); the model and its CSV outputs keep
full precision. Negatives are in parentheses, as in a set of accounts. A base module: every
layer that writes words uses these, none writes its own."""

import math


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def usd(value: float, decimals: int = 0) -> str:
    """$83,455 (or $1,500.00 with decimals=2), ($33,455) when negative; '-' when missing."""
    if _missing(value):
        return "-"
    text = f"${abs(value):,.{decimals}f}"
    return f"({text})" if value < 0 and text.strip("$0.,") else text


def usd_cents(value: float) -> str:
    """$1,500.00: an amount to the cent."""
    return usd(value, 2)


def usd_short(value: float) -> str:
    """$950, $83.5k, $1.2M, $3.4B, ($1.2M) when negative; '-' when missing."""
    if _missing(value):
        return "-"
    return _negative(value, _short(abs(value), 1))


def _short(size: float, decimals: int | None) -> str:
    """A non-negative amount with a k/M/B suffix: ``decimals`` places, or with None as few as
    show it exactly (up to 3: $1.25k, $1.5M, $10k)."""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k"), (1, "")):
        # 999,950 would round to "$1000.0k": show it as $1.0M instead
        if size >= limit * 0.99995 or limit == 1:
            scaled = size / limit
            # exact for ticks; whole dollars below $1,000
            places = _exact_places(scaled) if decimals is None else (decimals if suffix else 0)
            return f"${scaled:,.{places}f}{suffix}"
    raise AssertionError("unreachable")


def _exact_places(value: float) -> int:
    """The fewest decimal places (0 to 3) that show ``value`` without rounding it."""
    return next((d for d in range(3) if abs(round(value, d) - value) < 1e-9 * max(1, value)), 3)


def _negative(value: float, text: str) -> str:
    return f"({text})" if value < 0 and text.strip("$0.,%kMB") else text


def pct(value: float, decimals: int = 1) -> str:
    """12.3% from the fraction 0.123, (2.5%) when negative; 'n/a' when missing (a share of no
    revenue)."""
    if _missing(value):
        return "n/a"
    return _negative(value, f"{abs(value) * 100:,.{decimals}f}%")


def count(value: float) -> str:
    """1,139 (whole units); '-' when missing."""
    if _missing(value):
        return "-"
    return f"{value:,.0f}"


def pct_tick(value: float) -> str:
    """An axis label that names its gridline exactly: 0.5%, 1%, 12.5%, 150%."""
    return _negative(value, f"{abs(value) * 100:,.{_exact_places(abs(value) * 100)}f}%")


def usd_tick(value: float) -> str:
    """An axis label that names its gridline exactly: $500, $1.25k, $10k, $1.5M."""
    return _negative(value, _short(abs(value), None))


def count_tick(value: float) -> str:
    """An axis label for counts, exact: 100, 1k, 2.5k, 1.2M."""
    return usd_tick(value).replace("$", "")


MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_year(date: str) -> str:
    """The one date style for a month: 'Jul 2027' from '2027-07'."""
    year, month = date.split("-")[:2]
    return f"{MONTH_NAMES[int(month) - 1]} {int(year)}"


def month_span(first: str, last: str) -> str:
    """'Jan-Dec 2027', or 'Jul 2027-Jun 2028' across calendar years (en dash)."""
    if first[:4] == last[:4]:
        return f"{month_year(first).split()[0]}\u2013{month_year(last)}"
    return f"{month_year(first)}\u2013{month_year(last)}"


def duration(months: int) -> str:
    """'five years' for 60 months, '18 months' otherwise."""
    words = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven"}
    words |= {8: "eight", 9: "nine", 10: "ten"}
    years, rest = divmod(months, 12)
    if rest == 0 and years in words:
        return "one year" if years == 1 else f"{words[years]} years"
    return f"{months} months"


def usd_prose(value: float) -> str:
    """An amount for a sentence, to three significant figures: $90,000, $265,000, $2.28M,
    ($33,500); '-' when missing. Tables keep whole dollars."""
    if _missing(value):
        return "-"
    size = abs(value)
    if size >= 1e6:
        text = f"${float(f'{size / 1e6:.3g}'):g}M"
    else:
        text = f"${float(f'{size:.3g}'):,.0f}"
    return f"({text})" if value < 0 and size >= 0.5 else text


def long_date(day) -> str:
    """A report date: '2 December 2026' (a datetime.date)."""
    return f"{day.day} {day:%B %Y}"
