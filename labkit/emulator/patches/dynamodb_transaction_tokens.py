"""TransactWriteItems honours ClientRequestToken: a repeated call within 10 minutes is a no-op.

moto ignores the token, so a retried transaction (boto3 retries, a Lambda retried by its
event source) applies its writes twice: exactly the double counting lesson 04 warns about.
"""
from __future__ import annotations

import json
import time

from labkit.emulator.patches.dynamodb_atomic_writes import serialized

NAME = "dynamodb_transaction_tokens"
AWS_BEHAVIOUR = (
    "TransactWriteItems, ClientRequestToken: 'Providing a ClientRequestToken makes the call to "
    "TransactWriteItems idempotent, meaning that multiple identical calls have the same effect "
    "as one single call. [...] A client request token is valid for 10 minutes after the first "
    "request that uses it is completed. [...] If you submit a request with the same client "
    "token but a change in other parameters within the 10-minute idempotency window, DynamoDB "
    "returns an IdempotentParameterMismatch exception.' (Amazon DynamoDB API Reference, "
    "TransactWriteItems)"
)

WINDOW_SECONDS = 600.0

# (account, region, token) -> (canonical parameters, completed at)
_completed: dict[tuple[str, str, str], tuple[str, float]] = {}


def _parameters(body: dict) -> str:
    """What must match for a repeat to count as 'identical' (all but the token itself)."""
    ignored = {"ClientRequestToken", "ReturnConsumedCapacity"}
    return json.dumps({k: v for k, v in body.items() if k not in ignored}, sort_keys=True)


def _forget_expired(now: float) -> None:
    for key in [k for k, (_, at) in _completed.items() if now - at >= WINDOW_SECONDS]:
        del _completed[key]


def apply(ctx) -> None:
    from moto.dynamodb.exceptions import DynamodbException
    from moto.dynamodb.responses import DynamoHandler, DynamoResult

    class IdempotentParameterMismatch(DynamodbException):
        def __init__(self) -> None:
            super().__init__(
                "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
                "Transaction with the same client request token already exists "
                "with different parameters",
            )

    original = DynamoHandler.transact_write_items

    def transact_write_items(self):
        token = self.body.get("ClientRequestToken")
        if not token:
            return original(self)
        key = (self.current_account, self.region, token)
        params = _parameters(self.body)
        with serialized():
            now = time.time()
            if len(_completed) > 1000:
                _forget_expired(now)
            seen = _completed.get(key)
            if seen and now - seen[1] < WINDOW_SECONDS:
                if seen[0] != params:
                    raise IdempotentParameterMismatch()
                return DynamoResult({})  # same request again: no second effect
            result = original(self)  # raises on a cancelled transaction: token not recorded
            _completed[key] = (params, time.time())
            return result

    DynamoHandler.transact_write_items = transact_write_items

    class TokenReset:
        """Forget tokens when the backend is reset (their transactions are gone too)."""

        name = "dynamodb-transaction-tokens"

        def start(self) -> None: ...
        def stop(self) -> None: ...

        def reset(self) -> None:
            _completed.clear()

        def health(self) -> dict:
            return {"tokens_remembered": len(_completed)}

    ctx.add_component(TokenReset())
