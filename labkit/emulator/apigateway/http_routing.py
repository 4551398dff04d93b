"""Which HTTP API route a request selects (API Gateway Developer Guide, "Create routes for
HTTP APIs in API Gateway"): the most specific match wins: a full match of route and method,
then a route with a greedy path variable ({proxy+}), then the $default route. ANY matches
every method; a route naming the method is preferred over ANY at the same path."""
from __future__ import annotations

from labkit.emulator.apigateway.rest_routing import RouteMatch, match_template


def select_route(routes, method: str, path: str):
    """(route, RouteMatch) among moto's Route objects (route_key "GET /items/{id}",
    "ANY /{proxy+}", "$default"), or None."""
    found = []
    default = None
    for route in routes:
        key = route.route_key or ""
        if key == "$default":
            default = route
            continue
        verb, _, template = key.partition(" ")
        if verb.upper() not in (method.upper(), "ANY"):
            continue
        m = match_template(template, path)
        if m is not None:
            found.append(((m.score, verb.upper() != "ANY"), route, m))
    if found:
        _, route, m = max(found, key=lambda t: t[0])
        return route, m
    if default is not None:
        return default, RouteMatch("$default", {}, ((), -1))
    return None
