"""Presentation: formatted tables (``tables``), the executive summary's words (``summary``),
charts (``charts``, rendered as ``images``) and the JupyterLab what-if panel (``widgets``). May
import: ``secmodel.analysis`` and everything below it.
"""
