"""Planted bug: pandas is loaded by the first price request, so a report that is the first request of a new environment fails. Caught by: answers-unchanged."""

REPLACE = [
    ("""\
        return sales_report(event["sales"])
""",
     """\
        return sales_report(event["sales"])
    global pd
    import pandas as pd   # "warm up" pandas on the first price request
"""),
    ("""\
def sales_report(sales):
""",
     """\
pd = None


def sales_report(sales):
"""),
    ("""\
    import pandas as pd   # lazy: only reports pay for pandas, once per environment (cached)

""",
     ""),
]
