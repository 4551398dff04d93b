"""API Gateway's data plane on the embedded backend: a deployed API answers at an invoke URL.

moto stores REST APIs (v1) and HTTP APIs (v2) but serves none of them. This package reads
moto's models and answers requests sent to the invoke URL, the way API Gateway does:

  invoke_url.py       the URL shapes (LocalStack's path-style convention)
  http_messages.py    the request and response the gateway passes around
  rest_routing.py     REST resources ({param}, {proxy+}) -> resource + method
  http_routing.py     HTTP API route keys (GET /items/{id}, ANY /{proxy+}, $default)
  proxy_events.py     Lambda proxy integration events, payload 1.0 and 2.0
  proxy_responses.py  a function's answer -> an HTTP response (1.0, 2.0)
  lambda_call.py      invoking a function under the integration timeout (it runs on after)
  lambda_proxy.py     one proxy integration call, with API Gateway's error answers
  token_bucket.py     stage / route throttling
  authorizers.py      Lambda authorizers (REST TOKEN/REQUEST, HTTP API REQUEST)
  authorizer_policy.py / authorizer_cache.py   the returned IAM policy; results by TTL
  sqs_integration.py  SQS SendMessage service integrations
  rest_gateway.py     one request through a REST API
  http_gateway.py     one request through an HTTP API
  metrics.py          AWS/ApiGateway metrics (Count, 4XXError, 5XXError, Latency, ...)
  front_door.py       the WSGI app + the "apigateway" component (features switched by patches)
"""
