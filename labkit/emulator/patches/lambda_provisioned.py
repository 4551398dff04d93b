"""Provisioned concurrency API (moto has none): Put/Get/Delete/ListProvisionedConcurrencyConfig(s)
routed to the runtime, which keeps that many pre-initialised environments per version/alias."""
from __future__ import annotations

import json
from urllib.parse import unquote

NAME = "lambda_provisioned"
AWS_BEHAVIOUR = (
    "\"Provisioned concurrency is the number of pre-initialized execution environments you "
    "want to allocate to your function. These execution environments are prepared to respond "
    "immediately to incoming function requests\"; it is configured on a version or alias "
    "(AWS Lambda Developer Guide: 'Configuring provisioned concurrency'; API "
    "PutProvisionedConcurrencyConfig)."
)


def apply(ctx) -> None:
    from moto.awslambda import urls
    from moto.awslambda.responses import LambdaResponse

    pattern = r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[\w_:%-]+)/provisioned-concurrency/?$"
    urls.url_paths[pattern] = LambdaResponse.dispatch
    LambdaResponse.put_provisioned_concurrency_config = _put
    LambdaResponse.get_provisioned_concurrency_config = _get
    LambdaResponse.delete_provisioned_concurrency_config = _delete
    LambdaResponse.list_provisioned_concurrency_configs = _list


def _provisioned():
    from labkit.emulator.patches.lambda_runtime import runtime

    return runtime().provisioned


def _name(response) -> str:
    return unquote(response.path.split("/functions/", 1)[1].split("/", 1)[0])


def _qualifier(response):
    return (response.querystring.get("Qualifier") or [None])[0]


def _answer(fn):
    from labkit.emulator.runtime.provisioned import ProvisionedConfigError

    try:
        return fn()
    except ProvisionedConfigError as exc:
        return exc.status, {"x-amzn-ErrorType": exc.code, "status": str(exc.status)}, \
            json.dumps({"Type": "User", "message": exc.message})


def _put(self):
    body = json.loads(self.body or "{}")
    count = int(body.get("ProvisionedConcurrentExecutions", 0))
    self.backend.get_function(_name(self), _qualifier(self))
    return _answer(lambda: (202, {"status": "202"},
                            json.dumps(_provisioned().put(_name(self), _qualifier(self), count))))


def _get(self):
    # a version or alias that does not exist: ResourceNotFoundException, HTTP 404, "The resource
    # specified in the request does not exist" (Lambda API Reference, Get/Delete
    # ProvisionedConcurrencyConfig, Errors); moto's lookup answers that (was a 500)
    self.backend.get_function(_name(self), _qualifier(self))
    return _answer(lambda: (200, {}, json.dumps(_provisioned().get(_name(self), _qualifier(self)))))


def _delete(self):
    self.backend.get_function(_name(self), _qualifier(self))

    def run():
        _provisioned().delete(_name(self), _qualifier(self))
        return 204, {"status": "204"}, ""

    return _answer(run)


def _list(self):
    self.backend.get_function(_name(self), None)
    return 200, {}, json.dumps({"ProvisionedConcurrencyConfigs": _provisioned().list(_name(self))})
