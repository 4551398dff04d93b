"""Invoke URL parsing and route matching of the API Gateway front door (pure logic)."""
from __future__ import annotations

from types import SimpleNamespace

from labkit.emulator.apigateway import invoke_url
from labkit.emulator.apigateway.http_routing import select_route
from labkit.emulator.apigateway.rest_routing import match_template, select_method, select_resource


def _resource(path, *methods):
    return SimpleNamespace(get_path=lambda: path, resource_methods={m: f"{m} {path}" for m in methods})


def test_invoke_url_shapes():
    t = invoke_url.parse("/restapis/abc/dev/_user_request_/items/1")
    assert (t.api_id, t.stage, t.path, t.rest_only) == ("abc", "dev", "/items/1", True)
    t = invoke_url.parse("/_aws/execute-api/abc/prod/a/b")
    assert (t.api_id, t.stage, t.path, t.rest_only) == ("abc", "prod", "/a/b", False)
    assert invoke_url.parse("/restapis/abc/dev/_user_request_").path == "/"
    assert invoke_url.parse("/restapis/abc/resources") is None   # moto's control plane
    assert invoke_url.parse("/restapis/abc/stages/dev") is None
    assert invoke_url.parse("/_aws/execute-api/abc").stage is None


def test_literal_beats_parameter_beats_greedy():
    resources = [_resource("/"), _resource("/items", "GET"), _resource("/items/{id}", "GET"),
                 _resource("/items/special", "GET"), _resource("/{proxy+}", "ANY")]
    assert select_resource(resources, "/items/special")[0].get_path() == "/items/special"
    res, m = select_resource(resources, "/items/42")
    assert res.get_path() == "/items/{id}" and m.path_parameters == {"id": "42"}
    res, m = select_resource(resources, "/items/42/parts")
    assert res.get_path() == "/{proxy+}" and m.path_parameters == {"proxy": "items/42/parts"}
    assert select_resource(resources, "/")[0].get_path() == "/"


def test_greedy_needs_at_least_one_segment():
    assert match_template("/files/{proxy+}", "/files") is None
    assert match_template("/files/{proxy+}", "/files/a").path_parameters == {"proxy": "a"}


def test_any_method_is_the_fallback():
    res = _resource("/x", "GET", "ANY")
    assert select_method(res, "get") == "GET /x"
    assert select_method(res, "DELETE") == "ANY /x"
    assert select_method(_resource("/x", "GET"), "POST") is None


def _route(key):
    return SimpleNamespace(route_key=key)


def test_http_routes_specific_then_greedy_then_default():
    routes = [_route("GET /items/{id}"), _route("ANY /items/{id}"), _route("ANY /{proxy+}"),
              _route("$default")]
    route, m = select_route(routes, "GET", "/items/7")
    assert route.route_key == "GET /items/{id}" and m.path_parameters == {"id": "7"}
    assert select_route(routes, "PUT", "/items/7")[0].route_key == "ANY /items/{id}"
    assert select_route(routes, "GET", "/else/where")[0].route_key == "ANY /{proxy+}"
    assert select_route([_route("GET /a"), _route("$default")], "GET", "/b")[0].route_key == "$default"
    assert select_route([_route("GET /a")], "POST", "/a") is None
