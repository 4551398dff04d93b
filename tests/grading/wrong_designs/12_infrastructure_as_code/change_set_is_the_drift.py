"""Wrong design: drifted() compares templates instead of live state: it reports what the last
change set (the release) changed, the difference between the previous template and the new
one. That is the hand change the release overwrote, and never the ones it left in place.
Caught by: surviving-drift."""

REPLACE = [
    ("""\
    detection = cloudformation.detect_stack_drift(StackName=stack)["StackDriftDetectionId"]
    while True:
        status = cloudformation.describe_stack_drift_detection_status(
            StackDriftDetectionId=detection)
        if status["DetectionStatus"] != "DETECTION_IN_PROGRESS":
            break
        time.sleep(0.5)
    drifts = cloudformation.describe_stack_resource_drifts(
        StackName=stack, StackResourceDriftStatusFilters=["MODIFIED"])["StackResourceDrifts"]
    return {"drifted": [{"resource": d["LogicalResourceId"],
                         "property": difference["PropertyPath"].lstrip("/")}
                        for d in drifts for difference in d.get("PropertyDifferences", [])]}
""", """\
    summaries = cloudformation.list_change_sets(StackName=stack)["Summaries"]
    latest = max(summaries, key=lambda summary: summary["CreationTime"])
    changes = cloudformation.describe_change_set(
        StackName=stack, ChangeSetName=latest["ChangeSetId"])["Changes"]
    return {"drifted": [{"resource": c["ResourceChange"]["LogicalResourceId"],
                         "property": d["Target"].get("Name")}
                        for c in changes for d in c["ResourceChange"].get("Details", [])
                        if d["Target"].get("Attribute") == "Properties"]}
"""),
]
