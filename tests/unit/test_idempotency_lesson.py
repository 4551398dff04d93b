"""Lesson 02's helpers: the producer's orders and duplicates, counting charges per order, the
outcome buckets, one order's story from its log lines, and what goes into the zip."""
from __future__ import annotations

import io
import json

import pandas as pd

from labkit.lessons.idempotency_lesson import (answer_or_error, charges_per_order, duplicate_causes,
                                               make_orders, order_story, outcome_counts,
                                               package_files, scan_charges)


def test_orders_crashes_and_duplicates_follow_the_rates_and_the_seed():
    orders, deliveries = make_orders(12, duplicate_rate=0.25, crash_rate=0.25, crash_at="after_charge", seed=2)
    assert len(orders) == 12 and len(deliveries) == 15              # 3 orders sent twice
    assert sum(o.get("crash_at") == "after_charge" for o in orders) == 3
    ids = [o["order_id"] for o in deliveries]
    assert sorted(set(ids)) == sorted(o["order_id"] for o in orders)
    again, _ = make_orders(12, 0.25, 0.25, "after_charge", seed=2)
    strip = lambda os: [(o["order_id"].split("-")[1], o["amount"], o.get("crash_at")) for o in os]  # noqa: E731
    assert strip(again) == strip(orders)                            # same seed, same orders (new run id)


def test_several_crash_points_take_turns_and_none_crashes_nothing():
    orders, _ = make_orders(6, 0, 4 / 6, ("after_charge", "before_charge"), seed=1)
    points = [o["crash_at"] for o in orders if "crash_at" in o]
    assert points == ["after_charge", "before_charge"] * 2
    orders, deliveries = make_orders(6, 0, 1.0, None, seed=1)
    assert not any("crash_at" in o for o in orders) and len(deliveries) == 6


def _orders():
    orders = [{"order_id": "r-00", "amount": 19}, {"order_id": "r-01", "amount": 25, "crash_at": "after_charge"},
              {"order_id": "r-02", "amount": 42}]
    return orders, orders + [orders[2]]


def test_charges_per_order_counts_each_variants_merchant():
    orders, deliveries = _orders()
    charges = pd.DataFrame([("c1", "r-00", "19", "fn-naive"), ("c2", "r-01", "25", "fn-naive"),
                            ("c3", "r-01", "25", "fn-naive"), ("c4", "r-02", "42", "fn-claim")],
                           columns=["charge_id", "order_id", "amount", "merchant"])
    table = charges_per_order(charges, orders, deliveries, {"naive": "fn-naive", "claim": "fn-claim"})
    assert list(table.columns) == ["sent", "crash_at", "naive", "claim"]
    assert table["sent"].tolist() == [1, 1, 2] and table["crash_at"].tolist() == ["", "after_charge", ""]
    assert table["naive"].tolist() == [1, 2, 0] and table["claim"].tolist() == [0, 0, 1]
    assert duplicate_causes(table).tolist() == ["clean", "crashed after charge", "sent twice"]
    counts = outcome_counts(table)
    assert counts.loc["naive"].to_dict() == {"never charged": 1, "charged once": 1, "charged twice or more": 1}
    assert counts.loc["claim"].to_dict() == {"never charged": 2, "charged once": 1, "charged twice or more": 0}


def test_order_story_is_one_orders_lines_in_time_order():
    lines = pd.DataFrame([{"kind": "failed", "order_id": "a", "t": 105.04, "attempt": 2, "error": "OrderInProgress"},
                          {"kind": "crash", "order_id": "a", "t": 100.0, "point": "after_charge"},
                          {"kind": "paid", "order_id": "b", "t": 101.0, "attempt": 1},
                          {"kind": "paid", "order_id": "a", "t": 109.0, "attempt": 3}])
    story = order_story(lines, "a")
    assert list(story.columns) == ["seconds", "kind", "attempt", "error"]
    assert story["kind"].tolist() == ["crash", "failed", "paid"]
    assert story["seconds"].tolist() == [0.0, 5.0, 9.0] and story["error"].tolist() == ["", "OrderInProgress", ""]


def test_package_files_bundles_packages_and_single_modules():
    files = package_files("jmespath", "typing_extensions")
    assert "jmespath/__init__.py" in files and "typing_extensions.py" in files
    assert all(path.endswith(".py") and "__pycache__" not in path for path in files)
    assert "def search" in files["jmespath/__init__.py"]


class _FakeLambda:
    def __init__(self, payload, error=None):
        self.payload, self.error = payload, error

    def invoke(self, FunctionName, Payload):
        response = {"Payload": io.BytesIO(json.dumps(self.payload).encode())}
        return {**response, "FunctionError": self.error} if self.error else response


def test_an_error_is_an_answer():
    assert answer_or_error(_FakeLambda({"charge_id": "ch_1"}), "f", {}) == {"charge_id": "ch_1"}
    refused = _FakeLambda({"errorType": "IdempotencyValidationError", "errorMessage": "..."}, error="Unhandled")
    assert answer_or_error(refused, "f", {}) == {"error": "IdempotencyValidationError"}


class _FakeDynamo:
    """Two pages of a Scan."""
    def scan(self, TableName, ConsistentRead, ExclusiveStartKey=None):
        item = lambda n: {"charge_id": {"S": f"c{n}"}, "order_id": {"S": "o"}, "amount": {"N": "5"},  # noqa: E731
                          "merchant": {"S": "f"}}
        if ExclusiveStartKey is None:
            return {"Items": [item(1)], "LastEvaluatedKey": {"charge_id": {"S": "c1"}}}
        return {"Items": [item(2)]}


def test_scan_charges_reads_every_page():
    charges = scan_charges(_FakeDynamo(), "t")
    assert charges["charge_id"].tolist() == ["c1", "c2"] and list(charges.columns) == [
        "charge_id", "order_id", "amount", "merchant"]
