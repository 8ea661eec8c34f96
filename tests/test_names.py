"""Names from the data are data, never paths: folder names made safe and unique, nothing written
outside --out, Excel sheet names that Excel accepts."""

import io

import openpyxl
import pytest

from secmodel.inputs.loader import load_inputs
from secmodel.paths import inside, safe_name, safe_names
from secmodel.report.board import build_pack
from secmodel.report.workbook import workbook_bytes
from tests.test_bad_input import read_rows, write_rows

HOSTILE = {"seed_roadmap": "../../escape", "base": "..", "bull": "/tmp/abs:path", "bear": "Bear'"}


def replace_values(data, columns: dict[str, str], names: dict[str, str]) -> None:
    """In each file's column (``columns``: file -> column), every value in ``names`` replaced."""
    for file, column in columns.items():
        rows = read_rows(data / file)
        col = rows[0].index(column)
        for row in rows[1:]:
            row[col] = names.get(row[col], row[col])
        write_rows(data / file, rows)


def rename_scenarios(data, names: dict[str, str]) -> None:
    """Rename scenarios everywhere the data names them."""
    files = ("scenarios.csv", "growth.csv", "uncertainty.csv", "roadmap_claims.csv")
    replace_values(data, dict.fromkeys(files, "scenario"), names)
    rows = read_rows(data / "settings.csv")
    for row in rows[1:]:
        if row[0] == "default_scenario":
            row[1] = names.get(row[1], row[1])
    write_rows(data / "settings.csv", rows)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("seed_roadmap", "seed_roadmap"),
        ("../../escape", "_.._escape"),  # no separator left: one folder, inside --out
        ("..", "_"),
        (".hidden", "hidden"),
        ("/tmp/abs:path", "_tmp_abs_path"),
        ("a b/c", "a_b_c"),
        ("", "_"),
    ],
)
def test_safe_name(name, safe):
    assert safe_name(name) == safe


def test_safe_names_unique_ignoring_case():
    assert safe_names(["bear", "Bear", "BEAR", "a:b", "a/b"]) == {
        "bear": "bear",
        "Bear": "Bear-2",
        "BEAR": "BEAR-3",
        "a:b": "a_b",
        "a/b": "a_b-2",
    }


def test_inside_refuses_a_way_out(tmp_path):
    assert inside(tmp_path, "a", "b") == tmp_path / "a" / "b"
    with pytest.raises(ValueError):
        inside(tmp_path, "..", "x")


def test_hostile_scenario_names_write_only_inside_out(data_dir, tmp_path, run):
    rename_scenarios(data_dir, HOSTILE)
    out = tmp_path / "work" / "out"
    code, _, err = run("project", "--data", data_dir, "--out", out)
    assert code == 0, err
    written = sorted(p.relative_to(out).parts[0] for p in out.rglob("projection.csv"))
    assert written == ["Bear_", "_", "_.._escape", "_tmp_abs_path"]
    outside = [
        p for p in tmp_path.rglob("*.csv") if out not in p.parents and data_dir not in p.parents
    ]
    assert not outside
    for command in (("sensitivity", "--scenario", ".."), ("sweep", "--scenario", "..", "--grid",
                    "arpu_monthly=5,10")):  # fmt: skip
        code, _, err = run(command[0], "--data", data_dir, "--out", out, *command[1:])
        assert code == 0, err
    assert (out / "_" / "sensitivity.csv").is_file() and (out / "_" / "sweep.csv").is_file()


def test_sheet_names_excel_accepts(data_dir):
    rename_scenarios(data_dir, {"base": "a:b", "bull": "bear'", "seed_roadmap": "Bear"})
    pack = build_pack(load_inputs(data_dir))
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(pack)))
    projections = [n for n in book.sheetnames if n.startswith("Projection")]
    # by hand: Bear takes "projection bear"; bear' loses its trailing apostrophe and clashes
    # (2); bear clashes with both (3); a:b loses its colon
    assert projections == [
        "Projection Bear",
        "Projection a_b",
        "Projection bear (2)",
        "Projection bear (3)",
    ]
    assert len({n.lower() for n in book.sheetnames}) == len(book.sheetnames)
    assert [book[n]["B1"].value for n in projections] == ["Bear", "a:b", "bear'", "bear"]


def test_names_with_dollars_are_words_not_mathematics(data_dir):
    """'$' pairs in names from the data would be typeset as TeX, and a broken one would fail
    to draw: they are drawn as they are."""
    stage = {"mvp": "Launch $\\bad{$ stage"}
    columns = {"stages.csv": "stage", "catalog.csv": "tier", "roadmap_claims.csv": "subject"}
    replace_values(data_dir, columns, stage)
    pack = build_pack(load_inputs(data_dir))
    from secmodel.report.board import chart_jobs, draw_chart

    for jobs in chart_jobs(pack).values():
        for job in jobs:
            assert draw_chart(job).png.startswith(b"\x89PNG")
