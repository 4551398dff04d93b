"""Lesson 04's helpers: chunking, the pandas reference, combining partials, delivery plans,
the counter race, and the plumbing around a nightly job (uploading chunks, sending its
messages, reading its outcome back, the speedup table)."""
from __future__ import annotations

import csv
import io
import json
import time
from collections import Counter

import boto3
import pandas as pd
import pytest

from labkit.lessons import run_prefix
from labkit.lessons.fan_in_lesson import (COLUMNS, TOTALS, combine, csv_chunks, delivery_plan,
                                          handed_out_again, job_outcome, race_counter,
                                          reference_totals, rerun_if_handed_out_again,
                                          send_json_messages, sequential_baseline, speedup_row,
                                          totals_frame, upload_chunks)
from labkit.lessons.tables import make_table

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


# ---- the plumbing and the speedup table ----------------------------------------------------

def _run(lines, duplicate_rate=0.0, **more):
    return {"lines": pd.DataFrame(lines), "duplicate_rate": duplicate_rate, **more}


def test_a_chunk_counted_twice_on_a_clean_night_was_handed_out_again():
    twice = [{"kind": "counted", "chunk": 0}, {"kind": "counted", "chunk": 1},
             {"kind": "counted", "chunk": 0}]
    once = [{"kind": "counted", "chunk": 0}, {"kind": "duplicate", "chunk": 0},
            {"kind": "aggregated", "chunk": None}]
    assert handed_out_again(_run(twice))
    assert not handed_out_again(_run(once))
    assert not handed_out_again(_run(twice, duplicate_rate=0.25))   # planned duplicates


def test_a_night_is_run_again_at_most_twice_while_it_was_not_clean(capsys):
    dirty = _run([{"kind": "counted", "chunk": 3}, {"kind": "counted", "chunk": 3}])
    clean = _run([{"kind": "counted", "chunk": 3}])
    nights = iter([dirty, clean])
    assert rerun_if_handed_out_again(lambda: next(nights)) == [dirty, clean]
    assert "running it again" in capsys.readouterr().out
    assert len(rerun_if_handed_out_again(lambda: dirty)) == 3
    assert rerun_if_handed_out_again(lambda: clean) == [clean]


def test_speedup_row_divides_the_baseline_by_the_wall_time_and_counts_the_job_s_cold_starts():
    run = {"completion": "idempotent", "chunk_rows": 25_000, "chunks": 14, "concurrency": 4,
           "duplicate_rate": 0.0, "wall_s": 4.0, "finished": 1_000.0, "aggregations": 1,
           "exact": True}
    reports = pd.DataFrame({"timestamp": pd.to_datetime([999.0, 1000.5, 1003.0], unit="s"),
                            "cold": [True, True, True]})
    row = speedup_row(run, baseline_s=6.0, reports=reports)
    assert row["speedup"] == pytest.approx(1.5)
    assert row["cold starts"] == 2            # the one 2 s after the job is not the job's
    assert (row["one process (s)"], row["fan-out (s)"]) == (6.0, 4.0)


def test_the_sequential_baseline_runs_the_chunk_work_and_checks_its_answer():
    assert sequential_baseline(_chunk_totals, FRAME, 3, reference_totals(FRAME)) >= 0
    with pytest.raises(AssertionError):
        sequential_baseline(lambda text: {}, FRAME, 3, reference_totals(FRAME))


@pytest.fixture
def clients(server):
    kw = dict(endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="test",
              aws_secret_access_key="test")
    return {name: boto3.client(name, **kw) for name in ("s3", "sqs", "dynamodb", "logs")}


def test_chunks_are_uploaded_once_per_chunk_size(clients):
    s3, bucket = clients["s3"], run_prefix("t-chunks")
    s3.create_bucket(Bucket=bucket)
    keys = upload_chunks(s3, bucket, FRAME, 3)
    assert keys == [f"flights/rows-3/chunk-{i:05d}.csv" for i in range(3)]
    assert s3.get_object(Bucket=bucket, Key=keys[0])["Body"].read().decode() == csv_chunks(FRAME, 3)[0]
    s3.delete_object(Bucket=bucket, Key=keys[1])
    s3.put_object(Bucket=bucket, Key=keys[0], Body=b"left alone")
    assert upload_chunks(s3, bucket, FRAME, 3) == keys     # only the missing chunk goes up again
    assert s3.get_object(Bucket=bucket, Key=keys[0])["Body"].read() == b"left alone"
    assert s3.get_object(Bucket=bucket, Key=keys[1])["Body"].read().decode() == csv_chunks(FRAME, 3)[1]


def test_messages_are_sent_in_batches_of_ten_in_order(clients):
    sqs = clients["sqs"]
    url = sqs.create_queue(QueueName=run_prefix("t-send"))["QueueUrl"]
    send_json_messages(sqs, url, [{"n": n} for n in range(23)])
    got = []
    while True:
        page = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not page:
            break
        got += [json.loads(m["Body"])["n"] for m in page]
    assert sorted(got) == list(range(23))


def _log(logs, function, lines, at):
    group, stream = f"/aws/lambda/{function}", "2026/01/01/[$LATEST]abc"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
        {"timestamp": int(at * 1000) + i, "message": json.dumps(line)} for i, line in enumerate(lines)])


def test_a_job_s_outcome_is_read_from_its_log_lines_and_its_final_item(clients):
    ddb, logs = clients["dynamodb"], clients["logs"]
    results, function = make_table(ddb, run_prefix("t-results"), "job", "part"), run_prefix("t-worker")
    started = time.time()
    partials = [_chunk_totals(c) for c in csv_chunks(FRAME, 4)]
    ddb.put_item(TableName=results, Item={"job": {"S": "j1"}, "part": {"S": "final"},
                                          "result": {"S": json.dumps(combine(partials[:1]))}})
    _log(logs, function, [
        {"t": started + 1, "kind": "counted", "job": "j1", "chunk": 0, "counter": 1},
        {"t": started + 2, "kind": "counted", "job": "j1", "chunk": 0, "counter": 2},
        {"t": started + 2.5, "kind": "aggregated", "job": "j1", "chunks_included": 1},
        {"t": started + 3, "kind": "counted", "job": "other", "chunk": 0, "counter": 1}], started)
    outcome = job_outcome(logs, ddb, function, results, "j1", deliveries=2, started=started,
                          reference=reference_totals(FRAME))
    assert outcome["aggregations"] == 1
    assert outcome["first_aggregation_s"] == pytest.approx(2.5)
    assert not outcome["exact"]                  # the aggregation saw one chunk of two
    assert outcome["result"].equals(totals_frame(partials[0]))
    assert list(outcome["lines"]["t"]) == pytest.approx([1, 2, 2.5])   # this job's, relative
    ddb.put_item(TableName=results, Item={"job": {"S": "j1"}, "part": {"S": "final"},
                                          "result": {"S": json.dumps(combine(partials))}})
    assert job_outcome(logs, ddb, function, results, "j1", 2, started, reference_totals(FRAME))["exact"]
