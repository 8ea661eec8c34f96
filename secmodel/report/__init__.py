"""The board pack: its figures and sections (``board``, HTML from ``templates/``), what its
template notebook shows (``pages``), the Excel workbook (``workbook``), the PDF (``pdf``), the
report's orchestration (``build``), executing the notebooks with papermill (``runner``) and the
jsonschema start-up skip (``formats``). May import: ``secmodel.present`` and everything below it.
"""
