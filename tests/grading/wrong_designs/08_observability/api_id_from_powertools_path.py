"""Wrong design: the learner follows Powertools' "Setting a Correlation ID" page, which decorates
an API Gateway handler with inject_lambda_context(correlation_id_path=
correlation_paths.API_GATEWAY_REST), and takes the id Powertools set (logger.get_correlation_id())
as the request's id: returned to the caller, queued, logged. That path is
requestContext.requestId, the id API Gateway gives each request; it never looks at the caller's
x-correlation-id header. A caller (another team's service, a front end) that sent its own id
finds it in none of our lines: its trace of the request ends at our door, and support cannot
look up the id the customer quotes.
Caught by: id-at-the-edge."""

REPLACE = [
    ("""\
from aws_lambda_powertools import Logger, Tracer
""",
     """\
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
"""),
    ("""\
@logger.inject_lambda_context   # task 1: level, message, function_request_id on every line
""",
     """\
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
"""),
    ("""\
    correlation_id = headers.get("x-correlation-id") or str(uuid.uuid4())
    logger.set_correlation_id(correlation_id)
""",
     """\
    correlation_id = logger.get_correlation_id()   # set by the decorator, from the event
"""),
]
