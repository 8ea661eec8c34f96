"""Recalculate a workbook in LibreOffice from scratch, as a real spreadsheet client.

The cached results XlsxWriter stores with each formula are removed from a copy first, then
LibreOffice (headless, a private profile told to recalculate every xlsx it loads) opens it and
saves it again; its saved values are its own. Without both steps a test proves nothing:
LibreOffice by default shows an xlsx file's cached values as they are.
"""

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
SKIP_REASON = "LibreOffice (Debian libreoffice-calc-nogui) is not installed"
needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason=SKIP_REASON)

# Calc > Formula > Recalculation on file load > Excel 2007 and newer: "Always recalculate" (0)
RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""
CACHED_VALUE = re.compile(rb"(</f>)<v>[^<]*</v>")


def strip_cached_values(source: Path, target: Path) -> int:
    """Copy an xlsx without the cached result of any formula; returns how many were removed."""
    removed = 0
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for entry in zin.infolist():
            data = zin.read(entry.filename)
            if entry.filename.startswith("xl/worksheets/sheet"):
                data, n = CACHED_VALUE.subn(rb"\1", data)
                removed += n
            zout.writestr(entry, data)
    return removed


def recalculate(books: list[Path], work: Path) -> list[Path]:
    """Each workbook recalculated by LibreOffice from scratch: the recalculated copies (xlsx)."""
    profile = work / "profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS)
    stripped_dir, out_dir = work / "stripped", work / "recalculated"
    stripped_dir.mkdir(exist_ok=True)
    out_dir.mkdir(exist_ok=True)
    stripped = []
    for n, book in enumerate(books):
        target = stripped_dir / f"book{n}.xlsx"
        assert strip_cached_values(book, target) > 0
        stripped.append(target)
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out_dir),
            *map(str, stripped),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    results = [out_dir / s.name for s in stripped]
    for path in results:
        assert path.is_file(), f"LibreOffice wrote no {path.name}"
    return results
