"""FunctionConfig: the facts about one function version that its environments need.

Built from moto's LambdaFunction model. Two configs with the same ``fingerprint`` may
share environments; a code or configuration update changes the fingerprint, so new
invocations get fresh environments, as on AWS.
"""
from __future__ import annotations

import io
import os
import threading
import zipfile
from dataclasses import dataclass, field

DEFAULT_ACCOUNT = "123456789012"
_extract_lock = threading.Lock()


@dataclass(frozen=True)
class FunctionConfig:
    account: str
    region: str
    name: str
    version: str                 # "$LATEST" or "1", "2", ...
    arn: str                     # unqualified function ARN
    handler: str
    runtime: str
    code_sha256: str
    memory_mb: int
    timeout_s: float
    env_vars: tuple = field(default_factory=tuple)   # sorted (key, value) pairs
    log_format: str = "Text"     # LoggingConfig.LogFormat
    log_level: str = ""          # LoggingConfig.ApplicationLogLevel (JSON only)
    log_group: str = ""
    tracing_mode: str = "PassThrough"   # TracingConfig.Mode: "Active" or "PassThrough"

    @property
    def fingerprint(self) -> tuple:
        return (self.account, self.region, self.name, self.version, self.code_sha256,
                self.handler, self.runtime, self.memory_mb, self.timeout_s, self.env_vars,
                self.log_format, self.log_level, self.log_group, self.tracing_mode)

    @property
    def function_id(self) -> tuple[str, str, str]:
        """Concurrency is counted per function (all versions), per account and region."""
        return (self.account, self.region, self.name)

    def qualified_arn(self, qualifier: str | None) -> str:
        return f"{self.arn}:{qualifier}" if qualifier else self.arn

    @property
    def active_tracing(self) -> bool:
        return self.tracing_mode == "Active"

    @property
    def json_logs(self) -> bool:
        return self.log_format.upper() == "JSON"


def from_moto(fn) -> FunctionConfig:
    """fn: moto.awslambda.models.LambdaFunction (a version or $LATEST)."""
    logging_config = getattr(fn, "labkit_logging_config", None) or {}
    arn = fn.function_arn
    if arn.count(":") > 6:  # strip a version qualifier
        arn = arn.rsplit(":", 1)[0]
    return FunctionConfig(
        account=fn.account_id, region=fn.region, name=fn.function_name,
        version=str(fn.version), arn=arn, handler=fn.handler or "app.handler",
        runtime=fn.run_time or "python3.11", code_sha256=fn.code_sha_256,
        memory_mb=int(fn.memory_size or 128), timeout_s=float(fn.timeout or 3),
        env_vars=tuple(sorted((fn.environment_vars or {}).items())),
        log_format=logging_config.get("LogFormat", "Text"),
        log_level=logging_config.get("ApplicationLogLevel", "") if
        logging_config.get("LogFormat") == "JSON" else "",
        log_group=logging_config.get("LogGroup") or f"/aws/lambda/{fn.function_name}",
        tracing_mode=(getattr(fn, "tracing_config", None) or {}).get("Mode") or "PassThrough",
    )


def code_dir_for(fn, base_dir: str) -> str:
    """Unzip the function's code once per code hash into its own directory."""
    sha = (fn.code_sha_256 or "nocode").replace("/", "_").replace("+", "-")[:24]
    path = os.path.join(base_dir, fn.function_name, sha)
    with _extract_lock:
        if not os.path.isdir(path):
            tmp = path + ".partial"
            os.makedirs(tmp, exist_ok=True)
            data = getattr(fn, "code_bytes", b"") or b""
            if data:
                with zipfile.ZipFile(io.BytesIO(data)) as zf:
                    zf.extractall(tmp)
            os.rename(tmp, path)
    return path
