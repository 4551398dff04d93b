"""Lesson 05 helpers: execution history -> timeline, compensation order, saga consistency, the
ledger and transition tables, the plumbing around a saga, and the modelled Step Functions prices.

The histories below are written by hand in the shape GetExecutionHistory returns (Step Functions
API Reference, HistoryEvent: ids in order, `type`, `timestamp`, `previousEventId` and one
`...EventDetails` object; a Lambda task logs LambdaFunctionScheduled/Started and then
Succeeded, Failed or TimedOut; a retry schedules the function again *without* re-entering the
state; a Fail state has no StateExited event, the execution ends in it)."""
import json
import time
from datetime import datetime, timedelta, timezone

import pytest

from labkit.lessons import run_prefix
from labkit.lessons.saga_lesson import (attempts_per_state, compensation_order,
                                        create_state_machine, execution_timeline,
                                        express_budget_table, items_table, late_call_logged,
                                        peek_messages, refund_ledger, run_all, saga_problems,
                                        seed_004_transition_costs, settle, states_entered,
                                        transitions_paid_by, transitions_table)
from labkit.lessons.tables import make_tables

T0 = datetime(2026, 11, 22, 12, 0, 0, tzinfo=timezone.utc)


def history(*steps):
    """steps: (seconds after start, type, details); ids are numbered in order."""
    events = []
    for i, (at, kind, details) in enumerate(steps, start=1):
        event = {"id": i, "previousEventId": i - 1, "type": kind, "timestamp": T0 + timedelta(seconds=at)}
        if details is not None:
            key = kind[0].lower() + kind[1:] + "EventDetails"
            if kind.endswith("StateEntered"):
                key = "stateEnteredEventDetails"
            elif kind.endswith("StateExited"):
                key = "stateExitedEventDetails"
            event[key] = details
        events.append(event)
    return events


def lambda_task(name, start, outcomes):
    """A Task state that calls a Lambda function once per outcome (the last one ends it)."""
    steps = [(start, "TaskStateEntered", {"name": name})]
    t = start
    for outcome in outcomes:
        steps.append((t, "LambdaFunctionScheduled", {"resource": "arn"}))
        steps.append((t, "LambdaFunctionStarted", None))
        t += 0.5
        if outcome == "ok":
            steps.append((t, "LambdaFunctionSucceeded", {"output": "{}"}))
        elif outcome == "timeout":
            steps.append((t, "LambdaFunctionTimedOut", {"error": "States.Timeout"}))
        else:
            steps.append((t, "LambdaFunctionFailed", {"error": outcome, "cause": "..."}))
        t += 1.0  # the retry interval (ignored after the last attempt)
    steps.append((t - 1.0, "TaskStateExited", {"name": name}))
    return steps


@pytest.fixture
def hotel_fails_then_compensations_retry():
    steps = [(0, "ExecutionStarted", {"input": "{}"})]
    steps += lambda_task("ReserveFlight", 0.0, ["ok"])
    steps += lambda_task("ReserveHotel", 1.0, ["Rejected"])
    steps += lambda_task("CancelHotel", 2.0, ["ServiceUnavailable", "ServiceUnavailable", "ok"])
    steps += lambda_task("CancelFlight", 6.0, ["timeout", "ok"])
    steps += [(8.0, "ChoiceStateEntered", {"name": "Compensated"}),
              (8.0, "ChoiceStateExited", {"name": "Compensated"}),
              (8.1, "FailStateEntered", {"name": "BookingFailed"}),
              (8.1, "ExecutionFailed", {"error": "BookingFailed", "cause": "undone"})]
    return history(*steps)


def test_timeline_has_one_row_per_attempt_and_per_other_state(hotel_fails_then_compensations_retry):
    """Each Lambda attempt is one row with its outcome and error name; a retry adds an attempt
    to the same state; Choice and Fail states appear once, the Fail state with its error."""
    frame = execution_timeline(hotel_fails_then_compensations_retry)
    assert list(frame["state"]) == ["ReserveFlight", "ReserveHotel", "CancelHotel", "CancelHotel",
                                    "CancelHotel", "CancelFlight", "CancelFlight", "Compensated",
                                    "BookingFailed"]
    hotel = frame[frame["state"] == "CancelHotel"]
    assert list(hotel["attempt"]) == [1, 2, 3]
    assert list(hotel["outcome"]) == ["failed", "failed", "succeeded"]
    assert list(hotel["error"].iloc[:2]) == ["ServiceUnavailable", "ServiceUnavailable"]
    flight = frame[frame["state"] == "CancelFlight"]
    assert list(flight["outcome"]) == ["timed out", "succeeded"]
    assert flight["error"].iloc[0] == "States.Timeout"
    last = frame.iloc[-1]
    assert (last["state_type"], last["outcome"], last["error"]) == ("Fail", "entered", "BookingFailed")


def test_timeline_times_are_seconds_since_the_execution_started(hotel_fails_then_compensations_retry):
    frame = execution_timeline(hotel_fails_then_compensations_retry)
    second_try = frame[(frame["state"] == "CancelHotel") & (frame["attempt"] == 2)].iloc[0]
    assert second_try["start_s"] == pytest.approx(3.5)   # 2.0 + 0.5 attempt + 1.0 interval
    assert second_try["end_s"] == pytest.approx(4.0)


def test_compensation_order_and_attempts(hotel_fails_then_compensations_retry):
    events = hotel_fails_then_compensations_retry
    assert states_entered(events)[:3] == ["ReserveFlight", "ReserveHotel", "CancelHotel"]
    assert compensation_order(events, ["CancelFlight", "CancelHotel", "RefundCard"]) == \
        ["CancelHotel", "CancelFlight"]
    assert attempts_per_state(events) == {"ReserveFlight": 1, "ReserveHotel": 1,
                                          "CancelHotel": 3, "CancelFlight": 2}


def test_empty_history_gives_an_empty_timeline():
    assert execution_timeline([]).empty


BOOKED = {"flight": {"status": "RESERVED"}, "hotel": {"status": "RESERVED"},
          "payment": {"status": "CHARGED", "amount": 420, "refunds": 0},
          "booking": {"status": "CONFIRMED"}}


def test_a_booked_trip_holds_everything():
    assert saga_problems(BOOKED, booked=True) == []
    missing_hotel = {**BOOKED, "hotel": None}
    assert saga_problems(missing_hotel, booked=True) == ["booked, but the hotel is missing"]


def test_a_failed_trip_that_was_fully_undone_is_consistent():
    undone = {"flight": {"status": "CANCELLED"}, "hotel": {"status": "CANCELLED"},
              "payment": {"status": "REFUNDED", "amount": 420, "refunds": 1},
              "booking": {"status": "CANCELLED"}}
    assert saga_problems(undone, booked=False) == []
    never_started = {"flight": {"status": "CANCELLED"}, "hotel": None, "payment": None, "booking": None}
    assert saga_problems(never_started, booked=False) == []


def test_every_kind_of_half_finished_saga_is_named():
    """The invariants of issue 8: nothing reserved without a booking, no charge without a
    refund, a refund's effect at most once (and never without a charge)."""
    assert saga_problems({**BOOKED, "booking": {"status": "CANCELLED"},
                          "payment": {"status": "CHARGED", "amount": 420, "refunds": 0}},
                         booked=False) == ["flight reserved without a booking",
                                           "hotel reserved without a booking",
                                           "card charged without a refund"]
    twice = {"flight": None, "hotel": None, "booking": None,
             "payment": {"status": "REFUNDED", "amount": 420, "refunds": 2}}
    assert saga_problems(twice, booked=False) == ["card refunded 2 times for one charge"]
    uncharged = {"flight": None, "hotel": None, "booking": None,
                 "payment": {"status": "REFUNDED", "refunds": 1}}
    assert saga_problems(uncharged, booked=False) == ["refund paid without a charge"]
    confirmed = {"flight": None, "hotel": None, "payment": None, "booking": {"status": "CONFIRMED"}}
    assert saga_problems(confirmed, booked=False) == ["booking confirmed for a trip that failed"]


# ---- the plumbing around the saga and the modelled prices -----------------------------------

def test_refund_ledger_reads_attempts_from_the_history_and_money_from_the_payment_table(
        hotel_fails_then_compensations_retry):
    refund = history((0, "ExecutionStarted", {"input": "{}"}),
                     *lambda_task("RefundCard", 0.0, ["ServiceUnavailable", "ok"]))
    paid_twice = {"events": refund, "problems": ["card refunded 2 times for one charge"],
                  "items": {"payment": {"status": "REFUNDED", "amount": 420, "refunds": 2}}}
    paid_once = {"events": refund, "problems": [],
                 "items": {"payment": {"status": "REFUNDED", "amount": 420, "refunds": 1}}}
    ledger = refund_ledger({"refund_naive": paid_twice, "refund_once": paid_once})
    assert ledger.to_dict("records") == [
        {"refund": "refund_naive", "RefundCard attempts": 2, "refunds paid": 2, "charged": 420,
         "customer got back": 840, "problems": "card refunded 2 times for one charge"},
        {"refund": "refund_once", "RefundCard attempts": 2, "refunds paid": 1, "charged": 420,
         "customer got back": 420, "problems": "none"}]


def test_transitions_table_counts_every_state_entered_and_every_retry(
        hotel_fails_then_compensations_retry):
    table = transitions_table({"failed": {"events": hotel_fails_then_compensations_retry,
                                          "seconds": 8.1}})
    # 6 states entered, + 2 retries of CancelHotel and 1 of CancelFlight
    assert table.to_dict("records") == [{"run": "failed", "state transitions": 9,
                                         "seconds (emulated)": 8.1}]


def test_items_table_shows_nothing_for_a_missing_item_and_hides_keys_and_times():
    table = items_table({"items": {"flight": {"saga_id": "t", "status": "CANCELLED", "at": 1,
                                              "cancelled_at": 2},
                                   "payment": {"saga_id": "t", "status": "VOID", "refunds": 0},
                                   "hotel": None}})
    assert list(table.columns) == ["status", "refunds"]
    assert table.loc["hotel", "status"] == "(nothing)" and table.loc["flight", "refunds"] == ""


def test_run_all_keeps_the_order_of_the_cases():
    assert run_all(lambda n: n * n, [3, 1, 2], "squares", workers=3) == [9, 1, 4]


class _Sfn:
    """create_state_machine answers: a role not usable yet (AWS, a few seconds after the role
    was created), then the ARN."""
    class exceptions:
        class InvalidDefinition(Exception):
            pass

    def __init__(self, failures):
        self.failures, self.calls = list(failures), []

    def create_state_machine(self, **request):
        self.calls.append(request)
        if self.failures:
            raise self.failures.pop(0)
        return {"stateMachineArn": f"arn:sfn:{request['name']}"}


def test_a_state_machine_waits_for_its_role_but_not_for_a_definition_error(monkeypatch):
    import labkit.lessons.saga_lesson as saga

    monkeypatch.setattr(saga.time, "sleep", lambda s: None)
    sfn = _Sfn([RuntimeError("Neither the global service principal states.amazonaws.com, nor "
                              "the regional one is authorized to assume the provided role.")])
    assert create_state_machine(sfn, "trip", {"StartAt": "A"}, "arn:role") == "arn:sfn:trip"
    assert len(sfn.calls) == 2 and sfn.calls[0]["type"] == "STANDARD"
    assert sfn.calls[0]["definition"] == '{"StartAt": "A"}'
    with pytest.raises(_Sfn.exceptions.InvalidDefinition):
        create_state_machine(_Sfn([_Sfn.exceptions.InvalidDefinition("no")]), "x", {}, "arn:role")
    with pytest.raises(RuntimeError, match="throttled"):
        create_state_machine(_Sfn([RuntimeError("throttled")]), "x", {}, "arn:role")


def test_a_340_dollar_standard_bill_pays_for_13_6_million_transitions():
    # $0.025 per 1,000 state transitions (Step Functions pricing)
    assert transitions_paid_by(340) == pytest.approx(13_600_000)


def test_the_express_budget_spends_the_budget():
    table = express_budget_table(13_600_000, express_usd=18, per_execution=(5, 10, 20))
    assert list(table["executions/month"]) == [2_720_000, 1_360_000, 680_000]
    # what is left after the requests buys GB-s: recomputed with labkit.cost, it costs the
    # budget, a few cents more once each duration is rounded up to 100 ms
    recomputed = table["Express recomputed ($)"]
    assert (recomputed >= 18).all() and (recomputed <= 18.1).all()
    seconds = table["Express $18 leaves s per execution (64 MB)"]
    assert seconds.is_monotonic_increasing        # fewer, longer executions for the same money


def test_seed_004_figures_are_recomputed():
    text = seed_004_transition_costs()
    assert "1,000,000 transitions -> $25.00 ($24.90 after the 4,000 free ones)" in text
    assert "40-50 transitions: $100.00-$125.00" in text


def test_settle_reads_the_items_and_names_the_problems(aws):
    ddb, logs = aws("dynamodb"), aws("logs")
    tables = {service: run_prefix(f"t-saga-{service}") for service in ("flight", "hotel")}
    make_tables(ddb, {table: "saga_id" for table in tables.values()})
    ddb.put_item(TableName=tables["flight"], Item={"saga_id": {"S": "trip-1"},
                                                   "status": {"S": "RESERVED"}, "at": {"N": "5"}})
    run = settle({"saga_id": "trip-1", "faults": {}, "status": "FAILED", "started": 0}, ddb, logs,
                 tables, "unused")
    assert run["items"] == {"flight": {"saga_id": "trip-1", "status": "RESERVED", "at": 5},
                            "hotel": None}
    assert run["problems"] == ["flight reserved without a booking"]


def test_a_late_call_is_found_in_its_service_s_log(aws):
    logs = aws("logs")
    function = run_prefix("t-saga-hotel")
    group, stream = f"/aws/lambda/{function}", "2026/01/01/[$LATEST]abc"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    started = time.time()
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[{
        "timestamp": int(started * 1000) + 500,
        "message": json.dumps({"kind": "done", "saga_id": "trip-1", "action": "reserve"})}])
    assert late_call_logged(logs, function, "reserve", {"saga_id": "trip-1", "started": started})
    assert not late_call_logged(logs, function, "cancel", {"saga_id": "trip-1", "started": started})
    assert not late_call_logged(logs, function, "reserve", {"saga_id": "trip-2", "started": started})


def test_parked_messages_are_peeked_not_hidden(aws):
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName=run_prefix("t-stuck"))["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"saga_id": "trip-1",
                                                           "compensation": "CancelHotel"}))
    first = peek_messages(sqs, url)
    assert [(m["saga_id"], m["compensation"]) for m in first] == [("trip-1", "CancelHotel")]
    assert "receipt" in first[0]
    assert len(peek_messages(sqs, url)) == 1          # still visible: the alarm counts it
