"""Planted bug: the failure list is a module-level global, so a warm environment reports an
earlier batch's failures again; ids not in the batch fail the whole batch.
Caught by: mixed-batches."""

REPLACE = [
    ("""\
def handler(event, context):
""",
     """\
failures = []


def handler(event, context):
"""),
    ("""\
    failures = []          # local: a global would leak one batch's failures into the next
""",
     ""),
]
