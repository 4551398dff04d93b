"""Helpers for lesson 04 (fan-out / fan-in): chunking the flights file, the single-process
reference answer, seeded delivery plans (duplicates, reordering, crashes) and a counter race.

The per-chunk aggregate is the same everywhere: per carrier, the number of flights, how many
have a departure (and arrival) delay, the total of those delays in minutes and the total
distance. Every value is an integer, so the fanned-out answer must equal pandas *exactly*.
"""
from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

COLUMNS = ["carrier", "origin", "dest", "dep_delay", "arr_delay", "distance"]
TOTALS = ["flights", "dep_delay_known", "dep_delay_total", "arr_delay_known", "arr_delay_total",
          "distance_total"]


def csv_chunks(frame: pd.DataFrame, chunk_rows: int) -> list[str]:
    """The frame as CSV text (COLUMNS only), cut into chunks of ``chunk_rows`` rows, each
    with the header line. Serialised once and split as text: quick even for 336,776 rows."""
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    header, *lines = frame[COLUMNS].to_csv(index=False).splitlines()
    return [header + "\n" + "\n".join(lines[i:i + chunk_rows]) + "\n"
            for i in range(0, len(lines), chunk_rows)]


def reference_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """The single-process answer: one pandas groupby over the whole frame."""
    grouped = frame.groupby("carrier")
    result = pd.DataFrame({
        "flights": grouped.size(),
        "dep_delay_known": grouped["dep_delay"].count(),
        "dep_delay_total": grouped["dep_delay"].sum(),
        "arr_delay_known": grouped["arr_delay"].count(),
        "arr_delay_total": grouped["arr_delay"].sum(),
        "distance_total": grouped["distance"].sum(),
    })
    return result[TOTALS].round().astype("int64").sort_index()


def totals_frame(per_carrier: dict[str, dict[str, int]]) -> pd.DataFrame:
    """{carrier: {total: n}} (what the workers write) as a frame comparable with the reference."""
    frame = pd.DataFrame.from_dict(per_carrier, orient="index")
    frame = frame.reindex(columns=TOTALS).fillna(0).astype("int64").sort_index()
    frame.index.name = "carrier"
    return frame


def combine(partials: list[dict[str, dict[str, int]]]) -> dict[str, dict[str, int]]:
    """Add up per-chunk results: what the aggregation step does."""
    total: dict[str, dict[str, int]] = {}
    for partial in partials:
        for carrier, values in partial.items():
            into = total.setdefault(carrier, dict.fromkeys(TOTALS, 0))
            for key in TOTALS:
                into[key] += int(values.get(key, 0))
    return total


def delivery_plan(n_chunks: int, duplicate_rate: float = 0.0, crashes: int = 0,
                  shuffle: bool = True, seed: int | str = 0) -> list[dict]:
    """The messages a splitter sends for one job, as at-least-once delivery hands them out.

    Every chunk once, plus ``round(duplicate_rate * n_chunks)`` chunks sent a second time
    (a producer retry), in a seeded random order; ``crashes`` distinct chunks carry
    ``"crash_after_count": True`` on their first copy: the worker dies after updating the
    counter, before the message is deleted, so SQS delivers it again.
    """
    if not 0 <= duplicate_rate <= 1:
        raise ValueError("duplicate_rate is a fraction between 0 and 1")
    rng = random.Random(f"delivery:{seed}")
    duplicated = rng.sample(range(n_chunks), round(duplicate_rate * n_chunks))
    crashing = set(rng.sample(range(n_chunks), min(crashes, n_chunks)))
    plan = [{"chunk": i, "crash_after_count": i in crashing} for i in range(n_chunks)]
    plan += [{"chunk": i, "crash_after_count": False} for i in duplicated]
    if shuffle:
        rng.shuffle(plan)
    return plan


def race_counter(make_client, table: str, key: str, method: str, threads: int = 8,
                 increments: int = 25) -> int:
    """``threads`` threads each add 1 to item ``key`` ``increments`` times; return the final count.

    method "read-modify-write": GetItem, then PutItem with count + 1 (the classic lost update);
           "add": UpdateItem ADD count :one (atomic in DynamoDB).
    ``make_client()`` returns a new DynamoDB client (boto3 clients are not shared across threads).
    """
    if method not in ("read-modify-write", "add"):
        raise ValueError(f"unknown method {method!r}")
    setup = make_client()
    setup.put_item(TableName=table, Item={"pk": {"S": key}, "count": {"N": "0"}})
    start = threading.Barrier(threads)

    def worker() -> None:
        ddb = make_client()
        start.wait()  # everyone starts together: the race is the point
        for _ in range(increments):
            if method == "add":
                ddb.update_item(TableName=table, Key={"pk": {"S": key}},
                                UpdateExpression="ADD #c :one",
                                ExpressionAttributeNames={"#c": "count"},
                                ExpressionAttributeValues={":one": {"N": "1"}})
            else:
                item = ddb.get_item(TableName=table, Key={"pk": {"S": key}})["Item"]
                ddb.put_item(TableName=table, Item={
                    "pk": {"S": key}, "count": {"N": str(int(item["count"]["N"]) + 1)}})

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(worker) for _ in range(threads)]:
            future.result()
    final = setup.get_item(TableName=table, Key={"pk": {"S": key}}, ConsistentRead=True)["Item"]
    return int(final["count"]["N"])
