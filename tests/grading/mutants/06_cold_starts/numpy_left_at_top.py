"""Planted bug: pandas is lazy but numpy is still imported at module level (trimmed imports missed). Caught by: cold-start-ratio."""

REPLACE = [
    ("""\
PRICES = {"apple": 120, "pear": 95, "plum": 80, "fig": 240, "kiwi": 60}
""",
     """\
import numpy as np  # noqa: F401 - the common path never uses it
PRICES = {"apple": 120, "pear": 95, "plum": 80, "fig": 240, "kiwi": 60}
"""),
]
