"""Lesson 08's helpers beyond drawing (labkit.lessons.observability_experiments and the widget's
follow-up in observability_figures), on hand-made rows, documents and fake clients: the waits
stop on the right condition, and the tallies read the shapes the AWS APIs return."""
from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from labkit.lessons import observability_experiments as obs  # noqa: E402
from labkit.lessons import observability_figures  # noqa: E402
from labkit.lessons.observability_lesson import EVENT_COLUMNS  # noqa: E402
from labkit.lessons.traces import summary_table, trace_timeline  # noqa: E402

T = 1_700_000_000.0


def _lines(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame([{**dict.fromkeys(EVENT_COLUMNS), **row} for row in rows], columns=EVENT_COLUMNS)


# -- orders ------------------------------------------------------------------------------------
class _Throttled(Exception):
    pass


class _Lambda:
    class exceptions:
        TooManyRequestsException = _Throttled


class _Pipeline:
    def __init__(self, throttled=(), outcomes=None):
        self.throttled, self.outcomes, self.asked = set(throttled), outcomes or {}, []

    def place_order(self, order, correlation_id=None, lam=None):
        if order["order_id"] in self.throttled:
            raise _Throttled()
        return "c-" + order["order_id"]

    def outcome(self, correlation_id, fail_at):
        self.asked.append((correlation_id, fail_at))
        return self.outcomes.get(correlation_id)


def test_place_at_once_keeps_the_orders_that_were_taken():
    orders = [{"order_id": f"b-{i}"} for i in range(4)]
    taken = obs.place_at_once(_Pipeline(throttled={"b-1", "b-3"}), orders, lam=_Lambda())
    assert list(taken.columns) == ["order_id", "fail_at", "correlation_id"]
    assert list(taken["order_id"]) == ["b-0", "b-2"] and list(taken["correlation_id"]) == ["c-b-0", "c-b-2"]
    assert taken["fail_at"].isna().all()


def test_place_at_once_with_every_order_throttled_is_an_empty_frame_with_its_columns():
    taken = obs.place_at_once(_Pipeline(throttled={"b-0"}), [{"order_id": "b-0"}], lam=_Lambda())
    assert taken.empty and list(taken.columns) == ["order_id", "fail_at", "correlation_id"]


def test_wait_for_outcomes_answers_in_the_frames_order_and_passes_fail_at():
    pipeline = _Pipeline(outcomes={"c1": "SUCCEEDED", "c2": "dead-lettered"})
    orders = pd.DataFrame({"order_id": ["o-1", "o-2"], "correlation_id": ["c1", "c2"],
                           "fail_at": [None, "orders"]})
    assert obs.wait_for_outcomes(pipeline, orders, timeout=1) == ["SUCCEEDED", "dead-lettered"]
    assert ("c2", "orders") in pipeline.asked


def test_wait_for_outcomes_names_the_order_that_never_settled():
    orders = pd.DataFrame({"order_id": ["o-9"], "correlation_id": ["c9"], "fail_at": [None]})
    with pytest.raises(TimeoutError, match="order o-9 to settle"):
        obs.wait_for_outcomes(_Pipeline(), orders, timeout=0.1)


# -- logs --------------------------------------------------------------------------------------
def test_wait_for_failure_lines_returns_once_missing_failure_lines_is_satisfied():
    placed = pd.DataFrame({"correlation_id": ["o-3", "o-5"], "fail_at": ["fulfil", "orders"]})
    complete = _lines({"correlation_id": "o-3", "request_id": "f1"}, {"correlation_id": None, "request_id": "f1"},
                      {"correlation_id": "o-5", "request_id": "r1"})
    calls = {"n": 0}

    def find(pattern):
        if pattern == obs.PICKED_UP:
            return _lines({"correlation_id": "o-5", "request_id": "r1"})
        if pattern == obs.TIMED_OUT:
            return _lines()
        calls["n"] += 1
        return complete if calls["n"] > 1 else complete.iloc[:1]   # the runtime's line comes late

    errors = obs.wait_for_failure_lines(find, '{ $.level = "ERROR" }', placed, timeout=5)
    assert len(errors) == 3 and calls["n"] == 2


def test_wait_for_failure_lines_says_what_was_missing():
    placed = pd.DataFrame({"correlation_id": ["o-3"], "fail_at": ["fulfil"]})
    with pytest.raises(TimeoutError, match="o-3: no line of fulfil's failure"):
        obs.wait_for_failure_lines(lambda pattern: _lines(), "{ }", placed, timeout=0.1)


def test_hops_are_ordered_by_the_time_their_handlers_wrote_the_lines():
    one = _lines({"function": "notify", "fields": {"timestamp": "2026-01-01 10:00:02,000+0000"}},
                 {"function": "api", "fields": {"timestamp": "2026-01-01 10:00:00,500+0000"}},
                 {"function": "orders", "fields": {"timestamp": "2026-01-01 10:00:01,000+0000"}},
                 {"function": "api", "fields": {"timestamp": "2026-01-01 10:00:00,900+0000"}})
    assert obs.hops_in_written_order(one) == ["api", "orders", "notify"]


def test_whole_request_merges_both_queries_in_time_order_with_one_text_per_line():
    path = pd.DataFrame({"@timestamp": ["2026-01-01 10:00:00.100", "2026-01-01 10:00:00.300"],
                         "@log": ["/aws/lambda/l08-x-api", "/aws/lambda/l08-x-fulfil"],
                         "level": ["INFO", "ERROR"], "message": ["order received", "out of stock"]})
    platform = pd.DataFrame({"@timestamp": ["2026-01-01 10:00:00.200", "2026-01-01 10:00:00.400"],
                             "@log": ["/aws/lambda/l08-x-api", "/aws/lambda/l08-x-fulfil"],
                             "type": ["platform.report", ""], "errorType": ["", "OutOfStock"],
                             "record.metrics.durationMs": ["12.5", ""]})
    whole = obs.whole_request(path, platform, "l08-x", "emulated")
    assert list(whole.columns) == ["@timestamp", "@log", "line", "duration ms (emulated)"]
    assert list(whole["line"]) == ["INFO order received", "platform.report", "ERROR out of stock", "OutOfStock"]
    assert list(whole["@log"]) == ["api", "api", "fulfil", "fulfil"]


def test_report_durations_are_numbers_with_the_cold_start_share():
    reports = pd.DataFrame({"@log": ["/aws/lambda/p-api", "/aws/lambda/p-orders"], "invocations": ["10", "4"],
                            "cold_starts": ["3", "1"], "p95_ms": ["120.5", "80"]})
    durations = obs.report_durations(reports, "p")
    assert list(durations.index) == ["api", "orders"]
    assert durations.loc["api", "cold_start_%"] == 30 and durations.loc["orders", "p95_ms"] == 80.0


# -- metrics -----------------------------------------------------------------------------------
class _CloudWatch:
    def __init__(self, metrics, sums):
        self.metrics, self.sums, self.asked = metrics, sums, []

    def list_metrics(self, Namespace):
        return {"Metrics": self.metrics}

    def get_metric_statistics(self, **request):
        self.asked.append(request)
        key = (request["MetricName"], json.dumps(request["Dimensions"], sort_keys=True))
        return {"Datapoints": [{"Sum": s} for s in self.sums.get(key, [])]}


def test_metric_totals_tell_a_metric_filter_from_emf_and_count_a_repeated_listing_once():
    emf = {"MetricName": "OrdersFailed", "Dimensions": [{"Name": "service", "Value": "orders"}]}
    from_filter = {"MetricName": "FailedOrderLines", "Dimensions": []}
    cloudwatch = _CloudWatch([emf, from_filter, from_filter], {
        ("OrdersFailed", json.dumps(emf["Dimensions"])): [1, 1], ("FailedOrderLines", "[]"): [2, 2]})
    totals = obs.metric_totals(cloudwatch, "Shop/x", since=T).set_index("metric")
    assert totals.loc["OrdersFailed", "from"] == "code (EMF)" and totals.loc["OrdersFailed", "sum"] == 2
    assert totals.loc["FailedOrderLines", "from"] == "logs (metric filter)"
    assert totals.loc["FailedOrderLines", "sum"] == 4 and len(cloudwatch.asked) == 2


@pytest.mark.parametrize("counts, agree", [
    ((4, 4, 4, 0), True),
    ((3, 4, 4, 1), True),      # one line's invocation timed out: its EMF line was never written
    ((3, 4, 4, 0), False),     # an EMF datapoint still missing
    ((4, 3, 4, 0), False),     # the metric filter has not counted the last line yet
    ((5, 4, 4, 0), False),     # EMF counted a line the pattern does not find (yet)
])
def test_counts_agree(counts, agree):
    assert obs.counts_agree(*counts) is agree


def test_lambda_metrics_table_has_one_row_per_function():
    cloudwatch = _CloudWatch([], {("Errors", json.dumps([{"Name": "FunctionName", "Value": "p-fulfil"}])): [1, 2]})
    table = obs.lambda_metrics_table(cloudwatch, {"api": "p-api", "fulfil": "p-fulfil"}, ("Invocations", "Errors"),
                                     since=T)
    assert table.loc["fulfil", "Errors"] == 3 and table.loc["api", "Errors"] == 0
    assert list(table.columns) == ["Invocations", "Errors"]


def test_first_alarm_reason_reads_the_first_transition_to_alarm():
    class History:
        def describe_alarm_history(self, **request):
            assert request["HistoryItemType"] == "StateUpdate"
            states = [("OK", "fine"), ("ALARM", "Threshold Crossed: 50.0 > 10.0"), ("ALARM", "later")]
            return {"AlarmHistoryItems": [{"HistoryData": json.dumps({"newState": {
                "stateValue": value, "stateReason": reason}})} for value, reason in states]}

    assert obs.first_alarm_reason(History(), "p-rate") == "Threshold Crossed: 50.0 > 10.0"


def test_wait_for_pages_waits_until_every_alarm_has_paged_alarm():
    pages = [{"alarm": "a", "to": "OK"}, {"alarm": "a", "to": "ALARM"}, {"alarm": "b", "to": "ALARM"}]

    class Pager:
        read = 0

        def read_pager(self):
            self.read += 1
            return pd.DataFrame(pages[:self.read], columns=["alarm", "to"])

    pager = Pager()
    assert len(obs.wait_for_pages(pager, {"a", "b"}, timeout=10)) == 3 and pager.read == 3


# -- traces ------------------------------------------------------------------------------------
def _api_trace(trace_id: str, order: str, cold: bool, slow_call_s: float = 0.0) -> list[dict]:
    subs = [{"id": f"h-{trace_id}", "name": "## api", "start_time": T + 0.5, "end_time": T + 0.6 + slow_call_s,
             "subsegments": [{"id": f"p-{trace_id}", "name": "price-order", "start_time": T + 0.5,
                              "end_time": T + 0.55 + slow_call_s}]}]
    if cold:
        subs.insert(0, {"id": f"i-{trace_id}", "name": "Init", "start_time": T + 0.02, "end_time": T + 0.45})
    return [{"id": f"L-{trace_id}", "name": "p-api", "origin": "AWS::Lambda", "start_time": T,
             "end_time": T + 0.61 + slow_call_s},
            {"id": f"F-{trace_id}", "name": "p-api", "origin": "AWS::Lambda::Function",
             "parent_id": f"L-{trace_id}", "start_time": T + 0.02, "end_time": T + 0.6 + slow_call_s,
             "subsegments": subs}]


def _summary(trace_id: str, response_s: float, order: str) -> dict:
    return {"Id": trace_id, "ResponseTime": response_s, "Duration": response_s, "ServiceIds": [{"Name": "p-api"}],
            "Annotations": {"order_id": [{"AnnotationValue": {"StringValue": order}}]}}


def test_api_front_marks_cold_traces_and_the_orders_placed_one_at_a_time():
    traces = {"1-a": _api_trace("1-a", "o-001", cold=True), "1-b": _api_trace("1-b", "b-001", cold=False),
              "1-c": _api_trace("1-c", "o-002", cold=False)}
    table = summary_table([_summary("1-a", 0.9, "o-001"), _summary("1-b", 0.7, "b-001"),
                           _summary("1-c", 0.6, "o-002")], keys=("order_id",))
    table = obs.label_traces(table, traces, rename=lambda name: name.removeprefix("p-"))
    assert set(table["starts at"]) == {"api"} and table["services"].iloc[0] == ["api"]
    front = obs.api_front(table, traces, "p-api", one_at_a_time={"o-001", "o-002"})
    assert list(front["trace_id"]) == ["1-a", "1-b", "1-c"]
    assert list(front["api cold"]) == [True, False, False]
    assert front["init"].iloc[0]["name"] == "Init" and front["init"].iloc[1] is None
    assert list(front["one at a time"]) == [True, False, True]


def test_where_the_time_went_is_the_longest_call_within_the_callers_wait():
    timeline = trace_timeline(_api_trace("1-s", "o-007", cold=False, slow_call_s=1.4))
    spent = obs.where_the_time_went(timeline)
    assert spent["name"] == "price-order" and spent["duration_ms"] == pytest.approx(1450, abs=1)


def test_failed_orders_by_trace_count_the_traces_of_each_order():
    by_trace = pd.DataFrame({"trace_id": ["t1", "t2", "t3"], "function": ["orders", "orders", "fulfil"],
                             "failed in": ["accept-order"] * 2 + ["reserve-stock"],
                             "order_id": ["o-5", "o-5", "o-3"], "correlation_id": ["c5", "c5", "c3"]})
    failed = obs.failed_orders_by_trace(by_trace).set_index("order_id")
    assert failed.loc["o-5", "traces"] == 2 and failed.loc["o-3", "failed_in"] == "reserve-stock"


def test_trace_cost_table_models_both_sampling_rules():
    table = obs.trace_cost_table(traces_per_order=2.0, orders_per_day=2_000_000).set_index("sampling")
    every = table.loc["every request (this backend)"]
    assert every["traces recorded a month (modelled)"] == 120_000_000
    assert every["USD a month (modelled)"] == pytest.approx((120_000_000 - 100_000) * 5.00 / 1e6)
    sampled = table.loc["default sampling (1/s + 5 %)"]
    per_second = 2_000_000 / 86_400
    assert sampled["traces recorded a month (modelled)"] == round((1 + 0.05 * (per_second - 1)) * 86_400 * 30 * 2)
    assert sampled["USD a month (modelled)"] < every["USD a month (modelled)"]


def test_a_month_under_the_free_tier_costs_nothing():
    table = obs.trace_cost_table(traces_per_order=1.0, orders_per_day=1_000)
    assert (table["USD a month (modelled)"] == 0).all()


# -- the widget's follow-up --------------------------------------------------------------------
def test_follow_order_waits_for_the_outcome_and_for_the_orders_last_line():
    pipeline = _Pipeline(outcomes={"c-o-012": "FAILED"})
    patterns = []

    def find(pattern):
        patterns.append(pattern)
        return _lines({"message": "out of stock"})

    order = {"order_id": "o-012", "items": 1, "fail_at": "fulfil"}
    assert observability_figures.follow_order(pipeline, find, order, "out of stock") == "c-o-012"
    assert pipeline.asked == [("c-o-012", "fulfil")]
    assert patterns == ['{ $.correlation_id = "c-o-012" && $.message = "out of stock" }']
