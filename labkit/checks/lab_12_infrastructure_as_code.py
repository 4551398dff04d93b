"""Checks for lab 12 (infrastructure as code and safe delivery): a click-built pipeline as a
template deployed as two stages, the drift a release leaves behind, and a canary release that
an alarm on the new version stops.

The learner writes two files. ``lab12_pipeline.yaml`` (task 1) is lesson 01's queue processor as
a template with parameters ``Prefix`` and ``Stage``: the check deploys it through change sets as
two stages and reads back what the services report (labkit.checks.lab_12_stacks). A queue's
redrive policy sends a message to the dead-letter queue "after the source queue's consumer
failed to process the message the number of times specified in maxReceiveCount" (Amazon SQS
Developer Guide, "Using dead-letter queues"); "To allow your function time to process each
batch of records, set the source queue's visibility timeout to at least six times the timeout
that you configure on your function" (Lambda Developer Guide, "Using Lambda with Amazon SQS");
with ReportBatchItemFailures a function "can return a partial success response" (same guide,
"Handling errors for an SQS event source"). Parity: the two stages' resources are their own and
their settings equal; only names may differ.

``lab12_delivery.py`` holds ``drifted`` (task 2, labkit.checks.lab_12_drift) and ``release``
(task 3, labkit.checks.lab_12_canary), run in the check sandbox like deployment scripts.
Verdicts come from the stacks' resources and their live configuration, the version that served
each request, the alias and the alarms; never from timings.
"""
from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from labkit.checks.framework import Lab, Scenario
from labkit.checks.lab_12_stacks import DeployFailed, deploy, of_type, queue_attributes, resources

LAB = Lab(
    "12", "Infrastructure as code and safe delivery: a template, drift, a canary",
    handler_file="lab12_delivery.py", notebook="12_infrastructure_as_code.ipynb",
    extra_files=("lab12_pipeline.yaml",),
    tasks={
        "task-1": "The click-built pipeline as a template, deployed as two stages",
        "task-2": "The drift a release leaves behind",
        "task-3": "A canary release that an alarm stops",
    },
    lesson_sections={
        "task-1": "1 · Lesson 01's pipeline as a template",
        "task-2": "2 · Drift as it really behaves",
        "task-3": "4 · Versions, an alias, and a canary that stops itself",
    },
)
TEMPLATE_FILE = "lab12_pipeline.yaml"
STAGE_NAMES = ["dev", "test", "qa", "staging", "prod", "perf"]


def _hidden_stages(r: random.Random) -> dict[str, Any]:
    return {"stages": r.sample(STAGE_NAMES, 2)}


def _stage(s: Scenario, stage: str) -> dict[str, Any]:
    """What one stage's stack holds, as the services report it (the template is not read)."""
    found = resources(s, f"{s.namespace}-{stage}")
    functions = of_type(found, "AWS::Lambda::Function")
    queues = of_type(found, "AWS::SQS::Queue")
    mappings = of_type(found, "AWS::Lambda::EventSourceMapping")
    s.expect(len(functions) == 1 and len(queues) == 2 and len(mappings) >= 1,
             observed=f"stage {stage}: {len(functions)} function(s), {len(queues)} queue(s), "
                      f"{len(mappings)} event source mapping(s) in its stack",
             expected="one function, two queues (the orders and their dead-letter queue) and the "
                      "mapping from the queue to the function")
    lam = s.client("lambda")
    fn = lam.get_function_configuration(FunctionName=functions[0])
    attributes = {url: queue_attributes(s, url) for url in queues}
    sources = [url for url, a in attributes.items() if a["RedrivePolicy"]]
    s.expect(len(sources) == 1,
             observed=f"stage {stage}: {len(sources)} of its queues have a redrive policy",
             expected="the orders queue redrives to the dead-letter queue, which has none")
    source = attributes[sources[0]]
    dlq_url = next(url for url in queues if url != sources[0])
    dlq = attributes[dlq_url]
    mapping = [m for m in (lam.get_event_source_mapping(UUID=u) for u in mappings)
               if m.get("EventSourceArn") == source["QueueArn"]]
    s.expect(len(mapping) == 1 and mapping[0].get("FunctionArn", "").endswith(fn["FunctionName"]),
             observed=f"stage {stage}: {len(mapping)} mapping(s) from its orders queue to its "
                      f"function",
             expected="one event source mapping from the orders queue to the function")
    return {
        "names": {fn["FunctionArn"], source["QueueArn"], dlq["QueueArn"]},
        "redrives to": source["RedrivePolicy"].get("deadLetterTargetArn"),
        "dead-letter queue": dlq["QueueArn"],
        "settings": {
            "function timeout (s)": fn["Timeout"], "memory (MB)": fn["MemorySize"],
            "runtime": fn.get("Runtime"), "handler": fn.get("Handler"),
            "visibility timeout (s)": int(source["VisibilityTimeout"]),
            "receives before dead-lettering": int(
                source["RedrivePolicy"].get("maxReceiveCount", 0)),
            "batch size": mapping[0].get("BatchSize"),
            "partial batch responses": "ReportBatchItemFailures" in (
                mapping[0].get("FunctionResponseTypes") or []),
            "queue retention (s)": int(source["MessageRetentionPeriod"]),
            "dead-letter retention (s)": int(dlq["MessageRetentionPeriod"]),
        },
    }


@LAB.check("task-1", "two-stages", "the template deploys as two stages of their own, each "
           "configured as lesson 01 measured, with the same settings", points=4,
           hint="Declare Parameters Prefix and Stage (Type: String, no AllowedValues) and build "
                "every name from both: QueueName: !Sub '${Prefix}-${Stage}-orders' (and -dlq, "
                "and the function's). RedrivePolicy: {deadLetterTargetArn: !GetAtt "
                "DeadLetters.Arn, maxReceiveCount: 3}; VisibilityTimeout at least 6 x the "
                "function's Timeout; the SQS event with FunctionResponseTypes: "
                "[ReportBatchItemFailures]. Nothing else may depend on the stage.",
           public={"stages": ["dev", "prod"]}, hidden=_hidden_stages, hidden_count=1)
def two_stages(s: Scenario) -> None:
    template_path = Path(s.target.handler_path).parent / TEMPLATE_FILE
    s.expect(template_path.is_file(), observed=f"no {TEMPLATE_FILE} beside the handler",
             expected=f"the template, written by the %%writefile {TEMPLATE_FILE} cell")
    template = template_path.read_text()
    def one(stage: str) -> str | None:
        try:
            deploy(s, f"{s.namespace}-{stage}", template, {"Prefix": s.namespace, "Stage": stage})
        except DeployFailed as exc:
            return str(exc)
        return None

    with ThreadPoolExecutor(2) as pool:     # the stages side by side, as a pipeline deploys them
        failures = dict(zip(s.params["stages"], pool.map(one, s.params["stages"])))
    for stage, failure in failures.items():
        s.expect(failure is None, observed=f"stage {stage} did not deploy: {str(failure)[:300]}",
                 expected=f"the template to deploy with Prefix={s.namespace} and Stage={stage}")
    stages = {stage: _stage(s, stage) for stage in s.params["stages"]}
    s.evidence["stages"] = {k: {**v, "names": sorted(v["names"])} for k, v in stages.items()}
    for stage, got in stages.items():
        settings = got["settings"]
        s.expect(got["redrives to"] == got["dead-letter queue"],
                 observed=f"stage {stage}: its orders queue redrives to {got['redrives to']}",
                 expected=f"the dead-letter queue of its own stack ({got['dead-letter queue']})")
        s.expect(settings["receives before dead-lettering"] >= 1,
                 observed=f"stage {stage}: its orders queue moves a message to the dead-letter "
                          f"queue after {settings['receives before dead-lettering']} receives",
                 expected="a message moved to the dead-letter queue after a few receives")
        s.expect(settings["partial batch responses"],
                 observed=f"stage {stage}: the mapping does not take partial batch responses",
                 expected="a batch with one bad record retries that record only (lesson 01)")
        s.expect(settings["visibility timeout (s)"] >= 6 * settings["function timeout (s)"],
                 observed=f"stage {stage}: visibility timeout "
                          f"{settings['visibility timeout (s)']} s for a function timeout of "
                          f"{settings['function timeout (s)']} s",
                 expected="a visibility timeout of at least six times the function's timeout")
    first, second = (stages[name] for name in s.params["stages"])
    shared = first["names"] & second["names"]
    s.expect(not shared, observed=f"the stages share {len(shared)} resource(s): {sorted(shared)}",
             expected="each stage with resources of its own")
    differ = {k: (first["settings"][k], second["settings"][k]) for k in first["settings"]
              if first["settings"][k] != second["settings"][k]}
    s.expect(not differ, observed=f"the stages differ in {differ}",
             expected="the same settings in every stage: only names come from the parameters")


# tasks 2 and 3 register their checks on LAB, in task order
from labkit.checks import lab_12_drift  # noqa: E402,F401,I001
from labkit.checks import lab_12_canary  # noqa: E402,F401
