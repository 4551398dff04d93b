"""Provisioned concurrency: environments initialised ahead of invocations.

AWS: "Provisioned concurrency is the number of pre-initialized execution environments
you want to allocate to your function ... invocations are served with no cold start";
it applies to a published version or an alias, never $LATEST; the REPORT line of an
invocation served by one shows no Init Duration; invocations beyond it spill over to
on-demand environments. moto has no API for it, the lambda_runtime patch routes
Put/Get/Delete/ListProvisionedConcurrencyConfig(s) here.
"""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

from labkit.emulator.runtime.config import code_dir_for, from_moto
from labkit.emulator.runtime.environment import Environment


class ProvisionedConfigError(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass
class _Config:
    function_arn: str
    requested: int
    last_modified: str
    envs: list = field(default_factory=list)
    idle: list = field(default_factory=list)
    initialised: list = field(default_factory=list)   # handed to ``idle`` once initialised
    failure: str = ""

    def response(self) -> dict:
        # counted once handed to idle, not when INIT ends: READY must mean take() finds them
        ready = sum(1 for e in self.initialised if e.alive and e in self.envs)
        status = "FAILED" if self.failure else ("READY" if ready >= self.requested else "IN_PROGRESS")
        doc = {"RequestedProvisionedConcurrentExecutions": self.requested,
               "AvailableProvisionedConcurrentExecutions": ready,
               "AllocatedProvisionedConcurrentExecutions": ready,
               "Status": status, "LastModified": self.last_modified}
        if self.failure:
            doc["StatusReason"] = self.failure
        return doc


class ProvisionedConcurrency:
    def __init__(self, runtime):
        self.runtime = runtime
        self._configs: dict[tuple, _Config] = {}

    def _key(self, fn, qualifier: str) -> tuple:
        return (fn.account_id, fn.region, fn.function_name, qualifier)

    def put(self, function_name: str, qualifier: str | None, count: int) -> dict:
        if not qualifier or qualifier.upper() == "$LATEST":
            raise ProvisionedConfigError(
                "InvalidParameterValueException",
                "Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
        fn = self.runtime.resolve(function_name, qualifier)
        self.delete(function_name, qualifier, missing_ok=True)
        cfg = from_moto(fn)
        code_dir = code_dir_for(fn, self.runtime._base_dir)
        config = _Config(function_arn=cfg.qualified_arn(qualifier), requested=int(count),
                         last_modified=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000+0000"))
        with self.runtime._lock:
            self._configs[self._key(fn, qualifier)] = config
            for _ in range(int(count)):
                env = Environment(cfg, code_dir, self.runtime.server_url, provisioned=True,
                                  launcher=self.runtime.launcher, monitor=self.runtime.monitor)
                env.cold_reported = False
                config.envs.append(env)
                self.runtime._envs[cfg.function_id].add(env)
        threading.Thread(target=self._initialise, args=(config,), daemon=True).start()
        return config.response()

    def _initialise(self, config: _Config) -> None:
        for env in list(config.envs):
            if env.kill_reason is None:   # not retired (function deleted) meanwhile
                env.start()
        for env in list(config.envs):
            env.ready.wait(60)
            with self.runtime._lock:
                if env.init_error_body is not None or not env.alive:
                    config.failure = "FUNCTION_ERROR_INIT_FAILURE"
                elif env in config.envs:
                    config.idle.append(env)
                    config.initialised.append(env)

    def get(self, function_name: str, qualifier: str | None) -> dict:
        fn = self.runtime.resolve(function_name, qualifier)
        config = self._configs.get(self._key(fn, qualifier or ""))
        if config is None:
            raise ProvisionedConfigError(
                "ProvisionedConcurrencyConfigNotFoundException",
                "No Provisioned Concurrency Config found for this function", 404)
        return config.response()

    def list(self, function_name: str) -> list[dict]:
        fn = self.runtime.resolve(function_name)
        out = []
        for (account, region, name, qualifier), config in self._configs.items():
            if (account, region, name) == (fn.account_id, fn.region, fn.function_name):
                doc = config.response()
                doc["FunctionArn"] = config.function_arn
                out.append(doc)
        return out

    def delete(self, function_name: str, qualifier: str | None, missing_ok: bool = False) -> None:
        fn = self.runtime.resolve(function_name, qualifier)
        with self.runtime._lock:
            config = self._configs.pop(self._key(fn, qualifier or ""), None)
            if config is None:
                if missing_ok:
                    return
                # AWS: Delete answers ResourceNotFoundException (Get: ...ConfigNotFound...)
                raise ProvisionedConfigError(
                    "ResourceNotFoundException",
                    "No Provisioned Concurrency Config found for this function", 404)
            for env in config.envs:
                self.runtime._envs[env.config.function_id].discard(env)
        for env in config.envs:
            env.kill("deprovisioned")

    # -- used by the runtime, under its lock ------------------------------------------------------
    def take(self, cfg, qualifier: str | None) -> Environment | None:
        config = self._configs.get((cfg.account, cfg.region, cfg.name, qualifier or ""))
        while config is not None and config.idle:
            env = config.idle.pop()
            if env.alive:
                return env
        return None

    def give_back(self, env: Environment) -> None:
        for config in self._configs.values():
            if env in config.envs:
                config.idle.append(env)
                return
        env.kill("deprovisioned")

    def forget(self, env: Environment) -> None:
        for config in self._configs.values():
            if env in config.envs:
                config.envs.remove(env)
                if env in config.idle:
                    config.idle.remove(env)

    def drop(self, account: str, region: str, name: str, version: str | None = None) -> None:
        """Forget the configs of a deleted function (or version); caller holds the lock and
        stops their environments."""
        for key in [k for k in self._configs if k[:3] == (account, region, name)]:
            if version is None or key[3] == version:
                del self._configs[key]

    def clear(self) -> None:
        with self.runtime._lock:
            configs, self._configs = list(self._configs.values()), {}
        for config in configs:
            for env in config.envs:
                env.kill("reset")
