"""Weighted aliases: which version one invocation of an alias runs.

AWS Lambda Developer Guide, "Lambda function aliases" / "Create a routing configuration
for an alias": an alias with RoutingConfig AdditionalVersionWeights {"2": 0.1} sends that
share of its invocations to version 2 and the rest to the alias's FunctionVersion; the
choice is made per invocation, and the Invoke response's X-Amz-Executed-Version says which
version ran. moto stores the routing configuration but always resolves the main version.
"""
from __future__ import annotations

import random

_draws = random.Random()     # its own generator: seeding the global one must not fix canaries


def pick(main_version: str, routing_config: dict | None, draw: float | None = None) -> str:
    """The version to run: each additional version owns a slice of [0, 1) as wide as its
    weight, the main version the rest."""
    weights = (routing_config or {}).get("AdditionalVersionWeights") or {}
    draw = _draws.random() if draw is None else draw
    edge = 0.0
    for version, weight in weights.items():
        edge += float(weight)
        if draw < edge:
            return str(version)
    return str(main_version)


def route(lambdas, fn, qualifier: str | None):
    """moto's function model for the version this invocation runs: ``fn`` itself unless
    ``qualifier`` names an alias with a routing configuration. ``lambdas`` is moto's
    LambdaStorage (backend._lambdas)."""
    return route_weighted(lambdas, fn, qualifier)[0]


def route_weighted(lambdas, fn, qualifier: str | None) -> tuple:
    """(``route``'s function model, whether ``qualifier`` names a weighted alias: one whose
    routing configuration gives a weight to an additional version; AWS publishes its
    metrics per ExecutedVersion too)."""
    if not qualifier or qualifier.isdigit() or qualifier.upper() == "$LATEST":
        return fn, False
    try:
        alias = lambdas._get_function_aliases(fn.function_name).get(qualifier)
    except Exception:     # the function went away meanwhile: run what was resolved
        return fn, False
    if alias is None or not (alias.routing_config or {}).get("AdditionalVersionWeights"):
        return fn, False
    version = pick(alias.function_version, alias.routing_config)
    if version == str(fn.version):
        return fn, True
    return lambdas._get_version(fn.function_name, version) or fn, True
