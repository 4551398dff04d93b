"""labkit.lessons.data_layer_lesson: outcomes of a burst, connections per environment, and
DynamoDB read units by AWS's rules (sizes summed per page, then rounded up to 4 KB)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from labkit.lessons.data_layer_lesson import (
    PRICE_SOURCE, classify, connections_per_environment, figure_png, item_bytes, monthly_read_cost,
    plot_read_units, plot_refusals, read_units, summarize)

REFUSED = ("{'S': 'FATAL', 'C': '53300', 'M': 'remaining connection slots are reserved for roles "
           "with the SUPERUSER attribute'}")


@pytest.mark.parametrize("function_error, body, throttled, expected", [
    (None, '{"pid": 1}', False, "ok"),
    ("Unhandled", '{"errorMessage": "%s"}' % REFUSED, False, "refused"),
    ("Unhandled", '{"errorMessage": "sorry, too many clients already"}', False, "refused"),
    ("Unhandled", '{"errorMessage": "proxy: no connection free within the borrow timeout"}', False, "refused"),
    ("Unhandled", '{"errorMessage": "division by zero"}', False, "error"),
    (None, "", True, "throttled"),
])
def test_classify(function_error, body, throttled, expected):
    assert classify(function_error, body, throttled) == expected


def _frame(rows):
    return pd.DataFrame(rows, columns=["i", "outcome", "attempts", "latency_ms", "pid", "env", "tried", "error"])


def test_summarize_counts_final_outcomes_and_every_attempt():
    frame = _frame([
        [0, "ok", 1, 10, 101, "a", ["ok"], None],
        [1, "ok", 3, 10, 102, "a", ["refused", "refused", "ok"], None],
        [2, "refused", 2, 10, None, None, ["refused", "refused"], "53300"],
        [3, "throttled", 1, 10, None, None, ["throttled"], "TooMany"],
        [4, "ok", 1, 10, 103, "b", ["ok"], None],
    ])
    got = summarize(frame)
    assert (got["requests"], got["ok"], got["refused"], got["throttled"], got["error"]) == (5, 3, 1, 1, 0)
    assert got["attempts"] == 8 and got["refused attempts"] == 4 and got["throttled attempts"] == 1
    assert got["environments"] == 2 and got["connections"] == 3


def test_connections_per_environment_counts_distinct_backend_pids():
    opened_each_time = _frame([[i, "ok", 1, 1, 100 + i, "a", ["ok"], None] for i in range(3)])
    kept_one = _frame([[i, "ok", 1, 1, 7, "b", ["ok"], None] for i in range(3)]
                      + [[9, "refused", 1, 1, None, None, ["refused"], "x"]])
    assert connections_per_environment(opened_each_time).to_dict() == {"a": 3}
    assert connections_per_environment(kept_one).to_dict() == {"b": 1}


def test_item_bytes_counts_names_and_values():
    assert item_bytes({"pk": {"S": "abc"}}) == 2 + 3
    assert item_bytes({"n": {"N": "12345"}}) == 1 + 4          # 5 digits -> 3 bytes + 1
    assert item_bytes({"ok": {"BOOL": True}, "x": {"NULL": True}}) == 3 + 2
    assert item_bytes({"m": {"M": {"a": {"S": "xy"}}}}) == 1 + 3 + 1 + 1 + 2
    assert item_bytes({"é": {"S": "é"}}) == 4                   # UTF-8 bytes, not characters
    with pytest.raises(ValueError):
        item_bytes({"x": {"Q": "?"}})


def test_read_units_sum_sizes_before_rounding_not_per_item():
    hundred_small = [100] * 100                                  # 10,000 bytes in all
    assert read_units(hundred_small) == 3 * 0.5                  # ceil(10000/4096) = 3, eventually consistent
    assert read_units(hundred_small, consistent=True) == 3.0
    assert read_units([]) == 0.5                                 # an empty result still costs the minimum
    assert read_units([4096]) == 0.5 and read_units([4097]) == 1.0


def test_read_units_round_each_1mb_page_separately():
    page = 1024 * 1024
    assert read_units([page, 1]) == (256 + 1) * 0.5
    assert read_units([page // 2, page // 2, 10], consistent=True) == 256 + 1


def test_monthly_read_cost_uses_the_on_demand_price():
    # $0.125 per million read request units (us-east-1, since Nov 2024)
    assert monthly_read_cost(1.0, 1_000_000) == pytest.approx(0.125)
    assert monthly_read_cost(0.5, 10_000_000) == pytest.approx(0.625)
    assert "dynamodb" in PRICE_SOURCE


def test_plots_return_figures():
    rows = pd.DataFrame({"concurrency": [2, 12], "ok": [4, 10], "refused": [0, 14], "throttled": [0, 0]})
    fig = plot_refusals(rows, "emulated", "refusals", limit=5)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["2", "12"]
    plt.close(fig)
    table = pd.DataFrame({"read units (measured)": [0.5, 40.0]}, index=["Query", "Scan"])
    plt.close(plot_read_units(table, "t"))


def test_figure_png_is_a_png_and_closes_the_figure():
    fig = plt.figure()
    number = fig.number
    assert figure_png(fig).startswith(b"\x89PNG\r\n\x1a\n")
    assert number not in plt.get_fignums()
