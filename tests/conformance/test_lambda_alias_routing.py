"""A weighted alias splits its invocations between two versions (runtime: alias_routing.py)."""
from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

from labkit.deploy import deploy_function

RELEASE = """
def handler(event, context):
    return {"release": "RELEASE"}
"""


def test_a_weighted_alias_sends_its_share_to_the_additional_version(aws):
    """AWS Lambda Developer Guide, "Lambda function aliases" / "Create a routing
    configuration for an alias": with a routing configuration an alias "sends a portion of
    invocation requests to a second function version"; the weight is the percentage of
    traffic the additional version receives. The Invoke response's ExecutedVersion (API
    Reference, Invoke: X-Amz-Executed-Version) is "the version of the function that
    executed"."""
    lam = aws("lambda")
    name = f"canary-{uuid.uuid4().hex[:6]}"
    deploy_function(lam, name, RELEASE.replace("RELEASE", "1"), Timeout=10)
    assert lam.publish_version(FunctionName=name)["Version"] == "1"
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    deploy_function(lam, name, RELEASE.replace("RELEASE", "2"), Timeout=10)
    assert lam.publish_version(FunctionName=name)["Version"] == "2"
    lam.update_alias(FunctionName=name, Name="live", FunctionVersion="1",
                     RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}})

    def invoke(_):
        answer = lam.invoke(FunctionName=name, Qualifier="live", Payload=b"{}")
        return answer["ExecutedVersion"], json.loads(answer["Payload"].read())["release"]

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(invoke, range(200)))
    assert all(version == release for version, release in answers), answers
    canary = sum(1 for version, _ in answers if version == "2")
    # binomial(200, 0.25): mean 50, sd 6.1. 20..80 is about 5 sd either side: a fair split
    # falls outside it about once in a million runs (30..70 missed about once in 1,200 runs,
    # and did in CI: 29 of 200), while no routing (0) or an even split (100) stays far outside it.
    assert 20 <= canary <= 80, f"{canary} of 200 invocations ran version 2"
    assert {version for version, _ in answers} == {"1", "2"}

    lam.update_alias(FunctionName=name, Name="live", FunctionVersion="1",
                     RoutingConfig={"AdditionalVersionWeights": {}})   # rollback
    rolled_back = [invoke(i) for i in range(10)]
    assert rolled_back == [("1", "1")] * 10
