"""Wrong design: the client follows the rule of thumb "retry 5xx, never 4xx: a 4xx is the
caller's fault and will answer the same again". But 429 Too Many Requests is a 4xx that means
"not now": API Gateway throttled the request before anything ran, and the same request a moment
later succeeds. A burst over the route's limit then ends with 429s handed back to the caller as
failures, at exactly the moment the client was meant to back off and get through.
Caught by: retries-throttled."""

REPLACE = [
    ("""\
        if status not in RETRYABLE or attempt == max_attempts - 1:
""",
     """\
        if status < 500 or attempt == max_attempts - 1:     # 5xx: worth another try; 4xx: ours
"""),
]
