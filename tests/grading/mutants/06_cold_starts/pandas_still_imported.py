"""Planted bug: the lazy import is there, but `import pandas` was left at the top. Caught by: cold-start-ratio."""

REPLACE = [
    ("""\
PRICES = {"apple": 120, "pear": 95, "plum": 80, "fig": 240, "kiwi": 60}
""",
     """\
import pandas as pd  # noqa: F401 - left behind
PRICES = {"apple": 120, "pear": 95, "plum": 80, "fig": 240, "kiwi": 60}
"""),
]
