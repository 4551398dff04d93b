"""Wrong design: the error-rate alarm treats missing data as breaching, "no data means
something is broken". A function without invocations has no Errors and no Invocations
datapoint, so the expression has none either: the alarm pages every night the shop is quiet.
Caught by: error-rate-alarm."""

REPLACE = [
    ('"TreatMissingData": "notBreaching"}', '"TreatMissingData": "breaching"}'),
]
