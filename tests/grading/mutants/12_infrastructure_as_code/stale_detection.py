"""Planted bug: drifted() reads the drift results without running a new detection, so it answers
with the on-call engineer's detection from before the release (the hand change the release set
again is still in it). Caught by: surviving-drift."""

REPLACE = [
    ("""\
    detection = cloudformation.detect_stack_drift(StackName=stack)["StackDriftDetectionId"]
    while True:
        status = cloudformation.describe_stack_drift_detection_status(
            StackDriftDetectionId=detection)
        if status["DetectionStatus"] != "DETECTION_IN_PROGRESS":
            break
        time.sleep(0.5)
""", ""),
]
