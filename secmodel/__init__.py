"""secmodel: a month-by-month model of a security roadmap's spend.

Inputs live in ``data/*.csv``; this package loads and validates them (:mod:`secmodel.inputs`),
projects them on a monthly axis (:mod:`secmodel.model`), analyses them (:mod:`secmodel.analysis`),
presents them (:mod:`secmodel.present`) and writes the board pack (:mod:`secmodel.report`).

The names below are imported on first use (PEP 562), so ``python -m secmodel`` starts without
pandas and a command imports only what it needs.
"""

import importlib

_EXPORTS = {
    "InputError": "secmodel.errors",
    "Problem": "secmodel.errors",
    "ModelInputs": "secmodel.inputs.loader",
    "load_inputs": "secmodel.inputs.loader",
    "Projection": "secmodel.model.projection",
    "project_scenario": "secmodel.model.projection",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'secmodel' has no attribute {name!r}")
