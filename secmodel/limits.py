"""Size limits, checked before anything large is read or allocated (README: "Size limits").

A request beyond a limit is refused at once with its estimate and the limit (exit 2), instead of
running for minutes and failing out of memory. The limits are far above what a security roadmap
needs (a catalog of a few dozen lines, a few thousand Monte Carlo paths) and below what a 2-core,
few-GB machine can finish.
"""

from collections.abc import Callable

from secmodel.errors import UsageError

INPUT_FILE_BYTES = 10 * 2**20  # one input CSV file
INPUT_ROWS = 10_000  # data rows of one input CSV file
WORKING_BYTES = 4 * 2**30  # estimated memory of one projection, Monte Carlo chunk or sweep task
PATH_MONTHS = 10**10  # simulated path-months in one run (paths x months, x points for a sweep)
SWEEP_POINTS = 1_000_000  # grid points of one sweep


def size_text(n_bytes: float) -> str:
    """Bytes for a reader: 1.5 GB, 240 MB, 12 KB (powers of 1,024)."""
    for unit, size in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n_bytes >= size:
            return f"{n_bytes / size:,.1f} {unit}"
    return f"{n_bytes:,.0f} bytes"


def duration_text(seconds: float) -> str:
    """A rough duration: 40 s, 12 min, 3.5 h, 20 days."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:,.0f} days"


def check_memory(what: str, estimate: float, hint: str = "") -> None:
    """Refuse a step whose estimated working memory (bytes) is above WORKING_BYTES."""
    if estimate > WORKING_BYTES:
        raise UsageError(
            f"{what} would need about {size_text(estimate)} of memory; the limit is "
            f"{size_text(WORKING_BYTES)}{'; ' + hint if hint else ''}"
        )


def check_path_months(
    what: str, path_months: int, seconds: Callable[[], float] | None, hint: str
) -> None:
    """Refuse a run of more than PATH_MONTHS simulated path-months; ``seconds()`` estimates its
    run time on one core (asked only for the message)."""
    if path_months > PATH_MONTHS:
        took = f" (about {duration_text(seconds())} on one core here)" if seconds else ""
        raise UsageError(
            f"{what} is {path_months:,} path-months{took}; the limit is {PATH_MONTHS:,}; {hint}"
        )
