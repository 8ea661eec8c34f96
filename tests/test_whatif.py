"""What-if overrides equal editing the CSVs by hand."""

import pandas as pd
import pytest

from secmodel import load_inputs
from secmodel.errors import UsageError
from secmodel.model.whatif import apply_overrides
from tests.conftest import SEED_DATA
from tests.test_bad_input import read_rows, write_rows


def test_cli_overrides_equal_edited_csvs(data_dir, tmp_path, run):
    rows = read_rows(data_dir / "growth.csv")
    col = rows[0].index("user_growth_monthly")
    for row in rows[1:]:
        row[col] = repr(float(row[col]) * 1.2)
    write_rows(data_dir / "growth.csv", rows)
    rows = read_rows(data_dir / "scenarios.csv")
    for row in rows[1:]:
        row[rows[0].index("arpu_monthly")] = "11.5"
        row[rows[0].index("start_users")] = "250"
    write_rows(data_dir / "scenarios.csv", rows)
    assert run("project", "--data", data_dir, "--out", tmp_path / "edited")[0] == 0
    code, _, _ = run(
        "project",
        "--out",
        tmp_path / "override",
        "--user-growth-multiplier",
        "1.2",
        "--arpu-monthly",
        "11.5",
        "--start-users",
        "250",
    )
    assert code == 0
    for scenario in ("seed_roadmap", "base", "bull", "bear"):
        edited = pd.read_csv(tmp_path / "edited" / scenario / "projection.csv")
        override = pd.read_csv(tmp_path / "override" / scenario / "projection.csv")
        pd.testing.assert_frame_equal(edited, override, rtol=1e-12)


def test_overrides_change_only_what_is_asked():
    base = load_inputs(SEED_DATA).scenarios["base"]
    same = apply_overrides(base)
    assert same == base
    faster = apply_overrides(base, user_growth_multiplier=2.0)
    assert [s.user_growth_monthly for s in faster.growth] == [0.30, 0.20, 0.12, 0.06]
    assert faster.arpu_monthly == base.arpu_monthly


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"user_growth_multiplier": -1}, "user_growth_multiplier must be a number from 0"),
        ({"user_growth_multiplier": 20}, "makes a growth rate above 100% a month"),
        ({"arpu_monthly": -1}, "arpu_monthly must be a number from 0"),
        ({"start_users": -1}, r"start_users must be a number from 0 \(got -1\)"),
        ({"start_users": float("inf")}, "start_users must be a number from 0"),
    ],
)
def test_overrides_refuse_impossible_values(kwargs, message):
    with pytest.raises(UsageError, match=message):
        apply_overrides(load_inputs(SEED_DATA).scenarios["base"], **kwargs)


def test_what_if_sliders_redraw(capsys):
    """Moving the growth slider re-projects: at 1.5x, month growth is 75% to month 6, so users
    pass 1,000 (MRR $10k) in month 5: 100 x 1.75^5 = 1,641 (month 4: 938)."""
    from secmodel.present.widgets import what_if_panel

    panel = what_if_panel(load_inputs(SEED_DATA))
    pick, growth, arpu, users, horizon = panel.children[0].children
    assert [w.description for w in (growth, arpu, users, horizon)] == [
        "User growth x",
        "ARPU (USD/user/month)",
        "Users at launch",
        "Horizon (months)",
    ]
    assert "MRR reaches $10k in month 6" in capsys.readouterr().out  # first draw, as is
    growth.value = 1.5
    assert "MRR reaches $10k in month 5" in capsys.readouterr().out
    pick.value = "bear"  # resets ARPU and users to the scenario's own
    assert (arpu.value, users.value) == (8.0, 100)
    assert "checks: 9/9 pass" in capsys.readouterr().out


def test_a_scenario_change_redraws_once(monkeypatch, capsys):
    """Picking a scenario resets ARPU and users: three changes, one redraw (it was three)."""
    from secmodel.present import widgets as panel_module

    panel = panel_module.what_if_panel(load_inputs(SEED_DATA))
    pick, growth, *_ = panel.children[0].children
    drawn = []
    original = panel_module.charts.users_and_mrr_chart
    monkeypatch.setattr(
        panel_module.charts, "users_and_mrr_chart", lambda p: drawn.append(p) or original(p)
    )
    pick.value = "bear"
    assert [p.scenario.scenario for p in drawn] == ["bear"]
    assert drawn[0].scenario.arpu_monthly == 8.0  # drawn after both sliders were reset
    growth.value = 1.2
    assert len(drawn) == 2
