"""Keep jsonschema from loading its optional format checkers: the one place in secmodel that
marks modules absent in ``sys.modules``.

Why: importing nbformat (through papermill and nbconvert) imports jsonschema, which imports a
checker package for each string format it can check, when installed (jupyter-events, which
JupyterLab brings, installs them). Compiling rfc3987_syntax's grammar alone is a large part of
the start of ``secmodel report`` and ``secmodel notebooks``. Notebook validation never
checks formats, and jsonschema imports each checker inside ``suppress(ImportError)``, so a
module marked absent only skips that cost.

The skip applies only to the jsonschema releases it was tested on (:data:`TESTED`) and only when
jsonschema is not imported yet; ``SECMODEL_FORMAT_CHECKERS=1`` in the environment turns it off.
"""

import os
import sys
from importlib.metadata import PackageNotFoundError, version

FORMAT_CHECKERS = (
    "rfc3987_syntax",
    "rfc3986_validator",
    "isoduration",
    "webcolors",
    "uri_template",
    "fqdn",
    "rfc3339_validator",
    "jsonpointer",
)
TESTED = ((4, 18), (4, 26))  # jsonschema (major, minor), first and last tested, inclusive
SWITCH = "SECMODEL_FORMAT_CHECKERS"


def tested_jsonschema() -> bool:
    """Whether the installed jsonschema is one of the releases the skip was tested on."""
    try:
        major, minor = (int(part) for part in version("jsonschema").split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return False
    return TESTED[0] <= (major, minor) <= TESTED[1]


def skip_format_checkers() -> bool:
    """Mark the checker packages absent, if it is safe to; whether it was done."""
    if os.environ.get(SWITCH) == "1" or "jsonschema" in sys.modules or not tested_jsonschema():
        return False
    for name in FORMAT_CHECKERS:
        sys.modules.setdefault(name, None)
    return True
