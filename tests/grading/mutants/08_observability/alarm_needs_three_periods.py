"""Planted bug: the alarm needs 3 breaching periods out of 3, so a burst of failures within one
period never pages (and a period without invocations, treated as not breaching, resets it).
Caught by: error-rate-alarm."""

REPLACE = [
    ('"EvaluationPeriods": 1,', '"EvaluationPeriods": 3,'),
]
