"""Keep LoggingConfig and DeadLetterConfig on Lambda functions (moto drops both).

The runtime needs them: LoggingConfig.LogFormat=JSON switches the function's logs to
structured JSON (AWS_LAMBDA_LOG_FORMAT) and DeadLetterConfig.TargetArn receives events
whose asynchronous invocation failed.
"""
from __future__ import annotations

NAME = "lambda_config"
AWS_BEHAVIOUR = (
    "CreateFunction / UpdateFunctionConfiguration accept LoggingConfig (LogFormat Text|JSON, "
    "ApplicationLogLevel, SystemLogLevel, LogGroup) and DeadLetterConfig (TargetArn: an SQS "
    "queue or SNS topic for events that fail processing), and GetFunctionConfiguration "
    "returns them (AWS Lambda API Reference: CreateFunction, FunctionConfiguration)."
)


def apply(ctx) -> None:
    from moto.awslambda.models import LambdaFunction

    original_init = LambdaFunction.__init__
    original_update = LambdaFunction.update_configuration
    original_get = LambdaFunction.get_configuration

    def __init__(self, account_id, spec, region, version=1):
        original_init(self, account_id, spec, region, version)
        self.labkit_logging_config = _logging(spec.get("LoggingConfig"), self.function_name)
        self.labkit_dead_letter_config = dict(spec.get("DeadLetterConfig") or {})

    def update_configuration(self, config_updates):
        if "LoggingConfig" in config_updates:
            merged = dict(getattr(self, "labkit_logging_config", {}) or {})
            merged.update(config_updates["LoggingConfig"] or {})
            self.labkit_logging_config = _logging(merged, self.function_name)
        if "DeadLetterConfig" in config_updates:
            self.labkit_dead_letter_config = dict(config_updates["DeadLetterConfig"] or {})
        return original_update(self, config_updates)

    def get_configuration(self, on_create=False):
        config = original_get(self, on_create)
        config["LoggingConfig"] = dict(getattr(self, "labkit_logging_config", None)
                                       or _logging(None, self.function_name))
        dlq = getattr(self, "labkit_dead_letter_config", None)
        if dlq and dlq.get("TargetArn"):
            config["DeadLetterConfig"] = {"TargetArn": dlq["TargetArn"]}
        return config

    LambdaFunction.__init__ = __init__
    LambdaFunction.update_configuration = update_configuration
    LambdaFunction.get_configuration = get_configuration


def _logging(raw: dict | None, function_name: str) -> dict:
    """AWS defaults: Text format, log group /aws/lambda/NAME; levels only with JSON."""
    raw = dict(raw or {})
    config = {"LogFormat": raw.get("LogFormat", "Text"),
              "LogGroup": raw.get("LogGroup") or f"/aws/lambda/{function_name}"}
    if config["LogFormat"] == "JSON":
        config["ApplicationLogLevel"] = raw.get("ApplicationLogLevel", "INFO")
        config["SystemLogLevel"] = raw.get("SystemLogLevel", "INFO")
    return config
