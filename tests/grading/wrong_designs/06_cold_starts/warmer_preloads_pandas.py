"""Wrong design: the student read that a warming ping keeps an environment warm and that pandas
is the expensive part of a report, and put the two together: the scheduled {"warmer": true}
ping imports pandas into a module-level name "so that the report finds it ready", and the
report uses that name. A price look-up stays cheap, but a report that is the first request of a
new execution environment (the burst's extra environments never got a ping) fails with
'NoneType' object has no attribute 'DataFrame'.
Caught by: answers-unchanged."""

REPLACE = [
    ("""\
    if event.get("warmer"):           # a scheduled warming ping: answer at once
        return {"warmed": True}
""",
     """\
    if event.get("warmer"):           # a scheduled warming ping: pre-load pandas for reports
        global pd
        import pandas as pd
        return {"warmed": True}
"""),
    ("""\
def sales_report(sales):
    import pandas as pd   # lazy: only reports pay for pandas, once per environment (cached)

""",
     """\
pd = None   # loaded by the warming ping


def sales_report(sales):
"""),
]
