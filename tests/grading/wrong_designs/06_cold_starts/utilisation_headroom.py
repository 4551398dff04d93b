"""Wrong design: the student computes the burst's peak correctly, then applies the target
utilisation of 0.7 that AWS's examples use for auto scaling provisioned concurrency
(ProvisionedConcurrencyUtilization) and provisions peak / 0.7, rounded up, "to leave
headroom". The recorded burst is the traffic it is sized for: the extra environments never
serve a request of it and are billed every hour of the month.
Caught by: right-sized."""

REPLACE = [
    ("""\
    return {"provisioned": peak}
""",
     """\
    import math

    return {"provisioned": math.ceil(peak / 0.7)}   # 70 % target utilisation: headroom
"""),
]
