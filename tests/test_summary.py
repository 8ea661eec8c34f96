"""The executive summary's sentences and table read correctly for one scenario and for
several, name the upgrade that adds the most monthly spend, say above or below for the
benchmark, and use names a reader knows (labels, not ids). Figures worked by hand from the
seed's catalog (tests/fixtures/seed/catalog.csv)."""

import re

import pytest

from secmodel import load_inputs
from secmodel.present.summary import key_sentences, summary_table
from secmodel.report.board import build_pack
from tests.conftest import SEED_DATA


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(SEED_DATA)


def sentences(inputs, names):
    pack = build_pack(inputs, names)
    return key_sentences(pack.projections, pack.figures, inputs.benchmarks), pack


def test_one_scenario(inputs):
    """bull: MRR $1M in month 41 buys zero-trust $15,000 + AI security $10,000 + HSM $5,000 +
    compliance suite $8,000 + SOC $12,000 = $50,000 a month."""
    (timing, money, share, stacking), _ = sentences(inputs, ["bull"])
    assert timing == (
        "The largest upgrade, bought at \u201cMRR reaches $1M\u201d, adds about $50,000 a month "
        "(Zero-trust platform, Advanced AI security, Hardware security modules (military-grade "
        "encryption) and 2 more); it is needed in Jun 2030 (month 41)."
    )
    assert "ranges from" not in money and money.startswith(
        "Security spend over five years (Jan 2027\u2013Dec 2031) totals $1.76M"
    )
    assert "of revenue over five years in Bull case" in share and "this share is above" in share
    assert "no catalog item replaces another" in stacking


def test_several_scenarios(inputs):
    """base buys the scale tier when MRR reaches $100k in month 46: $2,000 + $1,500 + $1,000 +
    $800 a month and the $10,000 pentest over 12 = $6,133.33 a month; bear never does. bear
    spends 60 x $1,500 = $90,000 in five years."""
    (timing, money, share, _), _ = sentences(inputs, ["base", "bear"])
    assert timing.startswith(
        "The largest upgrade, bought at \u201cMRR reaches $100k\u201d, adds about $6,130 a month"
    )
    assert timing.endswith(
        "it is needed in Nov 2030 (month 46) in Base case and not within five years in Bear case."
    )
    assert "ranges from $90,000 (Bear case) to" in money
    assert "(Base case) to" in share and "these shares are all above it" in share


def test_only_the_baseline(inputs):
    (timing, *_), _ = sentences(inputs, ["bear"])
    assert timing == (
        "Only the launch baseline is bought in Bear case: $1,500 a month from launch; no upgrade "
        "is needed within five years."
    )


def test_no_identifiers_in_the_summary(inputs):
    """Scenario, trigger, item and stage ids stay in the appendix: the sentences and the table
    use labels."""
    said, pack = sentences(inputs, None)
    table = summary_table(pack.projections, pack.figures)
    text = " ".join(said) + " " + table.to_string()
    ids = [*inputs.scenarios, *inputs.triggers, *inputs.catalog, *(s.stage for s in inputs.stages)]
    found = [i for i in ids if re.search(rf"\b{re.escape(i)}\b", text)]
    assert found == [], found
    assert ".csv" not in text and "_" not in text
