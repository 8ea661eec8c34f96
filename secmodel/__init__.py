"""secmodel: a month-by-month model of a security roadmap's spend.

Inputs live in ``data/*.csv``; this package loads and validates them (:mod:`secmodel.inputs`),
projects them on a monthly axis (:mod:`secmodel.engine`, :mod:`secmodel.projection`), checks the
result (:mod:`secmodel.checks`) and audits the seed roadmap's claims (:mod:`secmodel.audit`).
"""

from secmodel.errors import InputError, Problem
from secmodel.inputs import ModelInputs, load_inputs
from secmodel.projection import Projection, project_scenario

__all__ = [
    "InputError",
    "ModelInputs",
    "Problem",
    "Projection",
    "load_inputs",
    "project_scenario",
]
