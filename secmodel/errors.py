"""Input problems: collected, never raised one at a time, so a user sees every mistake at once."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input file, at a line (header = line 1) and a column."""

    file: str
    line: int
    column: str
    message: str
    value: str | None = None

    def __str__(self) -> str:
        got = "" if self.value is None else f" (got '{printable(self.value)}')"
        return f"{self.file}:{self.line}: {self.column}: {self.message}{got}"


def printable(text: str) -> str:
    """``text`` with control characters (a tab, a line break, a stray byte) written as escapes,
    so a problem stays one readable line and shows what is really in the cell."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class InputError(Exception):
    """The inputs cannot be used; ``problems`` lists every reason, one per line when printed."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class EnvironmentFailure(Exception):
    """Something the run needs outside its inputs failed: a service (a Dask scheduler) could
    not be reached. One sentence, exit 3, like a file that cannot be read or written."""


class UsageError(Exception):
    """A command-line value is not usable (unknown scenario, horizon out of range...)."""
