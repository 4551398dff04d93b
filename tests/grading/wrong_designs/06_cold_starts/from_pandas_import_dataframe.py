"""Wrong design: "import only what you use": the student drops numpy and, instead of the whole of
pandas, imports the one class the report needs at the top of the module, from pandas import
DataFrame, believing that this loads DataFrame alone. Importing a name from a package imports
the package first (pandas, and numpy with it): every cold start still pays for all of pandas,
price look-ups included, and the init is hardly shorter than the original's.
Caught by: cold-start-ratio."""

REPLACE = [
    ("""\
PRICES = {"apple": 120, "pear": 95, "plum": 80, "fig": 240, "kiwi": 60}
""",
     """\
from pandas import DataFrame   # just the class the report needs, not the whole of pandas

PRICES = {"apple": 120, "pear": 95, "plum": 80, "fig": 240, "kiwi": 60}
"""),
    ("""\
    import pandas as pd   # lazy: only reports pay for pandas, once per environment (cached)

    frame = pd.DataFrame(sales, columns=["item", "qty"])
""",
     """\
    frame = DataFrame(sales, columns=["item", "qty"])
"""),
]
