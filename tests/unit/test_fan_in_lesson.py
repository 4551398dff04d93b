"""Lesson 04's helpers: chunking, the pandas reference, combining partials, delivery plans and
the counter race."""
from __future__ import annotations

import csv
import io
from collections import Counter

import boto3
import pandas as pd
import pytest

from labkit.lessons import run_prefix
from labkit.lessons.fan_in_lesson import (COLUMNS, TOTALS, combine, csv_chunks, delivery_plan,
                                          race_counter, reference_totals, totals_frame)

FRAME = pd.DataFrame({
    "carrier": ["AA", "UA", "AA", "B6", "UA", "AA", "B6"],
    "origin": ["JFK"] * 7, "dest": ["LAX"] * 7,
    "dep_delay": [2.0, None, -3.0, 10.0, 4.0, None, 0.0],
    "arr_delay": [1.0, 5.0, None, 12.0, -2.0, None, 3.0],
    "distance": [100, 200, 300, 400, 500, 600, 700],
})


def _chunk_totals(text):
    """An independent per-chunk aggregation (the lesson's worker logic, written again)."""
    out = {}
    for row in csv.DictReader(io.StringIO(text)):
        t = out.setdefault(row["carrier"], dict.fromkeys(TOTALS, 0))
        t["flights"] += 1
        t["distance_total"] += int(row["distance"])
        for kind in ("dep", "arr"):
            if row[f"{kind}_delay"]:
                t[f"{kind}_delay_known"] += 1
                t[f"{kind}_delay_total"] += int(float(row[f"{kind}_delay"]))
    return out


def test_reference_by_hand():
    ref = reference_totals(FRAME)
    assert ref.loc["AA"].tolist() == [3, 2, -1, 1, 1, 1000]
    assert ref.loc["UA"].tolist() == [2, 1, 4, 2, 3, 700]
    assert ref.loc["B6"].tolist() == [2, 2, 10, 2, 15, 1100]


@pytest.mark.parametrize("rows", [1, 2, 3, 7, 50])
def test_chunks_cover_every_row_once_and_recombine_to_the_reference(rows):
    chunks = csv_chunks(FRAME, rows)
    assert len(chunks) == -(-len(FRAME) // rows)
    assert all(c.splitlines()[0] == ",".join(COLUMNS) for c in chunks)
    assert sum(len(c.splitlines()) - 1 for c in chunks) == len(FRAME)
    combined = totals_frame(combine([_chunk_totals(c) for c in chunks]))
    assert combined.equals(reference_totals(FRAME))


def test_a_missing_chunk_is_visible_in_the_comparison():
    chunks = csv_chunks(FRAME, 2)
    partial = totals_frame(combine([_chunk_totals(c) for c in chunks[:-1]]))
    assert not partial.equals(reference_totals(FRAME))


def test_delivery_plan_is_seeded_and_has_every_chunk():
    plan = delivery_plan(10, duplicate_rate=0.3, crashes=2, seed=5)
    assert plan == delivery_plan(10, duplicate_rate=0.3, crashes=2, seed=5)
    assert plan != delivery_plan(10, duplicate_rate=0.3, crashes=2, seed=6)
    counts = Counter(m["chunk"] for m in plan)
    assert set(counts) == set(range(10)) and sum(counts.values()) == 13
    assert sum(m["crash_after_count"] for m in plan) == 2
    assert [m["chunk"] for m in delivery_plan(4, shuffle=False)] == [0, 1, 2, 3]
    with pytest.raises(ValueError):
        delivery_plan(3, duplicate_rate=1.5)


def test_add_never_loses_an_update_under_concurrency(server):
    """AWS (DynamoDB Developer Guide, atomic counters): "You can use the UpdateItem operation to
    implement an atomic counter ... increments a numeric attribute, unconditionally, without
    interfering with other write requests." Read-modify-write gives no such guarantee: it may
    lose updates, never add any."""
    def client():
        return boto3.client("dynamodb", endpoint_url=server.url, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test")
    ddb, table = client(), run_prefix("t-race")
    ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    try:
        assert race_counter(client, table, "add", "add", threads=6, increments=10) == 60
        assert race_counter(client, table, "rmw", "read-modify-write", threads=6, increments=10) <= 60
        with pytest.raises(ValueError):
            race_counter(client, table, "x", "increment")
    finally:
        ddb.delete_table(TableName=table)
