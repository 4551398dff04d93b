"""What lab 05's scenarios deploy, run and observe: the learner's trip-booking saga (the four
services as Lambda functions behind our fault-injecting harness, their tables, the stuck-saga
queue and the learner's state machine), sagas run with the faults of their input, and what an
alarm on a queue published and notified.
"""
from __future__ import annotations

import json
import string
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from labkit.checks.framework import Inconclusive, Mismatch, Scenario
from labkit.lessons.polling import wait_until
from labkit.lessons.saga_lesson import (attempts_per_state, compensation_order,
                                        execution_history, read_saga_items, states_entered,
                                        wait_for_execution)

# the learner's files; the harness imports the services as lab05_services
SERVICES_FILE, DEFINITION_FILE, ALARM_FILE = (
    "lab05_services.py", "lab05_saga.asl.yaml", "lab05_alarm.yaml")
SERVICES = ["flight", "hotel", "payment", "booking"]
STEPS = [  # forward state, service, action, compensation state, action
    ("ReserveFlight", "flight", "reserve", "CancelFlight", "cancel"),
    ("ReserveHotel", "hotel", "reserve", "CancelHotel", "cancel"),
    ("ChargeCard", "payment", "charge", "RefundCard", "refund"),
    ("ConfirmBooking", "booking", "confirm", "CancelBooking", "cancel"),
]
FORWARD = [s[0] for s in STEPS]
COMPENSATIONS = [s[3] for s in STEPS]
SLOW_S = 8                  # a "timeout" fault answers this late (the starter's TimeoutSeconds: 6)
PAUSE_S = 20                # a "paused" call waits between its reads and its first write until its
                            # retry is done, at most this long (TimeoutSeconds 6, a retry after it)
LAND_WAIT_S = 15            # ...and, to land after its compensation, waits for it at most this long
FUNCTION_TIMEOUT_S = SLOW_S + LAND_WAIT_S + 7   # the late call must outlive its own wait
EXECUTION_DEADLINE_S = 150  # generous: a loaded machine, cold starts, retries with backoff

# Our code around the learner's actions: counts attempts, injects the faults of the execution
# input, and names errors the way Step Functions matches them (errorType = class name).
HARNESS = '''
import json, os, time
from decimal import Decimal
import boto3
import lab05_services as services

dynamodb = boto3.resource("dynamodb")
table = dynamodb.Table(os.environ["TABLE"])
attempts = dynamodb.Table(os.environ["ATTEMPTS_TABLE"])


class ServiceUnavailable(Exception):
    pass


class Rejected(Exception):
    pass


class PausedWrites:
    """The service's table whose first write waits until another call of the same action has
    finished (at most ``pause_s``): a call that read, then stalled (a long GC pause, a slow
    network) past its state's TimeoutSeconds, while its retry ran."""

    def __init__(self, table, key, pause_s):
        self.table, self.key, self.pause_s, self.resumed_at = table, key, pause_s, 0

    def __getattr__(self, name):
        method = getattr(self.table, name)
        if name not in ("put_item", "update_item", "delete_item") or self.resumed_at:
            return method

        def paused(*args, **kwargs):
            deadline = time.time() + self.pause_s
            while time.time() < deadline and "Item" not in attempts.get_item(
                    Key={"id": self.key + "/done"}, ConsistentRead=True):
                time.sleep(0.2)
            self.resumed_at = Decimal(repr(time.time()))
            return method(*args, **kwargs)
        return paused


def handler(event, context):
    if event.get("warm"):   # the checker starts environments before the sagas
        time.sleep(event.get("hold_s", 0))   # held: a call beside it needs another environment
        return {"warm": True}
    saga_id, action = event["saga_id"], event["action"]
    fault = (event.get("faults") or {}).get(os.environ["SERVICE"] + "." + action) or {}
    key = saga_id + "/" + os.environ["SERVICE"] + "." + action
    attempt = int(attempts.update_item(
        Key={"id": key}, UpdateExpression="ADD n :one", ExpressionAttributeValues={":one": 1},
        ReturnValues="UPDATED_NEW")["Attributes"]["n"])
    if fault.get("reject"):
        raise Rejected("refused by the provider")
    if attempt <= fault.get("fail_times", 0):
        raise ServiceUnavailable("HTTP 503 on attempt %d" % attempt)
    time.sleep(fault.get("slow_s", 0))
    if fault.get("land_after"):   # a late call: it lands once the named compensation is done
        deadline = time.time() + fault["wait_s"]
        while time.time() < deadline and "Item" not in attempts.get_item(
                Key={"id": saga_id + "/" + fault["land_after"] + "/done"}, ConsistentRead=True):
            time.sleep(0.2)
    began = Decimal(repr(time.time()))
    paused = None
    if attempt <= fault.get("pause_times", 0):
        paused = PausedWrites(table, key, fault["pause_s"])
    try:
        result = getattr(services, action)(paused or table, saga_id, event)
    finally:   # when the paused call wrote, and that it is over (the checker waits for it)
        if paused:
            attempts.put_item(Item={"id": key + "/paused", "resumed_at": paused.resumed_at,
                                    "ended_at": Decimal(repr(time.time()))})
    # what really happened, for the checker to tell whether the fault took effect
    attempts.update_item(
        Key={"id": key + "/done"},
        UpdateExpression="SET began = if_not_exists(began, :b), done_at = if_not_exists(done_at, :t) "
                         "ADD n :one",
        ExpressionAttributeValues={":b": began, ":t": Decimal(repr(time.time())), ":one": 1})
    print(json.dumps({"kind": "done", "saga_id": saga_id, "action": action, "attempt": attempt}))
    if attempt <= fault.get("lose_response_times", 0):
        attempts.put_item(Item={"id": key + "/lost", "attempt": attempt})
        raise ServiceUnavailable("connection reset after the work was done")
    return result
'''


def substitute(text: str, values: dict[str, str]) -> str:
    return string.Template(text).safe_substitute(values)


class Trip:
    """One deployment of the learner's saga: tables, functions, stuck queue, state machine."""

    def __init__(self, s: Scenario):
        self.s = s
        self.unplanned_timeouts: list[str] = []     # "saga: State" that timed out unasked
        s.on_failure_ask(self._unless_a_step_timed_out_unasked)
        folder = Path(s.target.handler_path).parent
        self.services_source = Path(s.target.handler_path).read_text()
        self.definition_text = self._read(folder / DEFINITION_FILE)
        self.alarm_text = (folder / ALARM_FILE).read_text() if (folder / ALARM_FILE).is_file() else ""
        self.ddb, self.sqs = s.client("dynamodb"), s.client("sqs")
        self.lam, self.sfn = s.client("lambda"), s.client("stepfunctions")
        self.tables = {service: s.create.table(service, key="saga_id") for service in SERVICES}
        self.attempts_table = s.create.table("attempts")
        self.stuck_queue_name, self.stuck_queue = s.create.name("stuck"), s.create.queue("stuck")
        self.functions = {}   # service -> function ARN (the definition's placeholders)
        for service in SERVICES:
            name = s.create.function(
                service, {"saga_harness.py": HARNESS, SERVICES_FILE: self.services_source},
                handler="saga_harness.handler", Timeout=FUNCTION_TIMEOUT_S, MemorySize=1024,
                Environment={"Variables": {"SERVICE": service, "TABLE": self.tables[service],
                                           "ATTEMPTS_TABLE": self.attempts_table}})
            self.functions[service] = s.create.function_arn(name)
        # cold starts belong to the deployment, not to the first saga's TimeoutSeconds
        self.environments = {service: 0 for service in SERVICES}
        with ThreadPoolExecutor(len(SERVICES)) as pool:
            list(pool.map(lambda service: self._warm(service, 1), SERVICES))
        definition = substitute(self.definition_text, {**self.functions,
                                                       "stuck_queue_url": self.stuck_queue})
        try:
            parsed = yaml.safe_load(definition)
        except yaml.YAMLError as error:
            raise Mismatch(f"{DEFINITION_FILE} is not valid YAML: {error}", "a valid ASL definition")
        s.evidence["definition"] = parsed
        try:
            self.machine = self.sfn.create_state_machine(
                name=s.create.name("trip"), definition=json.dumps(parsed),
                roleArn="arn:aws:iam::123456789012:role/lab05-saga")["stateMachineArn"]
        except self.sfn.exceptions.InvalidDefinition as error:
            raise Mismatch(f"Step Functions refused the definition: {error}", "a valid ASL definition")
        s.on_cleanup(lambda: self.sfn.delete_state_machine(stateMachineArn=self.machine))
        s.evidence["sagas"] = []

    def _warm(self, service: str, environments: int) -> None:
        """Start ``environments`` execution environments of a service's function (calls held
        beside each other), unless it has them. A slow call keeps one busy while its own
        compensation runs: that one must not meet a cold start inside its TimeoutSeconds."""
        if self.environments[service] >= environments:
            return
        hold = json.dumps({"warm": True, "hold_s": 1 if environments > 1 else 0}).encode()
        with ThreadPoolExecutor(environments) as pool:
            list(pool.map(lambda _: self.lam.invoke(FunctionName=self.functions[service],
                                                    Payload=hold), range(environments)))
        self.environments[service] = environments

    @staticmethod
    def _read(path: Path) -> str:
        if not path.is_file():
            raise Mismatch(f"{path.name} not found next to {SERVICES_FILE}",
                           f"run the cell that writes {path.name} (%%writefile {path.name})")
        return path.read_text()

    def run(self, faults: dict[str, dict]) -> dict[str, Any]:
        for key, fault in faults.items():
            if fault.get("slow_s") or fault.get("pause_s"):   # its retry (or compensation) runs beside it
                self._warm(key.split(".")[0], 2)
        saga_id = f"trip-{uuid.uuid4().hex[:10]}"
        started = time.time()
        execution = self.sfn.start_execution(
            stateMachineArn=self.machine, name=saga_id,
            input=json.dumps({"saga_id": saga_id, "amount": 420, "faults": faults}))["executionArn"]
        try:
            described = wait_for_execution(self.sfn, execution, timeout=EXECUTION_DEADLINE_S)
        except TimeoutError:
            raise Mismatch(f"the execution was still RUNNING after {EXECUTION_DEADLINE_S} s",
                           "every saga to end")
        events = execution_history(self.sfn, execution)
        # the states the faults make time out: a slow forward step, a paused compensation
        planned = ({state_of(key) for key, fault in faults.items() if fault.get("slow_s")}
                   | {compensation_of(key) for key, fault in faults.items() if fault.get("pause_s")})
        unplanned = [state for state in timed_out_states(events) if state not in planned]
        self.unplanned_timeouts += [f"{saga_id}: {state}" for state in unplanned]
        self._settle(saga_id, faults, started, events)
        items = read_saga_items(self.ddb, self.tables, saga_id)
        run = {"saga_id": saga_id, "faults": faults, "status": described["status"],
               "error": described.get("error"), "events": events, "items": items,
               "compensations": compensation_order(events, COMPENSATIONS),
               "attempts": attempts_per_state(events), "unplanned_timeouts": unplanned}
        self.s.evidence["sagas"].append({k: v for k, v in run.items() if k != "events"})
        return run

    def _unless_a_step_timed_out_unasked(self) -> None:
        """A Task that timed out although no fault made it slow met a machine too loaded to
        answer within its TimeoutSeconds (a cold start, say): its saga compensated for a
        failure the scenario never injected. Run the scenario again."""
        if self.unplanned_timeouts:
            raise Inconclusive(f"Task(s) timed out with no fault injected: "
                               f"{', '.join(self.unplanned_timeouts)} (the machine was too slow?)",
                               "only the steps the scenario makes slow time out")

    def _settle(self, saga_id: str, faults: dict, started: float, events: list) -> None:
        """A timed-out call goes on running: wait until it has reached its table."""
        logs = self.s.client("logs")
        entered = set(states_entered(events))
        for key, fault in faults.items():
            service, action = key.split(".")
            state = state_of(key)
            if fault.get("pause_s") and compensation_of(key) in entered:
                wait_until(lambda: self.record(f"{saga_id}/{key}/paused").get("ended_at"),
                           timeout=60, interval=0.5, what=f"the paused {key} call to end")
            if not fault.get("slow_s") or state not in entered:
                continue   # not slow, or never called (the saga failed before reaching it)

            def reached_table() -> bool:
                try:
                    events = logs.filter_log_events(
                        logGroupName=f"/aws/lambda/{self.s.namespace}-{service}",
                        startTime=int(started * 1000) - 1000)["events"]
                except logs.exceptions.ResourceNotFoundException:
                    return False
                return any(f'"saga_id": "{saga_id}", "action": "{action}"' in e["message"]
                           for e in events)

            wait_until(reached_table, timeout=60, interval=0.5, what=f"the late {key} call")

    def record(self, key: str) -> dict[str, Any]:
        """What the harness recorded under `key` in the attempts table ({} when nothing)."""
        item = self.ddb.get_item(TableName=self.attempts_table, Key={"id": {"S": key}},
                                 ConsistentRead=True).get("Item") or {}
        return {k: float(v["N"]) if "N" in v else v.get("S") for k, v in item.items()}

    def parked(self) -> list[dict]:
        got = self.sqs.receive_message(QueueUrl=self.stuck_queue, MaxNumberOfMessages=10,
                                       VisibilityTimeout=0, WaitTimeSeconds=1)
        bodies = []
        for message in got.get("Messages", []):
            try:
                bodies.append(json.loads(message["Body"]))
            except ValueError:
                bodies.append({"raw": message["Body"]})
        return bodies


# -- alarms ------------------------------------------------------------------------------------


def state_of(fault_key: str) -> str:
    """The forward state that calls a fault's service: "hotel.reserve" -> "ReserveHotel"."""
    service = fault_key.split(".")[0]
    return next(step[0] for step in STEPS if step[1] == service)


def compensation_of(fault_key: str) -> str:
    """The compensation state that calls a fault's action: "payment.refund" -> "RefundCard"."""
    service, action = fault_key.split(".")
    return next((step[3] for step in STEPS if step[1] == service and step[4] == action), "")


def timed_out_states(events: list[dict]) -> list[str]:
    """The Task states whose call timed out (Step Functions history: TaskTimedOut for a service
    integration, LambdaFunctionTimedOut for a function ARN, after the state's
    TaskStateEntered), in order."""
    state, found = None, []
    for event in sorted(events, key=lambda e: e["id"]):
        if event["type"] == "TaskStateEntered":
            state = event.get("stateEnteredEventDetails", {}).get("name")
        elif event["type"] in ("TaskTimedOut", "LambdaFunctionTimedOut") and state is not None:
            found.append(state)
    return found

