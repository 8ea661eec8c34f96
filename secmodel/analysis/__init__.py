"""Analyses on top of the model: the roadmap audit (``audit``), explanations (``explain``), the
summary figures every output shows (``figures``), Monte Carlo (``montecarlo``), one-at-a-time
sensitivity (``sensitivity``), sweeps (``sweep``), runs as the notebooks ask for them (``runs``)
and one executor for local processes or a Dask cluster (``executor``). Numbers, never text.
May import: ``secmodel.model``, ``secmodel.inputs`` and the base modules.
"""
