"""Wrong design: "structured logs are JSON lines, one json.dumps away": the learner drops
Powertools Logger for a small class that prints each line as JSON with its level, its message and
the correlation id, and so has no @logger.inject_lambda_context to add. Every line parses, but
none carries the Lambda request id: in CloudWatch no line can be tied to its invocation (its
REPORT line with duration and cold start, the runtime's report of its error), so the query of
task 3 cannot find a failed request's id-less lines, and two invocations of one environment run
together in its stream.
Caught by: json-lines."""

REPLACE = [
    ("""\
import json, os, uuid
""",
     """\
import json, os, traceback, uuid
"""),
    ("""\
from aws_lambda_powertools import Logger, Tracer

logger = Logger()               # one JSON object per line; service name: $POWERTOOLS_SERVICE_NAME
""",
     """\
from aws_lambda_powertools import Tracer


class JsonLogger:
    \"\"\"One JSON object per line, without a library: level, message, the correlation id.\"\"\"

    def __init__(self):
        self.keys = {}

    def set_correlation_id(self, correlation_id):
        self.keys["correlation_id"] = correlation_id

    def _write(self, level, message, extra):
        print(json.dumps({"level": level, "message": message, **self.keys, **(extra or {})}),
              flush=True)

    def info(self, message, extra=None):
        self._write("INFO", message, extra)

    def exception(self, message):
        self._write("ERROR", message, {"exception": traceback.format_exc()})


logger = JsonLogger()
"""),
    ("""\
@logger.inject_lambda_context   # task 1: level, message, function_request_id on every line
""",
     ""),
    ("""\
@logger.inject_lambda_context
@tracer.capture_lambda_handler  # task 5""",
     """\
@tracer.capture_lambda_handler  # task 5"""),
    ("""\
@logger.inject_lambda_context
def notify(event, context):
""",
     """\
def notify(event, context):
"""),
]
