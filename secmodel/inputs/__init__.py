"""Inputs: every file of the data folder, read and validated into one
:class:`~secmodel.inputs.loader.ModelInputs` (``load_inputs``).

Holds the CSV reader (``csvtable``), the trigger condition language (``condition``), the loader
with the one list of input files (``loader``) and the readers of the claims, benchmarks,
uncertainty and settings files. May import: ``secmodel.paths``, ``secmodel.errors``.
"""
