"""Planted bug: the expression gives the error rate as a fraction (0.6 for 60 %) while the
threshold is in percent (10): the alarm never fires, not even when most invocations fail.
Caught by: error-rate-alarm."""

REPLACE = [
    ('"IF(invocations > 0, 100 * errors / invocations, 0)"',
     '"IF(invocations > 0, errors / invocations, 0)"'),
]
