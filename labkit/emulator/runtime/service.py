"""LambdaRuntime: the "lambda-runtime" server component (interface in __init__.py).

It owns every execution environment, keyed by function version + configuration, and
counts concurrency per function the way AWS does: concurrent executions = in-flight
invocations; a function with reserved concurrency may run at most that many; the others
share the account limit minus all reservations (AWS "Lambda function scaling").
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from typing import Any, Callable

from labkit.emulator.runtime import (FunctionNotFound, InvokeResult, Throttled, alias_routing,
                                     outcome, trace_segments)
from labkit.emulator.runtime.config import DEFAULT_ACCOUNT, FunctionConfig, code_dir_for, from_moto
from labkit.emulator.runtime.environment import Environment, Invocation


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


class LambdaRuntime:
    name = "lambda-runtime"

    def __init__(self, server_url: str = ""):
        self.server_url = server_url or os.environ.get("LABKIT_SERVER_URL", "")
        self.idle_seconds = _env_float("LABKIT_LAMBDA_IDLE_SECONDS", 300.0)
        self.account_limit = int(_env_float("LABKIT_LAMBDA_ACCOUNT_CONCURRENCY", 1000))
        self._lock = threading.RLock()
        self._idle: dict[tuple, list[Environment]] = defaultdict(list)   # fingerprint -> idle envs
        self._envs: dict[tuple, set[Environment]] = defaultdict(set)     # function id -> all envs
        self._inflight: dict[tuple, int] = defaultdict(int)              # function id -> running now
        self._current_fp: dict[tuple, tuple] = {}                        # (fid, version) -> fingerprint
        self._listeners: list[Callable[[dict], None]] = []
        self._stop = threading.Event()
        self._base_dir = ""
        self._threads: list[threading.Thread] = []
        self.client = None            # which runtime client workers run (client_choice.py)
        self.launcher = None          # optional pre-started interpreters (launcher.py)
        self.monitor = None           # memory limit + CPU share (monitor.py)
        self.async_invoker = None     # InvocationType=Event (async_invoke.py)
        self.provisioned = None       # provisioned concurrency (provisioned.py)
        self.xray = None              # X-Ray daemon (trace_segments.TraceSink): active tracing

    # -- component protocol ------------------------------------------------------------------
    def start(self) -> None:
        from labkit.emulator.runtime.async_invoke import AsyncInvoker
        from labkit.emulator.runtime.client_choice import choose
        from labkit.emulator.runtime.launcher import Launcher
        from labkit.emulator.runtime.monitor import Monitor
        from labkit.emulator.runtime.provisioned import ProvisionedConcurrency

        self.server_url = self.server_url or os.environ.get("LABKIT_SERVER_URL", "")
        self._base_dir = tempfile.mkdtemp(prefix="labkit-lambda-")
        self._stop.clear()
        self.client = choose()
        if self.client.name == "portable":  # workers never write bytecode: cache it once here
            import labkit.emulator.runtime.portable_client  # noqa: F401
        if os.environ.get("LABKIT_LAMBDA_PRESTART", "1") != "0":
            self.launcher = Launcher(client=self.client)
        self.monitor = Monitor(self)
        self.monitor.start()
        self.async_invoker = AsyncInvoker(self)
        self.async_invoker.start()
        self.provisioned = ProvisionedConcurrency(self)
        reaper = threading.Thread(target=self._reap_loop, name="lambda-reaper", daemon=True)
        reaper.start()
        self._threads.append(reaper)

    def stop(self) -> None:
        self._stop.set()
        if self.async_invoker:
            self.async_invoker.stop()
        if self.monitor:
            self.monitor.stop()
        self._kill_all()
        if self.launcher:
            self.launcher.stop()
        if self._base_dir:
            shutil.rmtree(self._base_dir, ignore_errors=True)

    def reset(self) -> None:
        if self.async_invoker:
            self.async_invoker.clear()
        if self.provisioned:
            self.provisioned.clear()
        self._kill_all()

    def health(self) -> dict[str, Any]:
        with self._lock:
            functions: dict[str, dict[str, int]] = {}
            for (account, region, name), envs in self._envs.items():
                live = [e for e in envs if e.alive]
                functions[name] = {
                    "environments": len(live),
                    "busy": sum(1 for e in live if e.busy),
                    "provisioned": sum(1 for e in live if e.provisioned),
                    "concurrent": self._inflight.get((account, region, name), 0),
                }
        return {
            "functions": functions,
            "idle_seconds": self.idle_seconds,
            "account_concurrency": self.account_limit,
            "cpu_share": self.monitor.cpu_share_mode if self.monitor else "off",
            "memory_limit": self.monitor.memory_mode if self.monitor else "off",
            "cpu_share_pauses": self.monitor.cpu_stops if self.monitor else 0,
            "prestarted_interpreters": self.launcher is not None,
            "runtime_client": self.client.as_dict() if self.client else None,
            "async_queue": self.async_invoker.depth() if self.async_invoker else 0,
        }

    # -- public API ---------------------------------------------------------------------------
    def add_listener(self, fn: Callable[[dict], None]) -> None:
        self._listeners.append(fn)

    def force_cold_start(self, function_name: str) -> int:
        """Kill the function's on-demand environments (idle and busy)."""
        victims = []
        with self._lock:
            for (account, region, name), envs in self._envs.items():
                if name == function_name:
                    victims += [e for e in envs if not e.provisioned]
            for env in victims:
                self._forget(env)
        for env in victims:
            env.kill("force_cold_start")
        return len(victims)

    def retire(self, account: str, region: str, name: str, version: str | None = None,
               reason: str = "deleted") -> int:
        """Stop the environments of a deleted or changed function (``version`` None: all of
        its versions). Idle ones stop now; busy ones finish their invocation, then stop."""
        idle = []
        with self._lock:
            for env in list(self._envs.get((account, region, name), ())):
                if version is not None and env.config.version != version:
                    continue
                if env.busy:
                    env.kill_reason = env.kill_reason or reason   # _release dooms it
                else:
                    idle.append(env)
                    self._forget(env)
            if reason == "deleted" and self.provisioned:
                self.provisioned.drop(account, region, name, version)
        for env in idle:
            env.kill(reason)
            threading.Thread(target=self._bury, args=(env,), daemon=True).start()
        return len(idle)

    def invoke(self, function_name_or_arn: str, payload: bytes, *, qualifier: str | None = None,
               invocation_type: str = "RequestResponse",
               trace_header: str | None = None) -> InvokeResult:
        fn = self.resolve(function_name_or_arn, qualifier)
        if qualifier is None and ":" in function_name_or_arn.split(":function:")[-1]:
            qualifier = function_name_or_arn.rsplit(":", 1)[-1]
        return self.dispatch(fn, payload, qualifier, invocation_type, trace_header=trace_header)

    def dispatch(self, fn, payload: bytes, qualifier: str | None, invocation_type: str,
                 request_id: str | None = None, *,
                 trace_header: str | None = None) -> InvokeResult:
        """Invoke an already-resolved moto function model (used by the moto patches).
        ``trace_header``: the caller's X-Ray header, continued by a traced invocation."""
        if isinstance(payload, str):
            payload = payload.encode()
        request_id = request_id or str(uuid.uuid4())
        if invocation_type == "DryRun":
            return InvokeResult(b"", None, "", request_id, 0.0, False)
        if invocation_type == "Event":
            assert self.async_invoker is not None, "runtime not started"
            self.async_invoker.submit(fn, payload, qualifier, request_id, trace_header)
            return InvokeResult(b"", None, "", request_id, 0.0, False)
        if invocation_type != "RequestResponse":
            raise ValueError(f"InvocationType {invocation_type!r} is not one of "
                             "RequestResponse, Event, DryRun")
        return self.invoke_function(fn, payload, qualifier, request_id, trace_header=trace_header)

    # -- resolution ---------------------------------------------------------------------------
    def resolve(self, function_name_or_arn: str, qualifier: str | None = None):
        """The moto LambdaFunction for a name / partial or full ARN (+ qualifier)."""
        account, region, name = DEFAULT_ACCOUNT, _default_region(), function_name_or_arn
        if name.startswith("arn:"):
            parts = name.split(":")
            region, account, name = parts[3], parts[4], parts[6]
            if len(parts) > 7 and not qualifier:
                qualifier = parts[7]
        elif ":" in name:
            name, qualifier = name.split(":", 1)
        try:
            return lambda_backend(account, region)._lambdas.get_function_by_name_or_arn_with_qualifier(name, qualifier)
        except Exception as exc:  # moto raises its own UnknownFunctionException
            raise FunctionNotFound(f"Function not found: {function_name_or_arn}"
                                   + (f":{qualifier}" if qualifier else "")) from exc

    # -- one synchronous invocation -------------------------------------------------------------
    def invoke_function(self, fn, payload: bytes, qualifier: str | None,
                        request_id: str | None = None, *,
                        trace_header: str | None = None) -> InvokeResult:
        """Run ``payload`` through moto function model ``fn``; raise Throttled when over limits."""
        request_id = request_id or str(uuid.uuid4())
        received = time.time()
        lambdas = lambda_backend(fn.account_id, fn.region)._lambdas
        fn, weighted = alias_routing.route_weighted(lambdas, fn, qualifier)
        cfg = from_moto(fn)
        trace = self._start_trace(cfg, trace_header)
        code_dir = code_dir_for(fn, self._base_dir)
        try:
            env, cold, concurrent = self._acquire(cfg, code_dir, fn, qualifier)
        except Throttled as throttled:   # raised under the lock, reported outside it
            self._emit(cfg, 0.0, False, True, False, throttled.concurrent, qualifier, weighted)
            raise
        try:
            if cold:
                env.start()
            inv = Invocation(request_id=request_id, payload=payload or b"{}",
                             function_arn=cfg.qualified_arn(qualifier), timeout_s=cfg.timeout_s)
            if trace is not None:
                inv.trace_id = trace.header
            env.run(inv)
            result = outcome.finish(cfg, env, inv, cold)
            result.executed_version = cfg.version
            if trace is not None:
                self._record_trace(trace, cfg, env, inv, result, received, cold)
        finally:
            self._release(cfg, env)
        self._emit(cfg, result.duration_ms, result.function_error is not None, False,
                   result.cold, concurrent, qualifier, weighted)
        return result

    def _start_trace(self, cfg: FunctionConfig, trace_header: str | None):
        """The invocation's X-Ray trace (trace_segments.py), or None: no daemon runs, or
        nothing to trace (PassThrough without a caller's header keeps the default one)."""
        if self.xray is None or not (cfg.active_tracing or trace_header):
            return None
        trace = trace_segments.start_trace(trace_header, cfg.active_tracing)
        self.xray.expect(trace.trace_id, cfg.account, cfg.region)
        return trace

    def _record_trace(self, trace, cfg, env, inv, result, received: float, cold: bool) -> None:
        # AWS Lambda API reference, TracingConfig: PassThrough traces only a request whose
        # upstream header says Sampled=1; Active respects any upstream header
        try:
            trace_segments.record_invocation(self.xray, trace, cfg, env, inv, result,
                                             received, cold)
        except Exception as exc:  # tracing must never break an invocation
            print(f"labkit lambda-runtime: recording the trace failed: {exc!r}", file=sys.stderr)

    def _acquire(self, cfg: FunctionConfig, code_dir: str, fn, qualifier: str | None):
        fid = cfg.function_id
        with self._lock:
            self._check_limits(cfg, fn)
            self._inflight[fid] += 1
            concurrent = self._inflight[fid]
            env = self.provisioned.take(cfg, qualifier) if self.provisioned else None
            if env is not None and env.config.version != cfg.version:  # weighted alias's other
                self.provisioned.give_back(env)                         # version: not its code
                env = None
            if env is None:
                self._retire_stale(cfg)
                idle = self._idle[cfg.fingerprint]
                while idle and env is None:
                    candidate = idle.pop()          # most recently used first
                    if candidate.alive:
                        env = candidate
            if env is not None:
                env.busy = True
                return env, False, concurrent
            env = Environment(cfg, code_dir, self.server_url, launcher=self.launcher,
                              monitor=self.monitor)
            env.busy = True
            self._envs[fid].add(env)
            return env, True, concurrent

    def _check_limits(self, cfg: FunctionConfig, fn) -> None:
        fid = cfg.function_id
        backend = lambda_backend(cfg.account, cfg.region)
        reservations = {}
        for other in backend._lambdas.latest():
            if other.reserved_concurrency not in (None, ""):
                reservations[other.function_name] = int(other.reserved_concurrency)
        if cfg.name in reservations:
            if self._inflight[fid] >= reservations[cfg.name]:
                raise Throttled("ReservedFunctionConcurrentInvocationLimitExceeded",
                                concurrent=self._inflight[fid])
            return
        unreserved_capacity = self.account_limit - sum(reservations.values())
        unreserved_inflight = sum(n for (a, r, name), n in self._inflight.items()
                                  if a == cfg.account and r == cfg.region and name not in reservations)
        if unreserved_inflight >= unreserved_capacity:
            raise Throttled("ConcurrentInvocationLimitExceeded", concurrent=self._inflight[fid])

    def _release(self, cfg: FunctionConfig, env: Environment) -> None:
        with self._lock:
            self._inflight[cfg.function_id] -= 1
            env.busy = False
            if not env.alive or env.kill_reason:
                self._forget(env)
                doomed = True
            else:
                doomed = False
                if env.provisioned and self.provisioned:
                    self.provisioned.give_back(env)
                else:
                    self._idle[cfg.fingerprint].append(env)
        if doomed:
            env.kill(env.kill_reason or "dead")
            threading.Thread(target=self._bury, args=(env,), daemon=True).start()

    def _bury(self, env: Environment) -> None:
        env.wait_dead()
        env.cleanup()

    def _forget(self, env: Environment) -> None:
        """Remove env from every pool (caller holds the lock)."""
        self._envs[env.config.function_id].discard(env)
        if not self._envs[env.config.function_id]:
            self._envs.pop(env.config.function_id, None)
        idle = self._idle.get(env.config.fingerprint)
        if idle and env in idle:
            idle.remove(env)
        if env.provisioned and self.provisioned:
            self.provisioned.forget(env)

    def _retire_stale(self, cfg: FunctionConfig) -> None:
        """A code/config update means new environments; stop idle ones running the old one."""
        key = (cfg.function_id, cfg.version)
        old = self._current_fp.get(key)
        if old is not None and old != cfg.fingerprint:
            for env in self._idle.pop(old, []):
                self._forget(env)
                env.kill("updated")
                threading.Thread(target=self._bury, args=(env,), daemon=True).start()
        self._current_fp[key] = cfg.fingerprint

    def _emit(self, cfg: FunctionConfig, duration_ms: float, error: bool, throttled: bool,
              cold: bool, concurrent: int, qualifier: str | None, weighted: bool) -> None:
        event = {"function_name": cfg.name, "duration_ms": duration_ms, "error": error,
                 "throttled": throttled, "cold": cold, "concurrent": concurrent,
                 "timestamp": time.time(), "qualifier": qualifier, "version": cfg.version,
                 "weighted_alias": weighted}
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception as exc:
                print(f"labkit lambda-runtime: listener failed: {exc!r}", file=sys.stderr)

    # -- housekeeping -------------------------------------------------------------------------
    def environments(self) -> list[Environment]:
        with self._lock:
            return [e for envs in self._envs.values() for e in envs]

    def _reap_loop(self) -> None:
        period = max(0.2, min(5.0, self.idle_seconds / 4))
        while not self._stop.wait(period):
            cutoff = time.monotonic() - self.idle_seconds
            doomed = []
            with self._lock:
                for key, idle in list(self._idle.items()):
                    for env in list(idle):
                        if not env.alive or env.last_used < cutoff:
                            doomed.append(env)
                for env in doomed:
                    self._forget(env)
            for env in doomed:
                env.kill("idle")
                self._bury(env)

    def _kill_all(self) -> None:
        with self._lock:
            envs = [e for group in self._envs.values() for e in group]
            self._envs.clear()
            self._idle.clear()
            self._current_fp.clear()
        for env in envs:
            env.kill("reset")
        for env in envs:
            self._bury(env)


def lambda_backend(account: str, region: str):
    """moto's Lambda backend as its HTTP layer sees it (the no-Docker "simple" one when the
    server disabled Docker)."""
    from moto.awslambda.utils import get_backend

    return get_backend(account, region)


def _default_region() -> str:
    return os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "us-east-1"
