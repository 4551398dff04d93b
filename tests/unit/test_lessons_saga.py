"""Lesson 05 helpers: execution history -> timeline, compensation order, saga consistency.

The histories below are written by hand in the shape GetExecutionHistory returns (Step Functions
API Reference, HistoryEvent: ids in order, `type`, `timestamp`, `previousEventId` and one
`...EventDetails` object; a Lambda task logs LambdaFunctionScheduled/Started and then
Succeeded, Failed or TimedOut; a retry schedules the function again *without* re-entering the
state; a Fail state has no StateExited event, the execution ends in it)."""
from datetime import datetime, timedelta, timezone

import pytest

from labkit.lessons.saga_lesson import (attempts_per_state, compensation_order,
                                        execution_timeline, saga_problems, states_entered)

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
