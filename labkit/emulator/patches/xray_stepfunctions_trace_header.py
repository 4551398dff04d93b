"""Step Functions traces an execution in X-Ray and passes the trace header to Lambda.

moto's StartExecution ignores the X-Amzn-Trace-Id header and the traceHeader parameter, its
interpreter invokes functions without a trace header and nothing records the execution, so a
traced function called by a state machine starts a trace of its own. AWS Step Functions
Developer Guide, "Trace Step Functions request data in AWS X-Ray"
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-xray-tracing.html):

  "Step Functions will send traces to X-Ray for state machine executions, even when a trace
  ID is not passed by an upstream service." / "When X-Ray is not enabled for your state
  machine, and an upstream service does not pass a trace ID, Step Functions will not send
  traces to X-Ray for state machine executions. However, if a trace ID is passed by an
  upstream service, Step Functions will then send traces to X-Ray for state machine
  executions." / "to let Step Functions use the same trace ID, you must specify the format
  as Root={TRACE_ID};Sampled={1 or 0}" / services integrated with Step Functions "provide
  integration with AWS X-Ray by adding a tracing header to requests"; AWS Lambda has
  "native X-Ray support". / "A segment records information about a request to your state
  machine. It contains information such as the work that your state machine performs, and
  may also contain subsegments with information about downstream calls."

StartExecution's traceHeader (Step Functions API Reference, as the AWS SDK references give it:
https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/sfn/aws.sdk.kotlin.services.sfn.model/-start-execution-request/trace-header.html
): "If both sources are provided, Step Functions will use the header value (preferred) over
the value in the request body."

So an execution is traced when its state machine has tracingConfiguration enabled or when
StartExecution carries a trace header; the execution's segment (named after the state
machine) continues the caller's trace (same Root, caller's Parent) and holds a subsegment
per Lambda call, whose id is the Parent of the header the Invoke carries (Lambda continues
it: xray_invoke_trace_header, which must be applied too). A call's subsegment is named after
its Task state (our choice) and, as the X-Ray Developer Guide's "X-Ray segment documents" has
AWS SDK calls, has namespace "aws" and aws.operation / aws.region. The page does not say what
an untraced state machine without a caller's trace passes to its functions: nothing here, as
moto does. Not documented, so not done: other fields of these documents, subsegments for
states that call nothing, an origin for the execution's segment. A caller's sampling decision
(Sampled=0) is kept, as X-Ray headers carry it ("Tracing header", X-Ray Developer Guide);
without one every execution is sampled, as for Lambda (runtime/trace_segments.py), so a lab
always finds its trace. Applied on the first Step Functions request (DEFERRED_PATCH_MODULES
"states"): importing moto's interpreter at start-up would cost seconds.
"""
from __future__ import annotations

import functools
import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field

from labkit.emulator.runtime.trace_segments import new_segment_id, new_trace_id, parse_header
from labkit.emulator.xray_trace_header import TRACE_HTTP_HEADER, ServedTraceHeader

NAME = "xray_stepfunctions_trace_header"
AWS_BEHAVIOUR = (
    "With X-Ray tracing enabled on the state machine, or a trace ID passed by an upstream "
    "service (StartExecution's X-Amzn-Trace-Id header, preferred, or traceHeader), Step "
    "Functions sends a trace for the execution and adds the tracing header to its requests to "
    "AWS Lambda, whose segments join that trace (AWS Step Functions Developer Guide, 'Trace "
    "Step Functions request data in AWS X-Ray'; API Reference, StartExecution)."
)

TRACE_ID = re.compile(r"1-[0-9a-f]{8}-[0-9a-f]{24}")   # Root=1-<8 hex time>-<24 hex>
# the header of the StartExecution being served: the HTTP header is preferred over the request
# body's traceHeader
_request = ServedTraceHeader(lambda response: response.headers.get(TRACE_HTTP_HEADER)
                             or response._get_param("traceHeader"))
_calling = threading.local()     # the header of the Lambda Invoke a Task state is making


@dataclass
class ExecutionTrace:
    trace_id: str
    parent: str | None            # the caller's segment, parent of the execution's
    sampled: bool
    segment_id: str = field(default_factory=new_segment_id)
    started: float = field(default_factory=time.time)
    subsegments: list = field(default_factory=list)    # one per Lambda call

    def header_for(self, subsegment_id: str) -> str:
        return f"Root={self.trace_id};Parent={subsegment_id};Sampled={int(self.sampled)}"


def execution_trace(header: str | None, tracing_enabled: bool) -> ExecutionTrace | None:
    """The execution's trace, or None when AWS sends none (tracing off, no caller's header)."""
    if not tracing_enabled and not header:
        return None
    fields = parse_header(header)
    root = fields.get("Root", "")
    # a Root that is no trace id ("Root=not enabled" in AWS's example): a trace of our own
    return ExecutionTrace(trace_id=root if TRACE_ID.fullmatch(root) else new_trace_id(),
                          parent=fields.get("Parent"), sampled=fields.get("Sampled") != "0")


def execution_segment(trace: ExecutionTrace, machine_name: str, machine_arn: str) -> dict:
    segment = {"id": trace.segment_id, "trace_id": trace.trace_id, "name": machine_name,
               "start_time": trace.started, "end_time": max(trace.started, time.time()),
               "resource_arn": machine_arn, "subsegments": list(trace.subsegments)}
    if trace.parent:
        segment["parent_id"] = trace.parent
    return segment


def apply(ctx) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
    from moto.stepfunctions.parser.backend.execution import Execution
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend
    from moto.stepfunctions.responses import StepFunctionResponse

    daemon = ctx.find_component("xray-daemon")
    if daemon is None:
        return   # xray_active_tracing disabled: nowhere to send traces
    traces: dict[str, ExecutionTrace] = {}    # execution ARN -> its trace, while it runs

    moto_start_execution = StepFunctionsParserBackend.start_execution

    @functools.wraps(moto_start_execution)
    def start_execution(self, state_machine_arn, name=None, execution_input=None,
                        trace_header=None):
        return moto_start_execution(self, state_machine_arn, name, execution_input,
                                    trace_header=_request.value or trace_header)

    moto_start = Execution.start

    @functools.wraps(moto_start)
    def start(self):
        tracing = getattr(self.state_machine, "tracingConfiguration", None) or {}
        trace = execution_trace(self.trace_header, bool(tracing.get("enabled")))
        if trace is not None:
            traces[self.exec_arn] = trace
        moto_start(self)

    moto_logic = ExecutionWorker._execution_logic

    @functools.wraps(moto_logic)
    def execution_logic(self):
        details = self._evaluation_details
        try:
            return moto_logic(self)
        finally:
            trace = traces.pop(details.execution_details.arn, None)
            if trace is not None and trace.sampled:
                _record(daemon, trace, details)

    moto_invoke = lambda_eval_utils.execute_lambda_function_integration

    @functools.wraps(moto_invoke)
    def execute_lambda_function_integration(env, parameters, region, state_credentials):
        context = env.states.context_object.context_object_data
        trace = traces.get(context["Execution"]["Id"])
        if trace is None:
            return moto_invoke(env, parameters, region, state_credentials)
        call = {"id": new_segment_id(), "name": (context.get("State") or {}).get("Name", "Lambda"),
                "namespace": "aws", "start_time": time.time(),
                "aws": {"operation": "Invoke", "region": region}}
        _calling.header = trace.header_for(call["id"])
        try:
            return moto_invoke(env, parameters, region, state_credentials)
        finally:
            _calling.header = None
            call["end_time"] = time.time()
            trace.subsegments.append(call)

    moto_client = lambda_eval_utils.boto_client_for

    @functools.wraps(moto_client)
    def boto_client_for(*args, **kwargs):
        client = moto_client(*args, **kwargs)
        header = getattr(_calling, "header", None)
        if header:   # a Task state's Invoke: carry the execution's trace to the function
            client.meta.events.register(
                "before-sign.lambda.Invoke",
                lambda request, **_: request.headers.__setitem__(TRACE_HTTP_HEADER, header))
        return client

    StepFunctionResponse.start_execution = _request.noted_while(
        StepFunctionResponse.start_execution)
    StepFunctionsParserBackend.start_execution = start_execution
    Execution.start = start
    ExecutionWorker._execution_logic = execution_logic
    lambda_eval_utils.execute_lambda_function_integration = execute_lambda_function_integration
    lambda_eval_utils.boto_client_for = boto_client_for


def _record(daemon, trace: ExecutionTrace, details) -> None:
    machine = details.state_machine_details
    account = details.aws_execution_details.account
    region = details.aws_execution_details.region
    try:
        daemon.record(account, region,
                      [json.dumps(execution_segment(trace, machine.name, machine.arn))])
    except Exception as exc:  # tracing must never break an execution
        print(f"labkit {NAME}: recording the trace failed: {exc!r}", file=sys.stderr)
