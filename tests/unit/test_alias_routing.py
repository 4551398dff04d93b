"""alias_routing.pick: each additional version owns a slice of [0, 1) as wide as its weight
(AWS Lambda Developer Guide, "Create a routing configuration for an alias")."""
from __future__ import annotations

from types import SimpleNamespace

from labkit.emulator.runtime.alias_routing import pick, route, route_weighted

CANARY = {"AdditionalVersionWeights": {"2": 0.1}}


def test_the_draw_below_the_weight_runs_the_additional_version():
    assert pick("1", CANARY, draw=0.0) == "2"
    assert pick("1", CANARY, draw=0.0999) == "2"
    assert pick("1", CANARY, draw=0.1) == "1"
    assert pick("1", CANARY, draw=0.99) == "1"


def test_no_routing_configuration_runs_the_main_version():
    assert pick("3", None, draw=0.0) == "3"
    assert pick("3", {}, draw=0.0) == "3"
    assert pick("3", {"AdditionalVersionWeights": {}}, draw=0.0) == "3"


def test_random_draws_follow_the_weight():
    runs = [pick("1", {"AdditionalVersionWeights": {"2": 0.3}}) for _ in range(4000)]
    assert 0.25 < runs.count("2") / len(runs) < 0.35


class _Storage:
    def __init__(self, aliases, versions):
        self.aliases, self.versions = aliases, versions

    def _get_function_aliases(self, name):
        return self.aliases

    def _get_version(self, name, version):
        return self.versions.get(version)


def test_route_resolves_the_drawn_version_only_for_a_weighted_alias():
    v1 = SimpleNamespace(function_name="f", version="1")
    v2 = SimpleNamespace(function_name="f", version="2")
    weighted = SimpleNamespace(function_version="1",
                               routing_config={"AdditionalVersionWeights": {"2": 1.0}})
    plain = SimpleNamespace(function_version="1", routing_config=None)
    storage = _Storage({"live": weighted, "plain": plain}, {"1": v1, "2": v2})
    assert route(storage, v1, "live") is v2
    assert route(storage, v1, "plain") is v1
    assert route(storage, v1, "1") is v1
    assert route(storage, v1, None) is v1


def test_route_says_whether_the_alias_is_weighted():
    """Lambda publishes ExecutedVersion metrics for a weighted alias's invocations: the
    runtime must know which invocations went through one (an emptied routing is none)."""
    v1 = SimpleNamespace(function_name="f", version="1")
    v2 = SimpleNamespace(function_name="f", version="2")
    aliases = {"live": SimpleNamespace(function_version="1", routing_config={
                   "AdditionalVersionWeights": {"2": 0.0}}),
               "rolled-back": SimpleNamespace(function_version="1", routing_config={
                   "AdditionalVersionWeights": {}}),
               "plain": SimpleNamespace(function_version="1", routing_config=None)}
    storage = _Storage(aliases, {"1": v1, "2": v2})
    assert route_weighted(storage, v1, "live") == (v1, True)
    assert route_weighted(storage, v1, "rolled-back") == (v1, False)
    assert route_weighted(storage, v1, "plain") == (v1, False)
    assert route_weighted(storage, v1, "1") == (v1, False)
    assert route_weighted(storage, v1, None) == (v1, False)
