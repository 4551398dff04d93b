"""Each submission's result in the shape a course platform reads: PrairieLearn's external
grader ``results.json`` ("Externally graded questions", PrairieLearn documentation): a
score from 0 to 1, points, and one test per check with its points and message."""
from __future__ import annotations

from typing import Any

PLATFORM_FOLDER = "platform"


def platform_result(result: dict[str, Any]) -> dict[str, Any]:
    tests = []
    for check in result.get("checks", []):
        kind = "hidden" if check["hidden"] else "public"
        if check["passed"]:
            message = f"passed {check['scenarios']} {kind} scenario(s)"
        elif check["hidden"]:   # never the hidden schedule, as in the feedback files
            message = (f"failed {check['failed_scenarios']} of {check['scenarios']} hidden "
                       f"scenarios")
        else:
            message = f"observed {check['observed']}; expected {check['expected']}"
        tests.append({"name": f"{check['task']} {check['check']} ({kind})",
                      "description": check["title"], "points": check["points"],
                      "max_points": check["max_points"], "message": message})
    maximum = result.get("max", 0)
    return {"gradable": result.get("lab") != "-" and bool(tests),
            "score": round(result.get("score", 0) / maximum, 4) if maximum else 0.0,
            "points": result.get("score", 0), "max_points": maximum,
            "output": f"notebook status: {result.get('status', '')}",
            "tests": tests, "learner": result.get("learner"), "lab": result.get("lab")}
