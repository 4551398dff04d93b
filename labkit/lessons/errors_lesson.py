"""Helpers for lesson 03 (errors and dead-letter queues): the orders and what the redrive
policy predicts for them, queue depths over time, reading a queue and its attempt lines, the
alarm's inbox, and the lesson's figures and widget.

Plain boto3 clients are passed in, so the lesson runs the same on every backend.
"""
from __future__ import annotations

import json
import threading
import time
from typing import Callable

import pandas as pd

from labkit.lessons.logs import read_json_lines
from labkit.lessons.polling import wait_until
from labkit.lessons.queues import queue_depth

POISON_AMOUNT = "12,50"   # the EU shop's amount, which float() rejects
OUTCOME_STYLE = {"ok": ("tab:green", "o"), "transient": ("tab:orange", "X"),
                 "permanent": ("tab:red", "X"), "parked": ("tab:purple", "s")}


# --- the orders, and what the redrive policy predicts for them ----------------------------

def make_orders(run: str, n_ok: int, n_flaky: int, flaky_failures: int, n_poison: int) -> list[dict]:
    """Good orders, flaky ones (the payment API times out `flaky_failures` times) and EU
    orders whose amount our parser rejects: every one tagged with `run`."""
    orders = [{"id": f"ok-{i}", "amount": "20.00"} for i in range(1, n_ok + 1)]
    orders += [{"id": f"flaky-{i}", "amount": "35.00", "flaky": flaky_failures} for i in range(1, n_flaky + 1)]
    orders += [{"id": f"eu-{i}", "amount": POISON_AMOUNT} for i in range(1, n_poison + 1)]
    return [{**order, "run": run} for order in orders]


def customer_orders(run: str) -> list[dict]:
    """Four orders each of customers A and B, interleaved as they would arrive; A1 is poison."""
    orders = []
    for n in range(1, 5):
        orders.append({"id": f"A{n}", "customer": "A", "amount": POISON_AMOUNT if n == 1 else "10.00", "run": run})
        orders.append({"id": f"B{n}", "customer": "B", "amount": "10.00", "run": run})
    return orders


def send_orders(sqs, queue_url: str, orders: list[dict], fifo: bool = False) -> None:
    """SendMessageBatch, 10 at a time. In a FIFO queue each customer is a message group and
    the order id deduplicates."""
    for start in range(0, len(orders), 10):
        entries = []
        for i, order in enumerate(orders[start:start + 10]):
            entry = {"Id": str(i), "MessageBody": json.dumps(order)}
            if fifo:
                entry.update(MessageGroupId=order["customer"], MessageDeduplicationId=order["id"])
            entries.append(entry)
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)


def redrive_plan(orders: list[dict], max_receive: int, parking: bool) -> tuple[dict, int, int]:
    """-> (plan, attempts expected, messages expected in the DLQ). The plan maps each order id
    to its failures before success (None: never succeeds). A parking handler tries a poison
    order once and sends it to the DLQ itself."""
    plan = {o["id"]: (None if o["amount"] == POISON_AMOUNT else o.get("flaky", 0)) for o in orders}
    attempts = sum(1 if parking and k is None else attempts_allowed(max_receive, k) for k in plan.values())
    parked = sum(ends_in_dlq(max_receive, k) for k in plan.values())
    return plan, attempts, parked


def poison_ids(plan: dict) -> list[str]:
    """The orders of a plan that can never succeed."""
    return [order_id for order_id, failures in plan.items() if failures is None]


def attempts_allowed(max_receive_count: int, failures_before_success: int | None) -> int:
    """How many times a consumer sees a message under a redrive policy.

    SQS moves a message to the dead-letter queue when a receive would push its
    ApproximateReceiveCount past maxReceiveCount, so a message that keeps failing is
    delivered exactly ``max_receive_count`` times. ``failures_before_success=None`` is a
    message that never succeeds (a poison message); ``k`` fails k times, then succeeds.
    """
    if max_receive_count < 1:
        raise ValueError("maxReceiveCount is at least 1")
    if failures_before_success is None:
        return max_receive_count
    return min(failures_before_success + 1, max_receive_count)


def ends_in_dlq(max_receive_count: int, failures_before_success: int | None) -> bool:
    """True when the message exhausts its receives before it can succeed."""
    return failures_before_success is None or failures_before_success >= max_receive_count


# --- what happened: attempt lines, depths, the DLQ, the alarm's inbox ---------------------

def wait_for_attempts(logs, function: str, since: float, runs: list[str], expected: int) -> pd.DataFrame:
    """The handler's attempt lines of these runs, once `expected` of them reached the logs
    (log delivery is asynchronous on AWS)."""
    def logged():
        lines = read_json_lines(logs, function, since, kind="attempt")
        mine = lines[lines["run"].isin(runs)] if len(lines) else lines
        return (mine,) if len(mine) >= expected else None
    return wait_until(logged, timeout=30, what=f"{expected} attempt lines")[0]


def summarise(result: dict) -> pd.DataFrame:
    """Attempts per order (rows) and outcome (columns), with their total in "attempts"."""
    table = result["attempts"].pivot_table(index="id", columns="outcome", values="attempt", aggfunc="count",
                                           fill_value=0).reindex(list(result["plan"]), fill_value=0)
    table["attempts"] = table.sum(axis=1)
    return table


class DepthRecorder:
    """Samples the depth of some queues in a background thread, for a plot over time.

        with DepthRecorder(sqs, {"source": url, "dlq": dlq_url}) as depths:
            ...                      # the experiment
        depths.frame()               # columns t (s since start), queue, visible, in_flight
    """

    def __init__(self, sqs, queues: dict[str, str], interval: float = 0.25):
        self.sqs, self.queues, self.interval = sqs, dict(queues), interval
        self.started = time.time()
        self._rows: list[dict] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="depth-recorder")

    def start(self) -> "DepthRecorder":
        self.started = time.time()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.sample()  # always end on a fresh sample: the plot shows the final state

    def sample(self) -> None:
        for name, url in self.queues.items():
            depth = queue_depth(self.sqs, url)
            self._rows.append({"t": time.time() - self.started, "queue": name, **depth})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self._rows, columns=["t", "queue", "visible", "in_flight"])

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sample()
            except Exception as error:  # a deleted queue ends the recording, never the lesson
                print(f"depth recorder stopped: {error}")
                return
            self._stop.wait(self.interval)

    def __enter__(self) -> "DepthRecorder":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def read_all(sqs, queue_url: str, delete: bool = True, wait_s: int = 1) -> list[dict]:
    """Every message currently in the queue: dicts with body (parsed JSON when possible),
    attributes and message_attributes. ``delete=True`` empties the queue as it goes;
    ``delete=False`` leaves them (they are invisible for the queue's visibility timeout)."""
    found = []
    while True:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_s,
                                  AttributeNames=["All"], MessageAttributeNames=["All"])
        messages = got.get("Messages", [])
        if not messages:
            return found
        for message in messages:
            try:
                body = json.loads(message["Body"])
            except ValueError:
                body = message["Body"]
            found.append({"body": body, "attributes": message.get("Attributes", {}),
                          "message_attributes": message.get("MessageAttributes", {})})
            if delete:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


class AlarmInbox:
    """The CloudWatch alarm notifications that reach a queue subscribed to the alarm's topic;
    `notifications` keeps each one with "t", when we read it (s after `started`)."""

    def __init__(self, sqs, queue_url: str, started: float):
        self.sqs, self.queue_url, self.started = sqs, queue_url, started
        self.notifications: list[dict] = []

    def wait_for(self, state: str, after: float, timeout: float) -> dict:
        """The first notification of ``state`` read after ``after`` (s on the timeline). A new
        alarm goes INSUFFICIENT_DATA -> OK at once and notifies OKActions: that one is too early."""
        def arrived():
            for message in read_all(self.sqs, self.queue_url, wait_s=1):
                alarm = json.loads(message["body"]["Message"])   # SNS envelope -> CloudWatch's JSON
                self.notifications.append({"t": time.time() - self.started, **alarm})
            return next((n for n in self.notifications if n["NewStateValue"] == state and n["t"] >= after), None)
        return wait_until(arrived, timeout=timeout, interval=0.5, what=f"an {state} notification")


def move_task_status(sqs, source_arn: str) -> str:
    """The status of the latest message move task out of `source_arn` ("none" before any)."""
    results = sqs.list_message_move_tasks(SourceArn=source_arn, MaxResults=1)["Results"]
    return results[0]["Status"] if results else "none"


# --- figures and the widget --------------------------------------------------------------

def _scatter_attempts(ax, attempts: pd.DataFrame, ids: list[str], **style) -> None:
    """One marker per attempt, at its time and its order's row, shaped by its outcome."""
    for outcome, (color, marker) in OUTCOME_STYLE.items():
        rows = attempts[attempts["outcome"] == outcome]
        ax.scatter(rows["t"], [ids.index(i) for i in rows["id"]], color=color, marker=marker,
                   s=60, label=outcome, **style)


def plot_experiment(result: dict, title: str = "") -> None:
    """Top: every attempt per message over time. Bottom: the source queue and the DLQ."""
    import matplotlib.pyplot as plt

    from labkit.lessons.figures import show_figure

    attempts, depths, ids = result["attempts"], result["depths"], list(result["plan"])
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 5.2), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 1.4]})
    _scatter_attempts(top, attempts, ids, zorder=3)
    for i, message_id in enumerate(ids):
        times = attempts.loc[attempts["id"] == message_id, "t"]
        if len(times):
            top.plot([times.min(), times.max()], [i, i], color="lightgrey", zorder=1)
    top.set_yticks(range(len(ids)), ids, fontsize=8); top.invert_yaxis()
    top.legend(loc="upper right", fontsize=8, ncol=4)
    s = result["settings"]
    top.set_title(title or f"attempts per message: maxReceiveCount={s['max_receive']}, "
                           f"visibility timeout={s['visibility_s']} s, flaky orders fail "
                           f"{s['flaky_failures']}x")
    for name, frame in depths.groupby("queue"):   # the DLQ's in-flight messages are nobody's
        bottom.step(frame["t"], frame["visible"] + (frame["in_flight"] if name != "DLQ" else 0),
                    where="post", label=name + (" (visible + in flight)" if name != "DLQ" else " (visible)"))
    bottom.set_ylabel("messages"); bottom.set_xlabel("seconds after the first send")
    bottom.legend(fontsize=8)
    show_figure(fig)   # this figure, not pyplot's current one (a callback may draw meanwhile)


def plot_lanes(attempts: pd.DataFrame, lanes: dict[str, dict]) -> None:
    """Side by side, per queue kind ({kind: {"run": ...}}), every attempt of customer_orders."""
    import matplotlib.pyplot as plt

    from labkit.lessons.figures import show_figure

    order_ids = [o["id"] for o in customer_orders("")]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), sharey=True)
    for ax, (kind, lane) in zip(axes, lanes.items()):
        _scatter_attempts(ax, attempts[attempts["run"] == lane["run"]], order_ids)
        ax.set_title(f"{kind} queue"); ax.set_xlabel("seconds after sending")
        ax.set_yticks(range(len(order_ids)), order_ids)
    axes[0].invert_yaxis(); axes[0].legend(fontsize=8)
    show_figure(fig)


def plot_incident(depths: pd.DataFrame, events: dict[str, float]) -> None:
    """The queues' depths over the whole incident, with a labelled line at each event."""
    import matplotlib.pyplot as plt

    from labkit.lessons.figures import show_figure

    fig, ax = plt.subplots(figsize=(10, 3.4))
    for name, frame in depths.groupby("queue"):
        ax.step(frame["t"], frame["visible"] + frame["in_flight"], where="post", label=name)
    top = ax.get_ylim()[1]
    for n, (label, t) in enumerate(sorted(events.items(), key=lambda item: item[1])):
        ax.axvline(t, color="grey", ls=":", lw=1)
        ax.annotate(label, (t, top * (0.92 - 0.13 * (n % 4))), fontsize=8, xytext=(3, 0),
                    textcoords="offset points", backgroundcolor="white")
    ax.set_xlabel("seconds after the first send"); ax.set_ylabel("messages (visible + in flight)")
    ax.set_title("orders: failures dead-lettered, alarm, fix, redrive, backlog cleared")
    ax.legend(loc="center right")
    show_figure(fig)


def retry_widget(show: Callable[..., None]) -> None:
    """Display sliders for maxReceiveCount, the visibility timeout, the flaky orders' failures
    and the EU orders, and show(max_receive=, visibility_s=, flaky_failures=, n_poison=)'s
    output under them: once with the defaults (3, 2 s, 1, 2), again after every change."""
    import ipywidgets as widgets
    from IPython.display import display

    def slider(value, low, high, description):   # continuous_update off: one run per release
        return widgets.IntSlider(value=value, min=low, max=high, description=description,
                                 style={"description_width": "initial"}, continuous_update=False)

    controls = {"max_receive": slider(3, 1, 5, "maxReceiveCount"),
                "visibility_s": slider(2, 1, 3, "visibility (s)"),
                "flaky_failures": slider(1, 0, 4, "flaky fails"),
                "n_poison": slider(2, 0, 4, "EU orders")}
    plot_area = widgets.interactive_output(show, controls)
    display(widgets.VBox([widgets.HBox([controls["max_receive"], controls["visibility_s"]]),
                          widgets.HBox([controls["flaky_failures"], controls["n_poison"]]), plot_area]))
