"""The model: the calculation engine on arrays shaped (paths, months) (``engine``), a scenario's
projection as tables (``projection``), the checks every projection passes (``checks``) and the
what-if overrides (``whatif``). May import: ``secmodel.inputs`` and the base modules.
"""
