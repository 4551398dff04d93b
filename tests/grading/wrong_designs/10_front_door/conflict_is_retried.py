"""Wrong design: the client retries 409 Conflict along with 429 and 503, reading "conflict" as
"a concurrent request got in the way, try again" (as with an optimistic-lock conflict). Here
409 is the front door's answer to an order it has already accepted: it will answer 409 to every
resend, so the client spends all max_attempts calls (and their backoff) on a request that can
never change, and reports the order's fate only after the longest wait.
Caught by: no-retry-client-errors."""

REPLACE = [
    ("""\
RETRYABLE = (429, 503)
""",
     """\
RETRYABLE = (409, 429, 503)     # 409 Conflict: someone else got there first, try again
"""),
]
