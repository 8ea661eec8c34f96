"""The board pack: its figures and sections (``board``, HTML from ``templates/``), what its
template notebook shows (``pages``), the Excel workbook (``workbook``; its live model
``livemodel``, its styles ``sheetstyle``), the PDF (``pdf``), the report's orchestration
(``build``) and executing the notebooks with papermill (``runner``). May import:
``secmodel.present`` and everything below it.
"""
