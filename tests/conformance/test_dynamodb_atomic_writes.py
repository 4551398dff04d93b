"""DynamoDB single-item writes are atomic under concurrency (patch dynamodb_atomic_writes)."""
from __future__ import annotations

import os
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.config import Config

from labkit.emulator.server import ServerProcess
from tests.conformance import dynamodb_tables
from tests.conftest import client_factory

THREADS = 8


@pytest.fixture(scope="module")
def busy_aws(tmp_path_factory, request):
    """A backend whose threads switch as often as on a loaded lab server.

    Python switches threads every 5 ms by default, so a request rarely gets interrupted
    halfway; a lab server also running Lambda workers and pollers switches far more often.
    A tiny switch interval (set by a sitecustomize in the server's own process) reproduces
    that, so a missing lock shows up in every run instead of one run in three.
    Against an external backend (TEST_ENDPOINT_URL, e.g. LocalStack) the test runs there.
    """
    external = os.environ.get("TEST_ENDPOINT_URL")
    if external:
        yield client_factory(external)
        return
    if os.environ.get("LABKIT_TEST_BACKEND"):   # measuring another backend: that one
        yield client_factory(request.getfixturevalue("server").url)
        return
    site = tmp_path_factory.mktemp("busy-site")
    (site / "sitecustomize.py").write_text("import sys\nsys.setswitchinterval(1e-5)\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), *sys.path]))
    with ServerProcess(env=env) as busy:
        yield client_factory(busy.url)


@pytest.fixture(scope="module")
def table(ddb):
    with dynamodb_tables.table(ddb, "atomic") as name:
        yield name


def _clients(aws, n):
    # one client per thread: boto3 clients are not meant to be shared across threads
    cfg = Config(retries={"max_attempts": 10, "mode": "standard"})
    return [aws("dynamodb", config=cfg) for _ in range(n)]


def _run_together(workers):
    """Start every worker at the same moment (a barrier) and return their results in order."""
    barrier = threading.Barrier(len(workers))

    def run(worker):
        barrier.wait()
        return worker()

    with ThreadPoolExecutor(len(workers)) as pool:
        return list(pool.map(run, workers))


def test_counter_increments_from_8_threads_are_never_lost(busy_aws):
    """AWS: "UpdateExpression 'ADD c :one' / 'SET c = c + :one' are atomic per item"
    (DynamoDB Developer Guide, "Atomic counters": "the
    counter increments each time you call UpdateItem"). 8 threads x 125 ADDs = 1000."""
    table = dynamodb_tables.create_table(busy_aws("dynamodb"), "atomic")
    _increment_from_threads(busy_aws, table, "ADD n :one")


def test_set_plus_increments_from_8_threads_are_never_lost(aws, table):
    """AWS: updates to one item are atomic, so 'SET c = c + :one' loses nothing (DynamoDB
    Developer Guide, "Atomic counters")."""
    _increment_from_threads(aws, table, "SET n = if_not_exists(n, :zero) + :one")


def _increment_from_threads(aws, table, expression):
    per_thread = 125
    key = {"pk": {"S": f"counter-{uuid.uuid4().hex[:6]}"}}
    clients = _clients(aws, THREADS)

    def incrementer(client):
        def work():
            for _ in range(per_thread):
                client.update_item(TableName=table, Key=key, UpdateExpression=expression,
                                   ExpressionAttributeValues={":one": {"N": "1"}, ":zero": {"N": "0"}}
                                   if "if_not_exists" in expression else {":one": {"N": "1"}})
        return work

    _run_together([incrementer(c) for c in clients])
    item = clients[0].get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert int(item["n"]["N"]) == THREADS * per_thread


def test_concurrent_conditional_puts_have_exactly_one_winner(aws, table):
    """AWS: a put with ConditionExpression 'attribute_not_exists(pk)' on an existing item
    "fails with ConditionalCheckFailedException 'The conditional request failed'"
    (DynamoDB Developer Guide, "Condition expressions").
    So when several writers race to create the same key, exactly one succeeds."""
    rounds = 25
    clients = _clients(aws, THREADS)
    for round_no in range(rounds):
        key = f"claim-{round_no}-{uuid.uuid4().hex[:6]}"

        def claimer(client, writer):
            def work():
                try:
                    client.put_item(TableName=table, Item={"pk": {"S": key}, "writer": {"N": str(writer)}},
                                    ConditionExpression="attribute_not_exists(pk)")
                    return "won"
                except client.exceptions.ConditionalCheckFailedException:
                    return "lost"
            return work

        outcomes = _run_together([claimer(c, i) for i, c in enumerate(clients)])
        assert outcomes.count("won") == 1, f"round {round_no}: {outcomes}"
        assert outcomes.count("lost") == THREADS - 1
