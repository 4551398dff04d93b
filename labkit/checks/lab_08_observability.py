"""Checks for lab 08 (observability): one correlation id through every hop, the query that
finds a failed request's whole path, and the failed orders found the CloudWatch way.

The learner writes ``lab08_pipeline.py`` (the ``%%writefile`` cell of labs/08_observability.ipynb):
three handlers of an order pipeline, API-style entry -> SQS -> ``orders`` -> SNS -> ``notify``,

  * ``api(event, context)``: an API Gateway-style event (``headers``, ``body`` = the order as
    JSON); sends the order to the queue $ORDERS_QUEUE_URL and answers ``{"statusCode": 202,
    "headers": {"x-correlation-id": id}, ...}``;
  * ``orders(event, context)``: an SQS event; publishes each good order to $ORDER_TOPIC_ARN,
    rejects ``"fail_at": "orders"`` and answers ``{"batchItemFailures": [...]}``;
  * ``notify(event, context)``: an SNS event; sends a confirmation, fails (raises) for
    ``"fail_at": "notify"``;

a query ``request_path(frame, correlation_id)`` over a DataFrame of log events (the columns of
``labkit.lessons.observability_lesson.parse_log_event``), called by the checks through the file's
given ``query(event, context)`` adapter, and (task 4) a CloudWatch Logs filter pattern and a Logs
Insights query for the failed orders, read through the given ``log_queries`` adapter.

The pipeline driver (lab_08_pipeline.py) runs each hop in its own execution environments and
plays the event sources; the simulated runs of tasks 3 and 4 come from lab_08_logs.py. Every
observed/expected a learner can read is written here.

What the checks protect:
  * every line a hop writes is a JSON object with a level, a message and the Lambda request id
    (Powertools Logger ``inject_lambda_context``; Lambda "JSON log format" docs);
  * the id is taken from the caller's ``x-correlation-id`` header or minted once at the edge,
    returned to the caller and sent on as the SQS message attribute ``correlation_id`` (issue 10:
    "API-style entry -> SQS (message attributes)");
  * every log line of a request chain, failures and retries included, carries that chain's id
    and no other, including in a batch that mixes several requests;
  * the query returns every line of a failed request in time order: the lines carrying its id,
    plus the id-less lines (platform.start/report, the runtime's error report) of the
    invocations that handled it, and nothing of the requests that shared a batch with it;
  * task 4, run by the backend itself on a seeded run written into real log groups
    (PutLogEvents): the filter pattern (FilterLogEvents) matches exactly the ERROR lines the
    handlers wrote for the failed orders, and the Insights query (StartQuery) returns exactly
    one row per failed request with its correlation_id; neither may take the look-alikes: the
    runtime's report of an unhandled error, an error logged while an environment starts, a
    retried hiccup logged as a WARNING with its exception;
  * task 5, in lab_08_traces_alarms.py: the rejected orders in X-Ray traces, an error-rate alarm.
"""
from __future__ import annotations

import json
import time
from typing import Any

from botocore.exceptions import ClientError

from labkit.checks.framework import Lab, Mismatch, Scenario
from labkit.checks.lab_08_logs import (
    event_key, failure_logs, hidden_failure_run, hidden_log_run, simulate,
)
from labkit.checks.lab_08_pipeline import (
    DRAIN_DEADLINE_S, HANDLER_TIMEOUT_S, HOPS, Pipeline, order_id_of, request_mix,
)

LAB = Lab(
    "08", "Observability: one id through every hop", handler_file="lab08_pipeline.py",
    notebook="08_observability.ipynb",
    tasks={
        "task-1": "Structured JSON logs from every hop",
        "task-2": "One correlation id from the edge through every hop",
        "task-3": "The full path of a failed request, from its id",
        "task-4": "The failed orders, the CloudWatch way: a filter pattern and an Insights query",
        "task-5": "The failed orders in the traces, and an alarm on the error rate",
    },
    lesson_sections={
        "task-1": "1 · The pipeline and its structured logs",
        "task-2": "7 · Trace one failed order end to end, from one id",
        "task-3": "5 · Logs Insights: one query over every log group",
        "task-4": "3 · The failed orders, found with a filter pattern",
        "task-5": "6 · Traces: one request as a timeline",
    },
)
QUERY_TIMEOUT_S = 30.0       # the query's first call imports pandas
INSIGHTS_DEADLINE_S = 30.0   # a Logs Insights query over a few hundred lines: well under a second


def _line_id(line: Any) -> str | None:
    return line.get("correlation_id") if isinstance(line, dict) else None


def _show(line: Any, limit: int = 160) -> str:
    text = json.dumps(line) if isinstance(line, dict) else repr(line)
    return text if len(text) <= limit else text[:limit] + "..."


PUBLIC_REQUESTS = [
    {"order": {"order_id": "o-1001", "items": 2}, "caller_id": None},
    {"order": {"order_id": "o-1002", "items": 1, "fail_at": "orders"}, "caller_id": "client-7f3a"},
    {"order": {"order_id": "o-1003", "items": 3}, "caller_id": "client-91c2",
     "header": "x-correlation-id"},
    {"order": {"order_id": "o-1004", "items": 1, "fail_at": "notify"}, "caller_id": None},
    {"order": {"order_id": "o-1005", "items": 2}, "caller_id": None},
]


# -- task 1 ------------------------------------------------------------------------------------

@LAB.check("task-1", "json-lines", "every line of every hop is a structured JSON log line",
           points=2,
           hint="Log with Powertools Logger (logger = Logger(); logger.info(...)) instead of "
                "print, and decorate each handler with @logger.inject_lambda_context so every "
                "line carries level, message and function_request_id. Errors too: "
                "logger.exception(...) in the except block.",
           public={"requests": PUBLIC_REQUESTS[:4], "batch": 2},
           hidden=lambda r: {"requests": request_mix(r, r.randint(3, 5), 1, 1, 1),
                             "batch": r.randint(2, 3)})
def json_lines(s: Scenario) -> None:
    pipeline = Pipeline(s)
    pipeline.run(s.params["requests"], s.params["batch"])
    for hop in HOPS:
        request_ids: dict[str, int] = {}
        for number, invocation in enumerate(pipeline.of_hop(hop), start=1):
            lines = invocation["lines"]
            where = f"{hop} invocation {number} (orders {', '.join(invocation['orders'])})"
            s.expect(bool(lines), observed=f"{where} wrote no log line",
                     expected="at least one line per invocation")
            for line in lines:
                s.expect(isinstance(line, dict) and isinstance(line.get("level"), str)
                         and "message" in line,
                         observed=f"{where} wrote {_show(line)}",
                         expected='one JSON object per line with "level" and "message" '
                                  "(Powertools Logger)")
            ids = {line.get("function_request_id") or line.get("requestId") for line in lines}
            s.expect(len(ids) == 1 and None not in ids,
                     observed=f"{where}: request ids {sorted(map(str, ids))} on its lines",
                     expected="every line with the invocation's Lambda request id "
                              "(function_request_id: @logger.inject_lambda_context)")
            request_id = ids.pop()
            s.expect(request_id not in request_ids,
                     observed=f"{where} has the request id of invocation "
                              f"{request_ids.get(request_id)}",
                     expected="each invocation's own request id (context.aws_request_id)")
            request_ids[request_id] = number


# -- task 2 ------------------------------------------------------------------------------------

@LAB.check("task-2", "id-at-the-edge",
           "the api keeps the caller's id or mints one, returns it and queues it as an attribute",
           points=2,
           hint="In api: correlation_id = the x-correlation-id header (any case) or a new "
                "uuid4; return it in the response headers as x-correlation-id and send it as the "
                'SQS message attribute "correlation_id" (DataType String).',
           public={"requests": PUBLIC_REQUESTS},
           hidden=lambda r: {"requests": request_mix(r, r.randint(4, 6), 0, 0, 2, both_cases=True)})
def id_at_the_edge(s: Scenario) -> None:
    pipeline = Pipeline(s)
    returned: dict[str, str] = {}
    for request in s.params["requests"]:
        order_id = request["order"]["order_id"]
        answer = pipeline.place(request["order"], request.get("caller_id"),
                                request.get("header", "X-Correlation-Id"))
        payload = answer.payload if answer.ok and isinstance(answer.payload, dict) else {}
        headers = {str(k).lower(): v for k, v in (payload.get("headers") or {}).items()}
        given = headers.get("x-correlation-id")
        s.expect(isinstance(given, str) and given != "",
                 observed=f"api answered {answer.describe()} for {order_id}",
                 expected='a response with headers {"x-correlation-id": the id}')
        if request.get("caller_id"):
            s.expect(given == request["caller_id"],
                     observed=f"the caller sent {request.get('header', 'X-Correlation-Id')}: "
                              f"{request['caller_id']}; api answered x-correlation-id {given}",
                     expected="the caller's id kept (header names are case-insensitive)")
        returned[order_id] = given
    minted = [v for r in s.params["requests"] if not r.get("caller_id")
              for v in [returned[r["order"]["order_id"]]]]
    s.expect(len(set(returned.values())) == len(returned),
             observed=f"{len(returned)} requests got {len(set(returned.values()))} distinct ids "
                      f"({sorted(set(minted))[:3]}...)",
             expected="a new id for each request without one")
    queued: dict[str, str | None] = {}
    deadline = time.monotonic() + DRAIN_DEADLINE_S
    while len(queued) < len(returned) and time.monotonic() < deadline:
        for message in pipeline.receive(pipeline.queue_url, 10):
            attribute = message.get("MessageAttributes", {}).get("correlation_id", {})
            queued[order_id_of(message["Body"])] = attribute.get("StringValue")
            pipeline.sqs.delete_message(QueueUrl=pipeline.queue_url,
                                        ReceiptHandle=message["ReceiptHandle"])
    s.evidence["returned"], s.evidence["queued"] = returned, queued
    for order_id, correlation_id in returned.items():
        s.expect(order_id in queued, observed=f"order {order_id} never reached the queue",
                 expected="api to send every order to $ORDERS_QUEUE_URL")
        s.expect(queued[order_id] == correlation_id,
                 observed=f"order {order_id} queued with message attribute correlation_id = "
                          f"{queued[order_id]!r}",
                 expected=f"{correlation_id!r}, the id api returned")


@LAB.check("task-2", "same-id-every-hop",
           "every log line of a request chain carries the chain's id, failures included",
           points=3,
           hint="Each hop reads the id where the previous hop put it and calls "
                "logger.set_correlation_id(...) before its first line: orders per record (a "
                "batch mixes requests) from messageAttributes, notify from the SNS message "
                "(attribute or body). orders passes it on when it publishes. Set it in api for "
                "minted ids too: Powertools keeps keys between warm invocations.",
           public={"requests": PUBLIC_REQUESTS, "batch": 3},
           hidden=lambda r: {"requests": request_mix(r, r.randint(4, 7), r.randint(1, 2), 1,
                                                   r.randint(1, 3)),
                             "batch": r.randint(2, 4)})
def same_id_every_hop(s: Scenario) -> None:
    pipeline = Pipeline(s)
    pipeline.run(s.params["requests"], s.params["batch"])
    chain: dict[str, str] = {}
    for invocation in pipeline.of_hop("api"):
        order_id = invocation["orders"][0]
        ids = [_line_id(line) for line in invocation["lines"]]
        s.expect(bool(ids) and ids[0] is not None and len(set(ids)) == 1,
                 observed=f"api's lines for {order_id} carry correlation ids {ids}",
                 expected="every line with the request's one id")
        s.expect(ids[0] not in chain.values(),
                 observed=f"api logged {ids[0]} for {order_id} and for another request",
                 expected="a different id for each request")
        chain[order_id] = ids[0]
    s.evidence["chain_ids"] = chain
    for invocation in pipeline.of_hop("orders"):
        ids = [_line_id(line) for line in invocation["lines"]]
        runs = [i for n, i in enumerate(ids) if n == 0 or ids[n - 1] != i]
        want = [chain.get(order_id) for order_id in invocation["orders"]]
        s.expect(runs == want,
                 observed=f"an orders batch of {', '.join(invocation['orders'])} logged lines "
                          f"whose ids run {runs}",
                 expected=f"{want}: each record's lines with its own request's id, "
                          "in batch order")
    for invocation in pipeline.of_hop("notify"):
        order_id = invocation["orders"][0]
        ids = [_line_id(line) for line in invocation["lines"]]
        s.expect(bool(ids) and set(ids) == {chain.get(order_id)},
                 observed=f"notify's lines for {order_id} carry ids {sorted(map(str, set(ids)))}"
                          + ("" if invocation["result"]["status"] == "ok" else " (a failure)"),
                 expected=f"only {chain.get(order_id)}, the id api gave that request")


# -- task 3 ------------------------------------------------------------------------------------

@LAB.check("task-3", "failed-request-path",
           "the query returns every line of a failed request, in order, and nothing else",
           points=3,
           hint="Lines with the correlation id give you the Lambda request ids of the "
                "invocations that handled the request; add the lines WITHOUT a correlation id "
                "that carry one of those request ids (platform.start/report, the runtime's "
                "error report), not other requests' lines from a shared batch, then sort by "
                "time (log groups and streams arrive one after the other).",
           public={"seed": 8, "requests": 6, "batch": 3,
                   "failures": {"2": "notify", "4": "orders"}, "ask": 2,
                   "group_order": sorted(HOPS)},
           hidden=hidden_log_run)
def failed_request_path(s: Scenario) -> None:
    run, ids = simulate(s.params)
    correlation_id = ids[s.params["ask"]]
    want = run.path(correlation_id)
    fn = s.function({"LABKIT_HANDLER_NAME": "query"}, timeout_s=QUERY_TIMEOUT_S)
    answer = fn.invoke({"log_groups": run.log_groups(s.params["group_order"]),
                        "correlation_id": correlation_id})
    s.evidence.update(asked=correlation_id, expected_event_ids=want, answer=answer.as_evidence())
    got = answer.payload if answer.ok else None
    s.expect(isinstance(got, list), observed=f"the query answered {answer.describe()[:300]}",
             expected="request_path(frame, correlation_id) to return rows of the frame (with its event_id column)")
    got = [str(e) for e in got]
    messages = {e["eventId"]: e["message"] for events in run.log_groups(list(HOPS)).values()
                for e in events}
    missing = [e for e in want if e not in got]
    s.expect(not missing, observed=f"{len(missing)} of the request's {len(want)} lines missing, "
             f"e.g. {messages.get(missing[0], '?')[:120] if missing else ''}",
             expected="every line with its id, and the id-less lines of its invocations")
    extra = [e for e in got if e not in want]
    s.expect(not extra, observed=f"{len(extra)} lines that are not the request's, e.g. "
             f"{messages.get(extra[0], extra[0] if extra else '')[:160] if extra else ''}",
             expected=f"only the {len(want)} lines of request {correlation_id}")
    twice = [e for e in dict.fromkeys(got) if got.count(e) > 1]
    s.expect(not twice, f"lines given more than once, e.g. {messages.get(twice[0] if twice else '', '?')[:120]}",
             "each of the request's lines once")
    s.expect(got == want, observed="the right lines in another order (first out of place: "
             f"{messages.get(next((g for g, w in zip(got, want) if g != w), ''), '')[:120]})",
             expected="time order, across log groups and streams")


# -- task 4 ------------------------------------------------------------------------------------

PUBLIC_FAILURE_RUN = {"seed": 21, "requests": 6, "batch": 3,
                      "failures": {"1": "orders", "4": "notify"}, "hiccups": [2],
                      "init_error_hop": "orders"}


def _learner_logs_queries(s: Scenario) -> dict[str, str]:
    """The pattern and the query of the learner's file, through its given adapter."""
    answer = s.function({"LABKIT_HANDLER_NAME": "log_queries"},
                        timeout_s=HANDLER_TIMEOUT_S).invoke({})
    got = answer.payload if answer.ok and isinstance(answer.payload, dict) else {}
    s.expect(all(isinstance(got.get(key), str) for key in ("pattern", "query")),
             observed=f"log_queries answered {answer.describe()[:200]}",
             expected="the given log_queries(event, context) to return your pattern and your "
                      "query, as strings")
    s.evidence["asked"] = got
    return got


@LAB.check("task-4", "failed-orders-pattern",
           "the filter pattern matches every error line of the failed orders, and nothing else",
           points=2,
           hint="A JSON pattern with two conditions joined by &&: the level, and a field that "
                "only the lines your handlers write while handling a request carry, the "
                "correlation id ({ $.some_field = * } matches any value of a field that is "
                "there). The runtime's report of an unhandled error and an error logged while a "
                "function starts are ERROR lines of no order; a retried hiccup is a WARNING.",
           public=PUBLIC_FAILURE_RUN, hidden=hidden_failure_run)
def failed_orders_pattern(s: Scenario) -> None:
    pattern = _learner_logs_queries(s)["pattern"]
    run, failed, written, groups = failure_logs(s)
    logs, matched = s.client("logs"), []
    try:
        for group in groups:
            for page in logs.get_paginator("filter_log_events").paginate(
                    logGroupName=group, filterPattern=pattern):
                matched += [(written.get(event_key(group, e)), e["message"])
                            for e in page["events"]]
    except ClientError as error:
        raise Mismatch(f"FilterLogEvents refused the pattern {pattern!r}: "
                       f"{error.response['Error'].get('Message', '')}",
                       "a valid CloudWatch Logs filter pattern") from None
    want = run.handler_errors
    messages = {e["eventId"]: e["message"] for events in run.log_groups(list(HOPS)).values()
                for e in events}
    s.evidence.update(matched=len(matched), expected_lines=len(want))
    missing = [e for e in want if e not in {event_id for event_id, _ in matched}]
    where = failed.get(next(iter(run.owners.get(missing[0], {""})), ""), "?") if missing else ""
    s.expect(not missing,
             observed=f"{len(missing)} of the {len(want)} error lines of the failed orders not "
                      f"matched, e.g. (an order that failed in {where}) "
                      f"{_show(messages.get(missing[0], '')) if missing else ''}",
             expected="every ERROR line your handlers wrote for an order that failed, in "
                      "whichever hop it failed")
    extra = [message for event_id, message in matched if event_id not in want]
    s.expect(not extra,
             observed=f"{len(extra)} matched lines that are no failed order's error line, "
                      f"e.g. {_show(extra[0]) if extra else ''}",
             expected=f"only the {len(want)} error lines of the {len(failed)} failed orders")


@LAB.check("task-4", "failed-orders-query",
           "the Insights query returns one row per failed request, with its correlation id",
           points=2,
           hint="filter the lines the pattern finds (level = \"ERROR\" and "
                "ispresent(correlation_id)), then stats count(*) as error_lines by "
                "correlation_id: one row per request, however many times it failed. Without "
                "the ispresent(...), the ERROR lines of no request make a row with no id.",
           public=PUBLIC_FAILURE_RUN, hidden=hidden_failure_run)
def failed_orders_query(s: Scenario) -> None:
    query = _learner_logs_queries(s)["query"]
    _, failed, _, groups = failure_logs(s)
    logs, now = s.client("logs"), int(time.time())
    try:
        query_id = logs.start_query(logGroupNames=groups, queryString=query,
                                    startTime=now - 300, endTime=now + 60)["queryId"]
    except ClientError as error:
        raise Mismatch(f"StartQuery refused the query: "
                       f"{error.response['Error'].get('Message', '')}",
                       "a valid Logs Insights query") from None
    deadline = time.monotonic() + INSIGHTS_DEADLINE_S
    result = logs.get_query_results(queryId=query_id)
    while result["status"] in ("Scheduled", "Running") and time.monotonic() < deadline:
        time.sleep(0.1)
        result = logs.get_query_results(queryId=query_id)
    s.expect(result["status"] == "Complete",
             observed=f"the query ended with status {result['status']}",
             expected=f"Complete within {INSIGHTS_DEADLINE_S:.0f} s")
    rows = [{f["field"]: f["value"] for f in row if f["field"] != "@ptr"}
            for row in result["results"]]
    s.evidence["rows"] = rows[:40]
    got = [row.get("correlation_id") for row in rows]
    missing = [cid for cid in failed if cid not in got]
    s.expect(not missing,
             observed=f"{len(missing)} of the {len(failed)} failed requests not in the result, "
                      f"e.g. {missing[0] if missing else ''} (it failed in "
                      f"{failed[missing[0]] if missing else ''}); {len(rows)} rows in all",
             expected="a row for every failed request, its id in the field correlation_id")
    no_id = [row for row in rows if not row.get("correlation_id")]
    s.expect(not no_id,
             observed=f"{len(no_id)} rows without a correlation_id, e.g. "
                      f"{no_id[0] if no_id else ''}",
             expected="only rows of failed requests, each with its correlation_id")
    extra = sorted({cid for cid in got if cid and cid not in failed})
    s.expect(not extra,
             observed=f"{len(extra)} requests in the result that did not fail, e.g. "
                      f"{extra[0] if extra else ''}",
             expected=f"only the {len(failed)} failed requests")
    twice = sorted({cid for cid in got if got.count(cid) > 1})
    s.expect(not twice,
             observed=f"request {twice[0] if twice else ''} in "
                      f"{got.count(twice[0]) if twice else 0} rows",
             expected="one row per failed request (a failed request is retried: it has "
                      "several error lines)")


from labkit.checks import lab_08_traces_alarms  # noqa: E402,F401  task 5's checks (it imports LAB)
