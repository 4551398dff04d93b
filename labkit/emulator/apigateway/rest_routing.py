"""Which REST API resource and method a request path selects.

API Gateway Developer Guide, "Set up a proxy integration with a proxy resource": a path
parameter {name} matches one path segment, a greedy {name+} matches the rest of the path;
a literal segment is preferred over a parameter, a parameter over a greedy one; ANY stands
for every HTTP method that has no method of its own.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RouteMatch:
    template: str                      # the resource path, e.g. /items/{id}
    path_parameters: dict[str, str]
    score: tuple                       # higher is more specific


def split(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


def match_template(template: str, path: str) -> RouteMatch | None:
    """Match one resource path (or HTTP API route path) against a request path."""
    want, have = split(template), split(path)
    params: dict[str, str] = {}
    score: list[int] = []
    for i, part in enumerate(want):
        if part.startswith("{") and part.endswith("+}"):
            rest = have[i:]
            if not rest or i != len(want) - 1:
                return None
            params[part[1:-2]] = "/".join(rest)
            score.append(0)
            return RouteMatch(template, params, (tuple(score), 0))
        if i >= len(have):
            return None
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = have[i]
            score.append(1)
        elif part == have[i]:
            score.append(2)
        else:
            return None
    if len(want) != len(have):
        return None
    return RouteMatch(template, params, (tuple(score), 1))   # an exact-length match beats greedy


def best(matches: list[RouteMatch]) -> RouteMatch | None:
    return max(matches, key=lambda m: m.score, default=None)


def select_resource(resources, path: str):
    """(resource, RouteMatch) for the most specific of moto's Resource objects, or None."""
    found = []
    for resource in resources:
        m = match_template(resource.get_path(), path)
        if m is not None:
            found.append((m.score, resource, m))
    if not found:
        return None
    _, resource, m = max(found, key=lambda t: t[0])
    return resource, m


def select_method(resource, http_method: str):
    """The resource's method for ``http_method``, else its ANY method, else None."""
    methods = resource.resource_methods
    return methods.get(http_method.upper()) or methods.get("ANY")
