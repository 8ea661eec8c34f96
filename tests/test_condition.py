"""The condition language: what it accepts, how it evaluates on arrays, what it refuses."""

import numpy as np
import pytest

from secmodel.inputs.condition import ConditionError, parse_condition

METRICS = {
    "month": np.arange(5)[None, :],
    "users": np.array([[10.0, 100.0, 1000.0, 50.0, 20_000.0]]),
    "mrr": np.array([[0.0, 1000.0, 10_000.0, 500.0, 200_000.0]]),
    "arr": np.array([[0.0, 12_000.0, 120_000.0, 6000.0, 2_400_000.0]]),
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("month >= 0", [1, 1, 1, 1, 1]),
        ("mrr >= 10_000", [0, 0, 1, 0, 1]),
        ("users > 50 and mrr < 100_000", [0, 1, 1, 0, 0]),
        ("users >= 1000 or month == 3", [0, 0, 1, 1, 1]),
        ("not (arr >= 120000)", [1, 1, 0, 1, 0]),
        ("100 <= users < 20000", [0, 1, 1, 0, 0]),
        ("month <= 1 or (users >= 1_000 and not mrr > 100_000)", [1, 1, 1, 0, 0]),
        ("mrr >= 1e4", [0, 0, 1, 0, 1]),
        ("users > -1", [1, 1, 1, 1, 1]),
    ],
)
def test_evaluates_vectorised(text, expected):
    result = parse_condition(text).evaluate(METRICS)
    assert result.shape == (1, 5)
    assert result[0].astype(int).tolist() == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("mrr >= ", "syntax error"),
        ("mrr >= 10k", "syntax error"),
        ("mrr != 5", "operator '!=' is not allowed"),
        ("open('x') > 1", "a function call is not allowed"),
        ("(lambda: 1)() > 0", "a function call is not allowed"),
        ("users.__class__ > 1", "attribute access"),
        ("users[0] > 1", "indexing is not allowed"),
        ("users + 1 > 1", "arithmetic is not allowed"),
        ("users > 'a'", "the value 'a' is not allowed"),
        ("True", "must be a comparison"),
        ("users in [1, 2]", "operator 'in' is not allowed"),
        ("x > 1", "unknown name 'x'"),
        ("__import__ > 1", "unknown name '__import__'"),
        ("users >= 1; import os", "syntax error"),
        ("users if mrr else arr", "'IfExp' is not allowed"),
        ("(" * 300 + "users > 1" + ")" * 300, "longer than 500 characters"),
    ],
)
def test_refuses(text, message):
    with pytest.raises(ConditionError, match=None) as exc:
        parse_condition(text)
    assert message in str(exc.value)


def test_metrics_read():
    assert parse_condition("users > 1 and (mrr > 2 or users < 9)").metrics == ("users", "mrr")
