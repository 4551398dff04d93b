"""Lab 10's world: the payment provider the learner's functions charge, and the learner's file
deployed as Lambda functions behind HTTP APIs (Lambda proxy, payload 2.0) on the backend.

The provider is an HTTP service in the checking process (like lab 09's downstream): POST
/charge with a JSON order records the charge when it *arrives* (that is what the customer
pays) and answers at once, or, for a hanging order, once the check lets its hangs go (after the
client's resends: the race a gateway timeout opens is then there however slow the machine);
while the provider is held, every charge waits until it is released (what a slow or stuck
dependency does to whoever calls it synchronously).
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from labkit.isolation import local_http
from labkit.lessons import front_door_apis as apis
from labkit.lessons.front_door_lesson import invoke_url
from labkit.lessons.queues import queue_arn

HOLD_LIMIT_S = 60.0     # a held provider lets go after this, whatever happens to the check
HANG_LIMIT_S = 20.0     # a hanging order's charge answers after this at the latest: below the
                        # 30 s the given charge() waits and the function's timeout


class Provider:
    """A payment provider that counts charges per order id."""

    def __init__(self, hanging: set[str] | frozenset[str] = frozenset()):
        self.hanging = set(hanging)   # order ids whose charge hangs until release_hanging()
        self._hangs_over = threading.Event()
        self._lock = threading.Lock()
        self._charges: list[dict[str, Any]] = []
        self._released = threading.Event()
        self._released.set()
        self.held_charges = 0         # charges that arrived while the provider was held
        self.hangs_cut_short = 0      # hanging charges answered at HANG_LIMIT_S, not released
        owner = self

        class Handler(local_http.StandInHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                hangs = owner._record(self.json_body())
                owner._released.wait(HOLD_LIMIT_S)
                if hangs and not owner._hangs_over.wait(HANG_LIMIT_S):
                    with owner._lock:
                        owner.hangs_cut_short += 1
                self.answer_json(200, {"charged": True})

        self._server = local_http.serve_in_background(Handler, "lab10-provider")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _record(self, order: dict[str, Any]) -> bool:
        """Note the charge; whether it hangs."""
        with self._lock:
            held = not self._released.is_set()
            self.held_charges += held
            self._charges.append({"order_id": str(order.get("order_id")),
                                  "amount": order.get("amount"), "at": time.time(),
                                  "held": held})
            return str(order.get("order_id")) in self.hanging

    def hold(self) -> None:
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def release_hanging(self) -> None:
        self._hangs_over.set()

    def charges(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._charges)

    def count(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for c in self.charges():
            counts[c["order_id"]] = counts.get(c["order_id"], 0) + 1
        return counts

    def stop(self) -> None:
        self.release()
        self.release_hanging()
        local_http.stop(self._server)


class Backend:
    """One scenario's resources on the backend, each deleted when the scenario ends."""

    def __init__(self, s):
        self.s = s
        self.lam, self.apigw2 = s.client("lambda"), s.client("apigatewayv2")
        self.region = self.lam.meta.region_name
        self.endpoint_url = s.target.endpoint_url

    def table(self) -> str:
        return self.s.create.table("orders", key="pk")

    def learner_function(self, entry: str, timeout_s: int, env: dict[str, str],
                         handler_file: str) -> tuple[str, str]:
        """The learner's file as a function whose handler is ``entry``; (name, arn)."""
        source = Path(self.s.target.handler_path).read_text()
        return self._function(entry, {handler_file: source},
                              f"{Path(handler_file).stem}.{entry}", timeout_s, env)

    def own_function(self, label: str, source: str, timeout_s: int = 10) -> tuple[str, str]:
        return self._function(label, source, "app.handler", timeout_s, {})

    def _function(self, label, files, handler, timeout_s, env) -> tuple[str, str]:
        name = self.s.create.function(label, files, handler=handler, Timeout=timeout_s,
                                      MemorySize=128, Environment={"Variables": env})
        return name, self.s.create.function_arn(name)

    def http_api(self, function_arn: str, routes: list[str], timeout_ms: int | None = None,
                 route_limits: dict[str, tuple[float, int]] | None = None) -> str:
        """An HTTP API whose routes proxy to the function; its invoke URL."""
        api_id = apis.create_http_api(self.apigw2, f"{self.s.namespace}-api")
        self.s.on_cleanup(lambda: self.apigw2.delete_api(ApiId=api_id))
        settings = {"TimeoutInMillis": timeout_ms} if timeout_ms else {}
        integration = apis.lambda_proxy(self.apigw2, self.lam, api_id, function_arn, **settings)
        apis.add_routes(self.apigw2, api_id, {key: integration for key in routes})
        stage = {}
        if route_limits:
            stage["RouteSettings"] = {key: {"ThrottlingRateLimit": float(rate),
                                            "ThrottlingBurstLimit": int(burst)}
                                      for key, (rate, burst) in route_limits.items()}
        apis.deploy_stage(self.apigw2, api_id, **stage)
        return invoke_url(self.endpoint_url, self.region, api_id)

    def queue(self, visibility_s: int) -> tuple[str, str]:
        url = self.s.create.queue("orders", VisibilityTimeout=visibility_s)
        return url, queue_arn(self.s.client("sqs"), url)

    def messages_left(self, queue_url: str) -> int:
        counts = self.s.client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return sum(int(v) for v in counts.values())

    def connect(self, queue_arn: str, function_name: str) -> None:
        self.s.create.mapping(FunctionName=function_name, EventSourceArn=queue_arn, BatchSize=5)
